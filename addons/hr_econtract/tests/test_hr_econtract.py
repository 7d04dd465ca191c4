from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.econtract_base.tests.common import EcontractCommon


@tagged("post_install", "-at_install")
class TestHrEcontract(EcontractCommon):
    """Departments widen what a user sees: their own contracts plus their department's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dep_purchase = cls.env["hr.department"].create(
            {"name": "采购部", "company_id": cls.company.id}
        )
        cls.dep_legal = cls.env["hr.department"].create(
            {"name": "法务部", "company_id": cls.company.id}
        )
        for user, department in (
            (cls.user, cls.dep_purchase),
            (cls.colleague, cls.dep_purchase),
            (cls.lawyer, cls.dep_legal),
        ):
            cls.env["hr.employee"].create(
                {
                    "name": user.login,
                    "user_id": user.id,
                    "department_id": department.id,
                    "company_id": cls.company.id,
                }
            )
        cls.shared = cls._new_contract(
            cls.colleague,
            title="Same department",
            contract_type="lease",
            date_start="2027-01-01",
            date_end="2027-12-31",
            lease_rent=1000,
            lease_frequency="3",
        )
        cls.shared.action_compute_rent_schedule()
        cls.env["econtract.contract.clause"].create(
            {"contract_id": cls.shared.id, "title": "付款", "body": "<p>按季度支付。</p>"}
        )
        cls.legal = cls._new_contract(cls.lawyer, title="Other department")

    def test_contracts_default_to_the_creators_department(self):
        self.assertEqual(self.shared.department_id, self.dep_purchase)
        self.assertEqual(self.legal.department_id, self.dep_legal)
        self.assertFalse(self._new_contract(self.manager).department_id)

    def test_a_contract_of_another_company_takes_no_department_of_mine(self):
        """An employee of one company drafting for another (the demo's admin drafting from
        a purchase order of the company they work in): no department of the wrong company,
        and no refusal."""
        self.user.company_ids |= self.company_b
        contract = (
            self.env["econtract.contract"]
            .with_user(self.user)
            .with_context(allowed_company_ids=[self.company.id, self.company_b.id])
            .create({"title": "For B", "company_id": self.company_b.id})
        )
        self.assertEqual(contract.company_id, self.company_b)
        self.assertFalse(contract.department_id)
        department_b = self.env["hr.department"].create(
            {"name": "B 采购部", "company_id": self.company_b.id}
        )
        self.env["hr.employee"].create(
            {
                "name": "user in B",
                "user_id": self.user.id,
                "department_id": department_b.id,
                "company_id": self.company_b.id,
            }
        )
        self.env.invalidate_all()  # a later request, which reads the user's employees anew
        again = (
            self.env["econtract.contract"]
            .with_user(self.user)
            .with_context(allowed_company_ids=[self.company.id, self.company_b.id])
            .create({"title": "For B again", "company_id": self.company_b.id})
        )
        self.assertEqual(again.department_id, department_b)

    def test_department_of_another_company_is_rejected(self):
        company_b_department = self.env["hr.department"].create(
            {"name": "Abroad", "company_id": self.company_b.id}
        )
        with self.assertRaises(UserError):
            self.env["econtract.contract"].create(
                {
                    "title": "X",
                    "department_id": company_b_department.id,
                    "company_id": self.company.id,
                }
            )

    def test_colleagues_share_a_departments_contracts_and_their_content(self):
        contracts = self.env["econtract.contract"].with_user(self.user)
        self.assertIn(self.shared, contracts.search([]))
        self.assertNotIn(self.legal, contracts.search([]))
        shared = self.shared.with_user(self.user)
        shared.write({"title": "Edited by a colleague"})
        self.assertEqual(self.shared.title, "Edited by a colleague")
        self.assertEqual(shared.clause_ids.read(["title"])[0]["title"], "付款")
        self.assertEqual(len(shared.rent_line_ids.read(["amount"])), 4)

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_other_departments_stay_closed(self):
        with self.assertRaises(AccessError):
            self.shared.with_user(self.lawyer).read(["title"])
        with self.assertRaises(AccessError):
            self.shared.clause_ids.with_user(self.lawyer).read(["body"])
        with self.assertRaises(AccessError):
            self.shared.rent_line_ids.with_user(self.lawyer).read(["amount"])
        with self.assertRaises(AccessError):
            self.legal.with_user(self.user).write({"title": "Hijacked"})
        self.assertEqual(self.legal.title, "Other department")

    @mute_logger("odoo.addons.base.models.ir_rule")
    def test_user_cannot_plant_a_contract_in_another_department(self):
        with self.assertRaises(AccessError):
            self.env["econtract.contract"].with_user(self.user).create(
                {"title": "Planted", "user_id": self.lawyer.id, "department_id": self.dep_legal.id}
            )

    def test_a_move_to_another_department_takes_effect_at_once(self):
        """The rule's domain is cached per user; moving the employee must clear it."""
        Contract = self.env["econtract.contract"].with_user(self.user)
        self.assertIn(self.shared, Contract.search([]))
        self.user.employee_ids.department_id = self.dep_legal
        self.assertNotIn(self.shared, Contract.search([]))
        self.assertIn(self.legal, Contract.search([]))

    def test_my_department_filter(self):
        found = (
            self.env["econtract.contract"]
            .with_user(self.user)
            .search([("in_my_department", "=", True)])
        )
        self.assertIn(self.shared, found)
        self.assertNotIn(self.legal, found)
        self.assertTrue(self.shared.with_user(self.user).in_my_department)
        self.assertFalse(self.shared.with_user(self.manager).in_my_department)
        outside = self.env["econtract.contract"].with_user(self.manager)
        self.assertIn(self.legal, outside.search([("in_my_department", "!=", True)]))
        with self.assertRaisesRegex(ValidationError, "department membership"):
            outside.search([("in_my_department", "in", [True])])
