from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.econtract_base.tests.common import ApprovalCommon


@tagged("post_install", "-at_install")
class TestApprovalFromTheHierarchy(ApprovalCommon):
    """Approvers found in the employee hierarchy: the owner's manager, the department's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Employee = cls.env["hr.employee"]
        cls.boss = Employee.create({"name": "总监", "user_id": cls.director.id})
        cls.head = Employee.create({"name": "部门经理", "user_id": cls.finance.id})
        cls.department = cls.env["hr.department"].create(
            {"name": "采购部", "manager_id": cls.head.id, "company_id": cls.company.id}
        )
        cls.sub_department = cls.env["hr.department"].create(
            {"name": "采购一组", "parent_id": cls.department.id, "company_id": cls.company.id}
        )
        Employee.create(
            {
                "name": "张伟",
                "user_id": cls.user.id,
                "parent_id": cls.boss.id,
                "department_id": cls.sub_department.id,
            }
        )

    def test_manager_then_department_manager(self):
        self._policy(
            [
                {"mode": "sequential", "approver_type": "manager"},
                {"mode": "sequential", "approver_type": "department_manager"},
            ]
        )
        contract = self._complete_contract(department_id=self.department.id)
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(self._pending(contract), self.director)
        self._approve(self.director, contract)
        self.assertEqual(self._pending(contract), self.finance)
        self._approve(self.finance, contract)
        self.assertEqual(contract.state, "approved")

    def test_nobody_to_approve_is_refused_at_submission(self):
        self._policy([{"mode": "sequential", "approver_type": "department_manager"}])
        contract = self._complete_contract(department_id=self.sub_department.id)
        with self.assertRaisesRegex(UserError, "finds nobody to approve"):
            self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(contract.state, "draft")
        self.assertFalse(contract.approval_request_ids)

    def test_policy_by_department_includes_sub_departments(self):
        purchasing = self._policy(
            [self._users(self.finance)],
            name="Purchasing",
            department_ids=[Command.set(self.department.ids)],
            priority=20,
        )
        general = self._policy([self._users(self.lawyer)], name="General")
        inside = self._complete_contract(department_id=self.sub_department.id)
        self.assertEqual(inside._approval_select_policy(), purchasing)
        outside = self._complete_contract(department_id=False)
        self.assertEqual(outside._approval_select_policy(), general)
