import base64
import hashlib
import io
import re

import pypdf

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from .common import EcontractCommon


def pdf_text(attachment):
    reader = pypdf.PdfReader(io.BytesIO(base64.b64decode(attachment.datas)))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


@tagged("post_install", "-at_install")
class TestEcontractTemplate(EcontractCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls._new_user("ec_admin", "econtract_base.group_econtract_admin")
        cls.cny = cls.env.ref("base.CNY")
        cls.cny.active = True
        cls.category = cls.env.ref("econtract_base.clause_category_payment")
        cls.payment = cls.env["econtract.clause"].create(
            {
                "name": "付款方式",
                "category_id": cls.category.id,
                "body": "<p>甲方应于{{ due }}前向乙方支付合同价款{{ price }}"
                "（大写：{{ price|capital }}）。</p>",
            }
        )
        cls.template = cls.env["econtract.template"].create(
            {"name": "采购合同（标准版）", "contract_type": "purchase", "language": "zh_CN"}
        )
        cls.v1 = cls._new_version(cls.template)
        cls.v1.write(
            {
                "line_ids": [
                    (0, 0, {"sequence": 1, "clause_id": cls.payment.id}),
                    (
                        0,
                        0,
                        {
                            "sequence": 2,
                            "title": "标的",
                            "body": "<p>乙方向甲方供应：</p><div>{{ lines }}</div>"
                            "<p>卖方：{{ seller }}</p>",
                        },
                    ),
                ],
                "variable_ids": [
                    (0, 0, {"name": "due", "label": "付款日期", "var_type": "date",
                            "path": "date_end"}),
                    (0, 0, {"name": "price", "label": "合同价款", "var_type": "amount",
                            "path": "amount"}),
                    (0, 0, {"name": "seller", "label": "卖方", "var_type": "partner",
                            "path": "partner_ids"}),
                    (0, 0, {"name": "lines", "label": "货物清单", "var_type": "table",
                            "path": "partner_ids", "table_columns": "name:名称;email:邮箱"}),
                ],
            }
        )  # fmt: skip
        cls.v1.action_publish()

    @classmethod
    def _new_version(cls, template):
        action = template.action_new_version()
        return cls.env["econtract.template.version"].browse(action["res_id"])

    def _draft_contract(self, user=None, **vals):
        contract = self._new_contract(
            user or self.user,
            amount=123456.78,
            currency_id=self.cny.id,
            date_end="2027-06-30",
            template_version_id=self.v1.id,
            **vals,
        )
        contract.with_user(user or self.user).action_apply_template()
        return contract

    def test_applying_a_template_copies_clauses_and_reads_values_from_the_source(self):
        contract = self._draft_contract()
        self.assertEqual(contract.clause_ids.mapped("title"), ["付款方式", "标的"])
        self.assertEqual(contract.clause_ids[0].clause_version_id, self.payment.current_version_id)
        values = {v.name: v for v in contract.variable_ids}
        self.assertEqual(str(values["due"].value_date), "2027-06-30")
        self.assertAlmostEqual(values["price"].value_amount, 123456.78)
        self.assertEqual(values["seller"].value_partner_id, self.supplier)
        self.assertEqual(values["lines"].value_table["columns"], ["名称", "邮箱"])
        self.assertEqual(values["lines"].value_table["rows"], [["上海供应商有限公司", ""]])
        self.assertEqual(contract.language, "zh_CN")

    def test_rendered_pdf_carries_the_values_in_chinese(self):
        contract = self._draft_contract()
        document = contract.with_user(self.user)._render_document()
        text = pdf_text(document.attachment_id)
        self.assertIn("第一条付款方式", text)
        self.assertIn("第二条标的", text)
        self.assertIn("甲方应于2027年6月30日前向乙方支付合同价款", text)
        self.assertIn("壹拾贰万叁仟肆佰伍拾陆元柒角捌分", text)
        self.assertIn("卖方：上海供应商有限公司", text)
        self.assertIn(f"合同编号：{contract.name}", text)
        self.assertIn(f"第1页/共{document.page_count}页", text)
        data = base64.b64decode(document.attachment_id.datas)
        self.assertEqual(document.sha256, hashlib.sha256(data).hexdigest())

    def test_rerendering_adds_a_version_and_keeps_the_first(self):
        contract = self._draft_contract()
        first = contract._render_document()
        first_data = first.attachment_id.datas
        contract.clause_ids[0].with_user(self.user).body = "<p>价款{{ price }}一次付清。</p>"
        second = contract._render_document()
        self.assertEqual((first.version, second.version), (1, 2))
        self.assertEqual(first.attachment_id.datas, first_data)
        self.assertNotEqual(first.sha256, second.sha256)
        self.assertIn("价款¥123,456.78一次付清", pdf_text(second.attachment_id))
        usd = self._new_contract(self.user, template_version_id=self.v1.id, date_end="2027-01-01")
        usd.action_apply_template()
        with self.assertRaisesRegex(UserError, "capital numerals are for CNY amounts, not USD"):
            usd._render_document()
        with self.assertRaises(UserError):
            first.with_user(self.user).write({"sha256": "0" * 64})

    def test_missing_required_values_are_listed(self):
        contract = self._new_contract(self.user, template_version_id=self.v1.id, partner_ids=[])
        contract.with_user(self.user).action_apply_template()
        with self.assertRaisesRegex(UserError, "付款日期, 卖方, 货物清单"):
            contract.with_user(self.user)._render_document()
        self.assertFalse(contract.document_ids)
        with self.assertRaises(UserError) as caught:
            contract.with_user(self.user).action_check_content()
        message = str(caught.exception)
        self.assertIn(f"Contract {contract.display_name} is not complete yet", message)
        self.assertIn("• The contract has no counterparty.", message)
        self.assertIn("• Fill in these values: 付款日期, 卖方, 货物清单.", message)

    def test_a_complete_contract_passes_the_check(self):
        contract = self._draft_contract()
        self.assertEqual(contract._get_content_problems(), [])
        action = contract.with_user(self.user).action_check_content()
        self.assertEqual(action["params"]["type"], "success")

    def test_clauses_using_empty_or_unknown_values_are_listed(self):
        contract = self._draft_contract()
        with engine():  # a template version whose seller is optional
            contract.variable_ids.filtered(lambda v: v.name == "seller").required = False
        contract.partner_ids = [(6, 0, self.supplier.ids)]
        contract.variable_ids.filtered(lambda v: v.name == "seller").value_partner_id = False
        contract.clause_ids[0].body = "<p>{{ price }} {{ bank_account }} {{ seller }}</p>"
        contract.clause_ids[1].body = "<p>{{ price|shout }}</p>"
        problems = contract._get_content_problems()
        self.assertEqual(
            problems[:2],
            [
                "Clause 付款方式 uses values that are empty: 卖方.",
                "Clause 付款方式 uses values the contract does not have: bank_account.",
            ],
        )
        self.assertEqual(len(problems), 3)
        self.assertRegex(problems[2], "^Clause 标的: .*shout")
        with self.assertRaises(UserError):
            contract.action_check_content()

    def test_publishing_a_new_version_leaves_existing_contracts_alone(self):
        contract = self._draft_contract()
        v2 = self._new_version(self.template)
        self.assertEqual((v2.version, v2.state), (2, "draft"))
        v2.line_ids[0].body = "<p>新版付款条款：{{ price }}</p>"
        v2.action_publish()
        self.assertEqual(self.template.current_version_id, v2)
        self.assertEqual(contract.template_version_id, self.v1)
        self.assertIn("甲方应于", contract.clause_ids[0].body)
        self.assertIn("甲方应于", self.v1.line_ids[0].body)  # the old version stays readable

    def test_published_versions_are_frozen(self):
        with self.assertRaisesRegex(UserError, "is published"):
            self.v1.line_ids[0].body = "<p>changed</p>"
        with self.assertRaisesRegex(UserError, "is published"):
            self.v1.variable_ids[0].label = "changed"
        with self.assertRaisesRegex(UserError, "is published"):
            self.v1.write({"line_ids": [(0, 0, {"title": "x", "body": "<p>x</p>"})]})
        with self.assertRaisesRegex(UserError, "is Published and cannot be deleted"):
            self.v1.unlink()
        with self.assertRaisesRegex(AccessError, "Status of Contract Template Version are set"):
            self.v1.write({"state": "draft"})
        self.assertEqual(self.v1.state, "published")

    def test_publishing_requires_declared_variables(self):
        v2 = self._new_version(self.template)
        v2.line_ids[0].body = "<p>{{ undeclared_thing }}</p>"
        with self.assertRaisesRegex(UserError, "does not declare: undeclared_thing"):
            v2.action_publish()

    def test_clause_edits_make_versions(self):
        first = self.payment.current_version_id
        self.payment.body = "<p>按月支付{{ price }}。</p>"
        self.assertEqual(self.payment.version, 2)
        self.assertEqual(first.version, 1)
        self.assertIn("甲方应于", first.body)
        with self.assertRaises(UserError):
            first.write({"body": "<p>rewritten history</p>"})
        # the published template still uses version 1
        self.assertEqual(self.v1.line_ids[0].clause_version_id, first)

    def test_templates_cannot_run_code(self):
        for body in (
            "<p>{{ env['res.users'].search([]) }}</p>",
            "<p>{{ __import__('os').system('id') }}</p>",
            "<p>{{ object.partner_id.name }}</p>",
        ):
            with self.subTest(body=body), self.assertRaisesRegex(ValidationError, "not allowed"):
                self.env["econtract.clause"].create(
                    {"name": "x", "category_id": self.category.id, "body": body}
                )

    def test_variable_paths_follow_fields_only(self):
        v2 = self._new_version(self.template)
        v2.variable_ids.filtered(lambda v: v.name == "seller").path = "env"
        v2.action_publish()
        contract = self._new_contract(self.user, template_version_id=v2.id)
        with self.assertRaisesRegex(UserError, "has no field env"):
            contract.with_user(self.user).action_apply_template()
        with self.assertRaises(ValidationError):
            with engine():
                copy = v2.copy({"version": 99})
            copy.variable_ids[0].name = "Bad Name"

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_template_groups_decide_who_may_use_and_edit(self):
        self.template.user_group_ids = self.env.ref("econtract_base.group_econtract_manager")
        with self.assertRaises(AccessError):
            self.template.with_user(self.user).read(["name"])
        contract = self._new_contract(self.user, template_version_id=self.v1.id)
        with self.assertRaisesRegex(UserError, "may not draft contracts from this template"):
            contract.with_user(self.user).action_apply_template()
        self.assertTrue(self.template.with_user(self.manager).name)
        with self.assertRaises(AccessError):
            self.template.with_user(self.manager).write({"name": "renamed"})
        self.template.editor_group_ids = self.env.ref("econtract_base.group_econtract_manager")
        self.template.with_user(self.manager).write({"description": "edited by an editor"})
        self.template.with_user(self.admin).write({"description": "edited by an admin"})

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_another_companys_clause_versions_stay_hidden(self):
        clause = self.env["econtract.clause"].create(
            {
                "name": "Clause of another company",
                "category_id": self.category.id,
                "company_id": self.company_b.id,
                "body": "<p>Private wording.</p>",
            }
        )
        self.assertTrue(self.payment.version_ids.with_user(self.user).read(["body"]))
        with self.assertRaises(AccessError):
            clause.version_ids.with_user(self.user).read(["body"])

    def test_clause_changes_are_logged_in_the_chatter(self):
        contract = self._draft_contract()
        first, second = contract.clause_ids
        first.with_user(self.user).sequence, second.with_user(self.user).sequence = 5, 1
        contract.clause_ids.invalidate_recordset()
        self.assertEqual(contract.clause_ids.mapped("title"), ["标的", "付款方式"])
        second.with_user(self.user).body = "<p>修改后的标的</p>"
        bodies = " ".join(contract.message_ids.mapped("body"))
        self.assertIn("Clauses reordered", bodies)
        self.assertIn("Clause edited: 标的", bodies)
        self.assertIn("Drafted from template", bodies)
        authors = contract.message_ids.filtered(lambda m: "Clause edited" in m.body).author_id
        self.assertEqual(authors, self.user.partner_id)

    def test_value_changes_are_logged_in_the_chatter(self):
        contract = self._draft_contract()
        due = contract.variable_ids.filtered(lambda v: v.name == "due")
        due.with_user(self.user).value_date = "2027-09-30"
        message = contract.message_ids[0]
        self.assertIn("Value changed: 付款日期: 2027-06-30 → 2027-09-30", message.body)
        self.assertEqual(message.author_id, self.user.partner_id)

    def test_clause_order_changes_the_rendered_text(self):
        contract = self._draft_contract()
        contract.clause_ids[1].sequence = 0
        text = pdf_text(contract._render_document().attachment_id)
        self.assertLess(text.index("第一条标的"), text.index("第二条付款方式"))

    def test_contract_content_follows_contract_access(self):
        contract = self._draft_contract(user=self.lawyer)
        with mute_logger("odoo.addons.base.models.ir_rule"), self.assertRaises(AccessError):
            contract.clause_ids.with_user(self.user).read(["body"])
        self.assertTrue(contract.clause_ids.with_user(self.auditor).read(["body"]))
        with mute_logger("odoo.models"), self.assertRaises(AccessError):
            contract.clause_ids.with_user(self.auditor).write({"title": "x"})
