from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import EcontractCommon


@tagged("post_install", "-at_install")
class TestEcontractContractAccess(EcontractCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.own = cls._new_contract(cls.user, title="Own")
        cls.colleagues = cls._new_contract(cls.colleague, title="A colleague's")
        cls.user_b = cls._new_user(
            "ec_user_b", "econtract_base.group_econtract_manager", company=cls.company_b
        )
        cls.foreign = cls._new_contract(cls.user_b, title="Other company")
        cls.foreign.company_id = cls.company_b
        cls.all_a = cls.own | cls.colleagues

    def _visible(self, user, **context):
        contracts = self.env["econtract.contract"].with_user(user).with_context(**context)
        return contracts.search([("id", "in", (self.all_a | self.foreign).ids)])

    def test_user_sees_own_contracts_only(self):
        self.assertEqual(self._visible(self.user), self.own)
        self.assertEqual(self._visible(self.colleague), self.colleagues)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_user_cannot_read_or_edit_another_users_contract(self):
        with self.assertRaises(AccessError):
            self.colleagues.with_user(self.user).read(["title"])
        with self.assertRaises(AccessError):
            self.colleagues.with_user(self.user).write({"title": "Hijacked"})
        self.own.with_user(self.user).write({"title": "Edited by its owner"})
        self.assertEqual(self.own.title, "Edited by its owner")

    def test_manager_sees_all_company_contracts(self):
        self.assertEqual(self._visible(self.manager), self.all_a)
        self.colleagues.with_user(self.manager).write({"amount": 10})

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.models")
    def test_auditor_reads_everything_and_writes_nothing(self):
        self.assertEqual(self._visible(self.auditor), self.all_a)
        contract = self.colleagues.with_user(self.auditor)
        self.assertEqual(contract.title, "A colleague's")
        with self.assertRaises(AccessError):
            contract.write({"title": "Audited"})
        with self.assertRaises(AccessError):
            contract.action_cancel()
        with self.assertRaises(AccessError):
            contract.unlink()
        with self.assertRaises(AccessError):
            self.env["econtract.contract"].with_user(self.auditor).create({"title": "New"})
        self.assertEqual(self.colleagues.state, "draft")

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_companies_are_isolated(self):
        self.assertEqual(self._visible(self.user_b), self.foreign)
        self.assertNotIn(self.foreign, self._visible(self.manager))
        with self.assertRaises(AccessError):
            self.foreign.with_user(self.manager).read(["title"])
        with self.assertRaises(AccessError):
            self.own.with_user(self.user_b).read(["title"])

    def test_multi_company_user_sees_only_active_companies(self):
        self.manager.company_ids = [(4, self.company_b.id)]
        both = [self.company.id, self.company_b.id]
        self.assertEqual(
            self._visible(self.manager, allowed_company_ids=both), self.all_a | self.foreign
        )
        self.assertEqual(
            self._visible(self.manager, allowed_company_ids=[self.company_b.id]), self.foreign
        )

    @mute_logger("odoo.models")
    def test_users_without_an_econtract_group_have_no_access(self):
        portal = self._new_user("ec_portal", "base.group_portal")
        for user in (self.outsider, portal):
            with self.assertRaises(AccessError):
                self.env["econtract.contract"].with_user(user).search([])
            with self.assertRaises(AccessError):
                self.env["econtract.contract"].with_user(user).create({"title": "No"})

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_user_cannot_create_a_contract_they_could_not_see(self):
        with self.assertRaises(AccessError):
            self.env["econtract.contract"].with_user(self.user).create(
                {"title": "Planted", "user_id": self.lawyer.id}
            )

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_user_deletes_own_contract_only(self):
        # Rights only: whether a contract may go at all is another addon's say (the evidence
        # log keeps every contract that has a history).
        with self.assertRaises(AccessError):
            self.colleagues.with_user(self.user).check_access("unlink")
        self.own.with_user(self.user).check_access("unlink")
