import base64
import io
import re

import pypdf

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.base.tests.common import BaseCommon
from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from econtract.amounts import format_capital_amount


def pdf_text(document):
    data = base64.b64decode(document.attachment_id.datas)
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@tagged("post_install", "-at_install")
class TestPurchaseEcontract(BaseCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cny = cls.env.ref("base.CNY")
        cls.cny.active = True
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.buyer = new_test_user(
            cls.env,
            login="pe_buyer",
            groups="purchase.group_purchase_user,econtract_base.group_econtract_user",
            lang="zh_CN",
        )
        cls.purchaser_only = new_test_user(
            cls.env, login="pe_purchaser", groups="purchase.group_purchase_user"
        )
        cls.vendor = cls.env["res.partner"].create({"name": "深圳市华强电子有限公司"})
        cls.desk = cls.env["product.product"].create({"name": "实木办公桌", "standard_price": 1})
        cls.chair = cls.env["product.product"].create({"name": "人体工学椅", "standard_price": 1})
        cls.order = cls._new_order(cls.buyer)

    @classmethod
    def _new_order(cls, user, qty=10, currency=None):
        form = Form(cls.env["purchase.order"].with_user(user))
        form.partner_id = cls.vendor
        form.currency_id = currency or cls.cny
        for product, price in ((cls.desk, 1234.5), (cls.chair, 567.8)):
            with form.order_line.new() as line:
                line.product_id = product
                line.product_qty = qty
                line.price_unit = price
        return form.save()

    def test_two_clicks_turn_an_order_into_a_rendered_contract(self):
        action = self.order.with_user(self.buyer).action_create_econtract()
        contract = self.env["econtract.contract"].browse(action["res_id"])
        self.assertEqual(contract.purchase_order_id, self.order)
        self.assertEqual(contract.partner_ids, self.vendor)
        self.assertEqual(contract.contract_type, "purchase")
        self.assertEqual(contract.currency_id, self.cny)
        self.assertEqual(contract.amount, self.order.amount_total)
        self.assertEqual(
            contract.template_version_id,
            self.env.ref("purchase_econtract.econtract_template_purchase_zh_v1"),
        )
        self.assertEqual(len(contract.clause_ids), 11)
        self.assertEqual(self.order.with_user(self.buyer).econtract_count, 1)

        contract.with_user(self.buyer).action_render_document()
        text = pdf_text(contract.document_ids)
        self.assertIn("实木办公桌", text)
        self.assertIn("人体工学椅", text)
        self.assertIn("1,234.50", text)
        self.assertIn(self.order.name, text)
        self.assertIn(f"¥{self.order.amount_total:,.2f}", text)
        self.assertIn(format_capital_amount(self.order.amount_total), text)
        self.assertIn("甲方所在地有管辖权的人民法院", text)

    def test_english_template_for_english_users(self):
        order = self._new_order(self.env.user)
        action = order.with_context(lang="en_US").action_create_econtract()
        contract = self.env["econtract.contract"].browse(action["res_id"])
        self.assertEqual(contract.language, "en_US")
        self.assertEqual(contract.clause_ids[0].title, "Subject Matter and Price")
        rows = contract.variable_ids.filtered(lambda v: v.name == "items").value_table["rows"]
        self.assertEqual([row[0] for row in rows], ["实木办公桌", "人体工学椅"])

    def test_smart_buttons_lead_both_ways(self):
        action = self.order.action_create_econtract()
        contract = self.env["econtract.contract"].browse(action["res_id"])
        self.assertEqual(contract.action_view_source()["res_id"], self.order.id)
        self.assertEqual(self.order.action_view_econtracts()["res_id"], contract.id)

    def test_large_orders_wait_for_a_signed_contract(self):
        currency = self.env.company.currency_id
        large = self._new_order(self.buyer, qty=10, currency=currency)
        small = self._new_order(self.buyer, qty=1, currency=currency)
        self.env.company.econtract_po_signed_above = (large.amount_total + small.amount_total) / 2
        large.action_create_econtract()
        # The buyer works in Chinese, and so does the error.
        with self.assertRaisesRegex(UserError, "只有在其合同签署后才能确认"):
            large.with_user(self.buyer).button_confirm()
        self.assertEqual(large.state, "draft")
        small.with_user(self.buyer).button_confirm()
        self.assertEqual(small.state, "purchase")
        if "signed" in dict(self.env["econtract.contract"]._fields["state"].selection):
            # Once its contract is signed (with the signing addon), the order confirms.
            with engine():
                large.econtract_ids.state = "signed"
            large.with_user(self.buyer).button_confirm()
            self.assertEqual(large.state, "purchase")
            return
        self.env.company.econtract_po_signed_above = 0
        large.with_user(self.buyer).button_confirm()
        self.assertEqual(large.state, "purchase")

    def test_the_rule_also_stops_users_who_cannot_read_contracts(self):
        order = self._new_order(self.purchaser_only, currency=self.env.company.currency_id)
        self.env.company.econtract_po_signed_above = order.amount_total / 2
        with self.assertRaisesRegex(UserError, "only once its contract is signed"):
            order.with_user(self.purchaser_only).button_confirm()

    @mute_logger("odoo.models", "odoo.addons.base.models.ir_model")
    def test_purchase_users_without_contract_rights_cannot_create_contracts(self):
        order = self._new_order(self.purchaser_only)
        with self.assertRaises(AccessError):
            order.with_user(self.purchaser_only).action_create_econtract()
        self.assertFalse(order.sudo().econtract_ids)

    def test_without_a_template_the_error_says_so(self):
        self.env["econtract.template"].search([("contract_type", "=", "purchase")]).active = False
        with self.assertRaisesRegex(UserError, "No published template for Purchase contracts"):
            self.order.with_env(self.env).action_create_econtract()
