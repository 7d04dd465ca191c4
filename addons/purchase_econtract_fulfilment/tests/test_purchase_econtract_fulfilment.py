import io
import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from pypdf import PdfReader

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.econtract_base.tests.common import call_kw

from .common import PurchaseFulfilmentCommon


@tagged("post_install", "-at_install")
class TestPurchasePlan(PurchaseFulfilmentCommon):
    """The plan of a purchase contract from its order, its bills and their payments."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._order()
        cls.contract = cls._signed_order(cls.order)
        cls.today = cls.contract.company_id._econtract_date()

    def _plan(self, kind):
        return self.contract.obligation_ids.filtered(
            lambda o: o.source == "purchase" and o.kind == kind
        ).sorted("id")

    def test_signing_plans_the_installments_and_the_deliveries(self):
        first, second = self._plan("payment")
        self.assertEqual(self.contract.amount, 36046.0)
        self.assertEqual((first.amount, second.amount), (10813.8, 25232.2))
        for payment, term in zip((first, second), self.terms.line_ids, strict=True):
            self.assertEqual(payment.debtor, "us")
            self.assertEqual(payment.partner_id, self.vendor)
            self.assertEqual(payment.fulfil_mode, "invoice")
            self.assertEqual(payment.due_event, "invoice")
            self.assertEqual(payment.payment_term_id, self.terms)
            self.assertEqual(payment.term_delay_type, term.delay_type)
            self.assertFalse(payment.date_due, "due once the bill is dated")
            self.assertIn(self.order.name, payment.name)
        desks, chairs = self._plan("delivery")
        self.assertEqual(desks.purchase_line_ids.product_id, self.desk)
        self.assertEqual(chairs.purchase_line_ids.product_id, self.chair)
        self.assertEqual(desks.date_due, self.today + timedelta(days=10))
        self.assertEqual(chairs.date_due, self.today + timedelta(days=20))
        self.assertEqual((desks.amount, chairs.amount), (24690.0, 11356.0))
        self.assertEqual(desks.debtor, "counterparty")
        self.assertIn("实木办公桌", desks.name)
        self.assertIn("obligation.created", self._events(self.contract))
        # Signed once, planned once: planning again adds nothing.
        self.assertFalse(self.contract._fulfilment_plan_purchase())
        self.assertEqual(len(self.contract.obligation_ids), 4)

    def test_a_chinese_contract_names_its_plan_in_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["purchase_econtract_fulfilment"], ["zh_CN"]
        )
        order = self._order()
        contract = self._signed_order(order, language="zh_CN")
        self.assertEqual(contract.language, "zh_CN")
        names = contract.obligation_ids.sorted("id").mapped("name")
        self.assertEqual(names[:2], [f"{order.name} 第1/2期货款", f"{order.name} 第2/2期货款"])
        self.assertEqual(names[2], f"{order.name} 交货：实木办公桌 × 20")

    def test_a_bill_dates_the_installments_and_payments_settle_them_in_order(self):
        day = date(2026, 11, 16)
        bill = self._bill(self.order, day)  # posted by an accountant who reads no contract
        first, second = self._plan("payment")
        self.assertEqual(first.move_ids, bill)
        self.assertEqual(second.move_ids, bill)
        self.assertEqual(first.date_due, day)
        self.assertEqual(second.date_due, date(2026, 12, 30), "30 days after the month's end")
        self.assertEqual(first.event_date, day)
        self.assertEqual(self._events(self.contract).count("obligation.invoice_linked"), 2)

        self._pay(bill, 10000.0)  # not yet the first installment
        self.assertFalse(first.invoice_paid)
        self._pay(bill, 813.8)
        self.assertTrue(first.invoice_paid)
        self.assertFalse(second.invoice_paid)
        self.Obligation.sudo()._scan(self.contract.company_id, day + timedelta(days=1))
        self.assertEqual(first.state, "done")
        self.assertEqual(second.state, "planned")
        self.assertIn(bill.name, first.done_note)

        self._pay(bill)  # the balance
        self.assertEqual(bill.payment_state, "paid")
        self.Obligation.sudo()._scan(self.contract.company_id, day + timedelta(days=2))
        self.assertEqual(second.state, "done")

    def test_an_unpaid_installment_is_our_overdue_not_a_dunning(self):
        day = date(2026, 10, 5)
        self._bill(self.order, day)
        first, second = self._plan("payment")
        self.assertEqual(second.date_due, date(2026, 11, 30))
        self.Obligation.sudo()._scan(self.contract.company_id, date(2026, 12, 1))
        self.assertEqual((first.state, second.state), ("overdue", "overdue"))
        self.assertFalse(first.level_id, "we are not dunned by our own levels")
        self.assertIn("Overdue", first.activity_ids.summary)
        self.assertEqual(first.activity_ids.user_id, self.user)

    def test_a_late_delivery_is_called_upon_by_a_notice_to_perform(self):
        desks = self._plan("delivery")[0]
        company = self.contract.company_id
        self.Obligation.sudo()._scan(company, desks.date_due + timedelta(days=1))
        self.assertEqual(desks.state, "overdue")
        self.assertEqual(desks.level_id, self.env.ref("econtract_fulfilment.level_mail"))
        self.Obligation.sudo()._scan(company, desks.date_due + timedelta(days=15))
        self.assertEqual(desks.level_id, self.env.ref("econtract_fulfilment.level_letter"))
        letter = desks.notice_ids.attachment_id
        self.assertEqual(len(letter), 1)
        zh = self.contract._text_language() == "zh"
        self.assertIn("履约催告函" if zh else "Notice to Perform", letter.name)
        pages = PdfReader(io.BytesIO(letter.raw)).pages
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))
        self.assertIn("标的金额" if zh else "Value", text)
        self.assertNotIn("应付金额" if zh else "Amountdue", text)
        self.assertIn(desks.contract_id.name, text)

    def test_a_changed_offset_counts_the_terms_way(self):
        first, second = self._plan("payment")
        second.with_user(self.user).write({"due_offset": 45})
        self._bill(self.order, date(2026, 11, 16))
        self.assertEqual(second.date_due, date(2027, 1, 14), "45 days after the month's end")
        self.assertEqual(first.date_due, date(2026, 11, 16))

    def test_terms_changed_after_signing_change_nothing(self):
        _first, second = self._plan("payment")
        self.terms.line_ids[1].write({"delay_type": "days_after", "nb_days": 5})
        self._bill(self.order, date(2026, 11, 16))
        self.assertEqual(second.date_due, date(2026, 12, 30), "as signed")

    def test_a_waived_installment_leaves_the_payments_to_the_next(self):
        first, second = self._plan("payment")
        bill = self._bill(self.order, date(2026, 11, 16))
        self._pay(bill, 25232.2)
        self.assertEqual((first.invoice_paid, second.invoice_paid), (True, False))
        first.with_user(self.manager)._waive("预付款已以货抵扣")
        self.assertEqual((first.invoice_paid, second.invoice_paid), (False, True))
        self.Obligation.sudo()._scan(self.contract.company_id, date(2026, 11, 17))
        self.assertEqual((first.state, second.state), ("waived", "done"))

    def test_a_closed_installment_takes_no_new_bill(self):
        first, second = self._plan("payment")
        first.with_user(self.manager)._waive("预付款已以货抵扣")
        bill = self._bill(self.order, date(2026, 11, 16))
        self.assertFalse(first.move_ids)
        self.assertEqual(second.move_ids, bill)

    def test_bills_are_linked_by_posting_not_by_hand(self):
        other = self.env["res.partner"].create({"name": "其他供应商"})
        bill = self._invoice(self.vendor, 36046.0, move_type="in_invoice")  # not the order's
        self._invoice(other, 36046.0, move_type="in_invoice")
        first, _second = self._plan("payment")
        self.assertFalse(first.move_ids, "a bill without the order's lines is not linked")
        with self.assertRaisesRegex(UserError, "linked when they are posted"):
            first.with_user(self.user).write({"move_ids": [(4, bill.id)]})
        self.assertFalse(first.move_ids)

    def test_a_reversed_bill_pays_nothing(self):
        bill = self._bill(self.order, date(2026, 11, 16))
        day = date(2026, 11, 16)
        reversal = bill._reverse_moves([{"invoice_date": day, "date": day}], cancel=True)
        self.assertEqual(bill.payment_state, "reversed")
        self.assertTrue(reversal)
        first, second = self._plan("payment")
        self.assertEqual((first.invoice_paid, second.invoice_paid), (False, False))
        self.Obligation.sudo()._scan(self.contract.company_id, date(2026, 11, 17))
        self.assertEqual(first.state, "overdue", "due at the bill's date and not paid")

    def test_a_bill_edited_after_posting_pays_only_for_its_supplier(self):
        bill = self._bill(self.order, date(2026, 11, 16))
        bill.button_draft()
        bill.partner_id = self.env["res.partner"].create({"name": "其他供应商"})
        bill.action_post()
        self._pay(bill)
        first, second = self._plan("payment")
        self.assertEqual((first.invoice_paid, second.invoice_paid), (False, False))

    def test_a_bill_reset_to_draft_no_longer_dates_nor_pays(self):
        bill = self._bill(self.order, date(2026, 11, 16))
        first, second = self._plan("payment")
        bill.button_draft()
        self.assertFalse(first.move_ids | second.move_ids)
        self.assertFalse(first.date_due or second.date_due)
        self.assertIn("obligation.invoice_unlinked", self._events(self.contract))
        bill.invoice_date = date(2026, 11, 20)
        bill.action_post()
        self.assertEqual(first.move_ids, bill)
        self.assertEqual(first.date_due, date(2026, 11, 20))

    def test_a_fixed_share_larger_than_the_order_leaves_no_empty_installment(self):
        terms = self.env["account.payment.term"].create(
            {
                "name": "预付5万元，余款30天",
                "line_ids": [
                    (0, 0, {"value": "fixed", "value_amount": 50000, "nb_days": 0}),
                    (0, 0, {"value": "percent", "value_amount": 100, "nb_days": 30}),
                ],
            }
        )
        contract = self._signed_order(self._order(terms=terms))
        payments = contract.obligation_ids.filtered(lambda o: o.kind == "payment")
        self.assertEqual(payments.mapped("amount"), [36046.0])

    def test_an_installment_made_ours_to_collect_is_not_the_orders(self):
        first, second = self._plan("payment")
        second.with_user(self.user).write({"debtor": "counterparty"})
        bill = self._bill(self.order, date(2026, 11, 16))  # posting is not blocked
        self.assertEqual(first.move_ids, bill)
        self.assertFalse(second.move_ids)

    def test_services_are_not_deliveries(self):
        order = self._order()
        service = self.env["product.product"].create({"name": "安装服务", "type": "service"})
        order.order_line = [(0, 0, {"product_id": service.id, "product_qty": 1, "price_unit": 800})]
        contract = self._signed_order(order)
        deliveries = contract.obligation_ids.filtered(lambda o: o.kind == "delivery")
        self.assertEqual(len(deliveries), 2)
        self.assertNotIn(service, deliveries.sudo().purchase_line_ids.product_id)

    def test_without_payment_terms_the_whole_amount_is_due_at_the_bill(self):
        order = self._order(terms=self.env["account.payment.term"])
        contract = self._signed_order(order)
        payment = contract.obligation_ids.filtered(lambda o: o.kind == "payment")
        self.assertEqual(payment.amount, 36046.0)
        self.assertFalse(payment.term_delay_type)
        self._bill(order, date(2026, 11, 16))
        self.assertEqual(payment.date_due, date(2026, 11, 16))

    def test_a_contract_signed_after_its_bill_is_linked_at_signing(self):
        order = self._order()
        action = order.with_user(self.user).action_create_econtract()
        contract = self.env["econtract.contract"].browse(action["res_id"])
        bill = self._bill(order, date(2026, 11, 2))
        self._sign_existing(contract, self.vendor_rep)
        payments = contract.obligation_ids.filtered(lambda o: o.kind == "payment")
        self.assertEqual(payments.move_ids, bill)
        self.assertEqual(payments.sorted("id")[0].date_due, date(2026, 11, 2))
        self.assertEqual(
            payments.sorted("id")[1].date_due, date(2026, 11, 30) + relativedelta(days=30)
        )


@tagged("post_install", "-at_install")
class TestPurchasePlanBoundary(PurchaseFulfilmentCommon, HttpCase):
    """Over JSON-RPC: what the order planned is the engine's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._order()
        cls.contract = cls._signed_order(cls.order)
        cls.payment = cls.contract.obligation_ids.filtered(lambda o: o.kind == "payment")[:1]
        cls.delivery = cls.contract.obligation_ids.filtered(lambda o: o.kind == "delivery")[:1]
        cls.other_line = cls._order().order_line[:1]
        cls.manager.groups_id += cls.env.ref("purchase.group_purchase_user")

    def test_no_caller_rewrites_what_the_order_planned(self):
        self.authenticate("ec_manager", "ec_manager")
        for record, values in (
            (self.payment, {"term_delay_type": "days_after_end_of_month"}),
            (self.payment, {"payment_term_id": False}),
            (self.payment, {"term_days_next_month": "25"}),
            (self.delivery, {"purchase_quantities": {"1": 1000}}),
            (self.payment, {"source": "manual"}),
            (self.payment, {"move_ids": [(6, 0, self.order.invoice_ids.ids)]}),
            (self.delivery, {"purchase_line_ids": [(6, 0, self.other_line.ids)]}),
        ):
            ok, _result, _error = call_kw(
                self, "econtract.obligation", "write", [[record.id], values]
            )
            self.assertFalse(ok, values)
        self.assertTrue(self.payment.payment_term_id)
        self.assertEqual(self.delivery.purchase_line_ids.order_id, self.order)

    def test_an_accountant_posts_bills_but_reads_no_plan(self):
        self.authenticate("pef_accountant", "pef_accountant")
        ok, _result, _error = call_kw(
            self, "econtract.obligation", "search_read", [[]], {"fields": ["name"]}
        )
        self.assertFalse(ok)
        ok, _result, _error = call_kw(
            self,
            "account.move",
            "_econtract_link_obligations",
            [self.env["account.move"].search([], limit=1).ids],
        )
        self.assertFalse(ok, "a private engine method is not callable over RPC")
