import re

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestApprovalInTheBrowser(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = "econtract_base.group_econtract_user"
        cls.owner = new_test_user(cls.env, login="ec_http_owner", groups=group)
        cls.approver = new_test_user(
            cls.env, login="ec_http_manager", groups="econtract_base.group_econtract_manager"
        )
        cls.env["econtract.approval.policy"].search([]).write({"active": False})
        cls.env["econtract.approval.policy"].create(
            {
                "name": "Managers approve",
                "step_ids": [
                    Command.create(
                        {
                            "name": "Manager",
                            "mode": "or_sign",
                            "approver_type": "users",
                            "user_ids": [Command.set(cls.approver.ids)],
                        }
                    )
                ],
            }
        )
        partner = cls.env["res.partner"].create({"name": "巡检供应商"})
        cls.contract = (
            cls.env["econtract.contract"]
            .with_user(cls.owner)
            .create(
                {
                    "title": "审批巡检合同",
                    "partner_ids": [Command.set(partner.ids)],
                    "clause_ids": [Command.create({"title": "标的", "body": "<p>巡检服务。</p>"})],
                }
            )
        )
        cls.contract.action_submit_for_approval()

    def test_manager_approves_from_the_activity(self):
        self.start_tour("/odoo", "econtract_approval_from_activity_tour", login=self.approver.login)
        self.assertEqual(self.contract.state, "approved")
        decision = self.contract.approval_decision_ids
        self.assertEqual(
            (decision.user_id, decision.comment), (self.approver, "金额与预算一致，同意。")
        )

    def test_the_mail_link_needs_login_and_a_posted_form(self):
        task = self.contract.approval_request_id.task_ids
        url = f"/econtract/approval/task/{task.id}"
        self.assertIn(url, self.contract.activity_ids.note)
        anonymous = self.url_open(url, allow_redirects=False)
        self.assertIn(anonymous.status_code, (302, 303))
        self.assertIn("/web/login", anonymous.headers["Location"])

        self.authenticate(self.owner.login, self.owner.login)
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('value="approved"', page.text, "the owner is no approver")

        self.authenticate(self.approver.login, self.approver.login)
        page = self.url_open(url)
        self.assertIn("审批巡检合同", page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        forged = self.url_open(url, data={"decision": "approved"})
        self.assertEqual(forged.status_code, 400, "no CSRF token, no decision")
        self.assertEqual(self.contract.state, "in_approval")
        refused = self.url_open(url, data={"decision": "rejected", "csrf_token": token})
        self.assertIn("needs a comment", refused.text)
        self.assertEqual(self.contract.state, "in_approval")
        done = self.url_open(
            url, data={"decision": "approved", "comment": "邮件中同意", "csrf_token": token}
        )
        self.assertIn("Your decision is recorded", done.text)
        self.assertEqual(self.contract.state, "approved")

    def test_audit_report_over_http(self):
        self.contract.with_user(self.approver).action_approval_approve("同意")
        self.authenticate(self.approver.login, self.approver.login)
        response = self.url_open(f"/econtract/approval/report?ids={self.contract.id}")
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.authenticate(None, None)
        outsider = new_test_user(self.env, login="ec_http_outsider", groups="base.group_user")
        self.authenticate(outsider.login, outsider.login)
        response = self.url_open(f"/econtract/approval/report?ids={self.contract.id}")
        self.assertEqual(response.status_code, 403)
