from datetime import datetime, time, timedelta

from odoo import Command

from odoo.addons.econtract_fulfilment.tests.common import FulfilmentCommon


class PurchaseFulfilmentCommon(FulfilmentCommon):
    """A supplier, two products, payment terms of 30 % at the bill and 70 % 30 days after
    the end of its month, and helpers to sign an order's contract and bill it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user.groups_id += cls.env.ref("purchase.group_purchase_user")
        cls.vendor = cls.env["res.partner"].create(
            {"name": "深圳市华强电子有限公司", "email": "sales@huaqiang.example.com"}
        )
        cls.vendor_rep = cls.env["res.partner"].create(
            {"name": "陈晨", "parent_id": cls.vendor.id, "email": "chenchen@huaqiang.example.com"}
        )
        Product = cls.env["product.product"]
        cls.desk = Product.create(
            {"name": "实木办公桌", "standard_price": 1, "purchase_method": "purchase"}
        )
        cls.chair = Product.create(
            {"name": "人体工学椅", "standard_price": 1, "purchase_method": "purchase"}
        )
        cls.terms = cls.env["account.payment.term"].create(
            {
                "name": "30% 开票即付，70% 月结30天",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30, "nb_days": 0}),
                    Command.create(
                        {
                            "value": "percent",
                            "value_amount": 70,
                            "delay_type": "days_after_end_of_month",
                            "nb_days": 30,
                        }
                    ),
                ],
            }
        )
        cls.accountant = cls._new_user("pef_accountant", "account.group_account_invoice")

    @classmethod
    def _order(cls, terms=None, desk_in=10, chair_in=20):
        """20 desks at 1,234.50 in ``desk_in`` days and 20 chairs at 567.80 in ``chair_in``
        days, without taxes: 36,046.00 in all."""
        # Noon in Shanghai (04:00 UTC) of the company's today: the planned day is that day.
        now = datetime.combine(cls.env.company._econtract_date(), time(4, 0))
        return cls.env["purchase.order"].create(
            {
                "partner_id": cls.vendor.id,
                "currency_id": cls.cny.id,
                "payment_term_id": (cls.terms if terms is None else terms).id,
                "user_id": cls.user.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": 20,
                            "price_unit": price,
                            "taxes_id": [Command.clear()],
                            "date_planned": now + timedelta(days=days),
                        }
                    )
                    for product, price, days in (
                        (cls.desk, 1234.5, desk_in),
                        (cls.chair, 567.8, chair_in),
                    )
                ],
            }
        )

    @classmethod
    def _signed_order(cls, order, language=None):
        order = order.with_user(cls.user)
        if language:
            order = order.with_context(econtract_language=language)
        action = order.action_create_econtract()
        contract = cls.env["econtract.contract"].browse(action["res_id"])
        return cls._sign_existing(contract, cls.vendor_rep)

    def _bill(self, order, day, user=None):
        order.button_confirm()
        order.action_create_invoice()
        bill = order.invoice_ids.filtered(lambda m: m.state == "draft")
        bill.invoice_date = day
        bill.with_user(user or self.accountant).action_post()
        return bill

    def _pay(self, move, amount=None):
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        )
        wizard.create({"amount": amount} if amount else {})._create_payments()
