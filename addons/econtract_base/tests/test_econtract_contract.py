import re

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from .common import EcontractCommon

REFERENCE = re.compile(r"^EC(\d{4})-(\d{5})$")


@tagged("post_install", "-at_install")
class TestEcontractContract(EcontractCommon):
    def _flush_tracking(self):
        """Tracking messages are written at commit time, which tests never reach."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_reference_comes_from_the_sequence(self):
        first = self._new_contract(self.user)
        second = self._new_contract(self.user)
        match_first, match_second = REFERENCE.match(first.name), REFERENCE.match(second.name)
        self.assertTrue(match_first, f"unexpected reference {first.name}")
        self.assertTrue(match_second, f"unexpected reference {second.name}")
        self.assertEqual(match_first[1], str(fields.Date.context_today(first).year))
        self.assertEqual(int(match_second[2]), int(match_first[2]) + 1)

    def test_batch_create_numbers_every_contract(self):
        contracts = self.env["econtract.contract"].create(
            [{"title": f"合同 {i}"} for i in range(3)]
        )
        names = contracts.mapped("name")
        self.assertEqual(len(set(names)), 3)
        self.assertTrue(all(REFERENCE.match(n) for n in names), names)

    def test_a_template_of_another_company_is_refused(self):
        template = self.env["econtract.template"].create(
            {"name": "B's template", "contract_type": "other", "company_id": self.company_b.id}
        )
        version = self.env["econtract.template.version"].create({"template_id": template.id})
        contract = self._new_contract(self.user)
        with self.assertRaisesRegex(ValidationError, "template of another company"):
            contract.write({"template_version_id": version.id})

    def test_frozen_files_go_into_no_message_of_someone_who_cannot_read_them(self):
        contract = self._new_contract(self.manager)
        document = self.env["econtract.contract.document"]._add_version(contract, b"%PDF-1.7 x")
        other = self._new_user("ec_other_b", "econtract_base.group_econtract_user", self.company_b)
        mine = self._new_contract(other)
        with self.assertRaises(AccessError):
            mine.with_user(other).message_post(body="x", attachment_ids=document.attachment_id.ids)
        self.assertFalse(mine.message_ids.attachment_ids)
        # Nor may anybody change or delete the file, whatever their rights.
        with self.assertRaisesRegex(AccessError, "never change"):
            document.attachment_id.write({"raw": b"%PDF-1.7 forged"})
        with self.assertRaisesRegex(AccessError, "never change"):
            document.attachment_id.unlink()

    def test_a_refusal_reads_in_the_callers_language_without_a_context(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["econtract_base"], ["zh_CN"])
        self.user.lang = "zh_CN"
        contract = self._new_contract(self.user)
        # What an XML-RPC call without a context is: the user's language, labels included.
        with self.assertRaisesRegex(AccessError, "^电子合同的状态只能由其自身的操作设定"):
            contract.with_user(self.user).with_context(lang=None).write({"state": "approved"})

    def test_reference_is_the_sequence_s(self):
        with self.assertRaisesRegex(AccessError, "Reference of Electronic Contract are set"):
            self.env["econtract.contract"].create({"title": "Legacy", "name": "EC2026-00007"})
        # The module's own data (and the engine) may carry a reference of their own.
        with engine():
            contract = self.env["econtract.contract"].create({"title": "Legacy", "name": "OLD-1"})
        self.assertEqual(contract.name, "OLD-1")

    def test_copy_gets_a_new_reference(self):
        contract = self._new_contract(self.user)
        duplicate = contract.copy()
        self.assertNotEqual(duplicate.name, contract.name)
        self.assertTrue(REFERENCE.match(duplicate.name))
        self.assertEqual(duplicate.state, "draft")

    def test_reference_is_unique_per_company(self):
        Contract = self.env["econtract.contract"]
        with engine():
            Contract.create({"title": "A", "name": "DUP-1"})
            other = Contract.create(
                {"title": "B", "name": "DUP-1", "company_id": self.company_b.id}
            )
            self.assertEqual(other.name, "DUP-1")
            with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
                Contract.create({"title": "C", "name": "DUP-1"})

    def test_defaults_follow_the_creating_user(self):
        contract = self._new_contract(self.user)
        self.assertEqual(contract.user_id, self.user)
        self.assertEqual(contract.company_id, self.company)
        self.assertEqual(contract.currency_id, self.company.currency_id)
        self.assertEqual(contract.state, "draft")

    def test_end_before_start_is_rejected(self):
        with self.assertRaisesRegex(ValidationError, "ends .* before it starts"):
            self._new_contract(self.user, date_start="2027-01-31", date_end="2027-01-01")
        contract = self._new_contract(self.user, date_start="2027-01-01", date_end="2027-12-31")
        with self.assertRaises(ValidationError):
            contract.date_end = "2026-12-31"

    def test_negative_amount_is_rejected(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self._new_contract(self.user, amount=-0.01)
        self.assertEqual(self._new_contract(self.user, amount=0).amount, 0)

    def test_cancel_and_reset(self):
        contract = self._new_contract(self.user)
        contract.with_user(self.user).action_cancel()
        self.assertEqual(contract.state, "cancelled")
        with self.assertRaisesRegex(ValidationError, "Only a draft contract"):
            contract.action_cancel()
        contract.with_user(self.user).action_draft()
        self.assertEqual(contract.state, "draft")
        with self.assertRaisesRegex(ValidationError, "Only a cancelled contract"):
            contract.action_draft()

    def test_business_changes_are_tracked(self):
        contract = self._new_contract(self.user, amount=1000).with_context(
            tracking_disable=False, mail_notrack=False
        )
        self._flush_tracking()  # Odoo tracks no change of a record created in the same flush
        contract.with_user(self.user).write({"amount": 2500, "title": "修订后的合同"})
        self._flush_tracking()
        tracked = contract.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertIn("amount", tracked)
        self.assertIn("title", tracked)
        self.assertEqual(contract.message_ids[:1].author_id, self.user.partner_id)
        contract.with_user(self.user).action_cancel()
        self._flush_tracking()
        self.assertIn("state", contract.message_ids.tracking_value_ids.mapped("field_id.name"))

    def test_search_by_reference_or_chinese_title(self):
        contract = self._new_contract(self.user, title="办公家具采购合同")
        model = self.env["econtract.contract"]
        self.assertIn(contract, model.search([("display_name", "ilike", "采购")]))
        self.assertEqual(model.name_search("家具采购")[0][0], contract.id)
        self.assertEqual(model.name_search(contract.name)[0][0], contract.id)
        self.assertEqual(contract.display_name, f"{contract.name} 办公家具采购合同")

    def test_form_creates_a_numbered_contract(self):
        form = Form(self.env["econtract.contract"].with_user(self.user))
        form.title = "Form contract"
        form.contract_type = "lease"
        form.partner_ids.add(self.supplier)
        form.amount = 88.8
        contract = form.save()
        self.assertTrue(REFERENCE.match(contract.name))
        self.assertEqual(contract.partner_ids, self.supplier)

    def test_chinese_translation(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["econtract_base"], ["zh_CN"], overwrite=True
        )
        model = self.env["econtract.contract"].with_context(lang="zh_CN")
        self.assertEqual(model.fields_get(["title"])["title"]["string"], "合同名称")
        selection = dict(model.fields_get(["contract_type"])["contract_type"]["selection"])
        self.assertEqual(selection["labor"], "劳动合同")
        with self.assertRaisesRegex(ValidationError, "金额不能为负数"):
            model.with_user(self.user).create({"title": "负数", "amount": -1})

    def test_cancel_and_reset_record_their_reason(self):
        contract = self._new_contract(self.user)
        action = (
            contract.with_user(self.user)
            .with_context(target_state="cancelled")
            .action_open_state_wizard()
        )
        wizard = Form(
            self.env[action["res_model"]].with_user(self.user).with_context(**action["context"])
        )
        wizard.reason = "供应商已更换"
        wizard.save().action_confirm()
        self.assertEqual((contract.state, contract.state_reason), ("cancelled", "供应商已更换"))
        contract.with_user(self.user).action_draft(reason="Supplier came back")
        self.assertEqual((contract.state, contract.state_reason), ("draft", "Supplier came back"))

    def test_contracts_ending_soon_are_found(self):
        today = fields.Date.context_today(self.env.user)
        soon = self._new_contract(self.user, date_end=today + relativedelta(days=10))
        later = self._new_contract(self.user, date_end=today + relativedelta(days=60))
        ended = self._new_contract(self.user, date_end=today - relativedelta(days=5))
        model = self.env["econtract.contract"].with_user(self.user)
        within_30 = model.search([("days_to_end", ">=", 0), ("days_to_end", "<=", 30)])
        self.assertIn(soon, within_30)
        self.assertNotIn(later, within_30)
        self.assertNotIn(ended, within_30)
        self.assertIn(ended, model.search([("days_to_end", "<", 0)]))
        self.assertEqual((soon.days_to_end, ended.days_to_end), (10, -5))
        with self.assertRaises(ValidationError):
            model.search([("days_to_end", "=", "soon")])

    def test_search_by_clause_text_and_tags(self):
        tag = self.env["econtract.contract.tag"].with_user(self.user).create({"name": "框架协议"})
        contract = self._new_contract(
            self.user,
            tag_ids=[(6, 0, tag.ids)],
            clause_ids=[(0, 0, {"title": "违约责任", "body": "<p>逾期交货按日支付违约金。</p>"})],
        )
        model = self.env["econtract.contract"].with_user(self.user)
        self.assertEqual(model.search([("clause_ids.body", "ilike", "违约金")]), contract)
        self.assertEqual(model.search([("tag_ids", "in", tag.ids)]), contract)
