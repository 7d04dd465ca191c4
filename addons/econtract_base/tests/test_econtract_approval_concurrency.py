import uuid

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, new_test_user, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentDecisions(BaseCase):
    """Two approvers of one or-sign step deciding at the same moment, each in their own
    committed transaction: exactly one advance, and the other is told so.

    A BaseCase: the two decisions need two real transactions on committed data. The policy
    made here only matches the contract made here (by its unique title) and is archived
    afterwards.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.title = f"并发审批 {uuid.uuid4().hex[:8]}"
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            group = "econtract_base.group_econtract_user"
            suffix = self.title[-8:]
            owner, first, second = (
                new_test_user(env, login=f"{name}_{suffix}", groups=group)
                for name in ("owner", "first", "second")
            )
            policy = env["econtract.approval.policy"].create(
                {
                    "name": self.title,
                    "priority": 10_000,
                    "domain": repr([("title", "=", self.title)]),
                    "step_ids": [
                        Command.create(
                            {
                                "name": "Either",
                                "mode": "or_sign",
                                "approver_type": "users",
                                "user_ids": [Command.set((first | second).ids)],
                            }
                        )
                    ],
                }
            )
            partner = env["res.partner"].create({"name": "并发供应商"})
            contract = (
                env["econtract.contract"]
                .with_user(owner)
                .create(
                    {
                        "title": self.title,
                        "partner_ids": [Command.set(partner.ids)],
                        "clause_ids": [Command.create({"title": "标的", "body": "<p>货物。</p>"})],
                    }
                )
            )
            contract.action_submit_for_approval()
            self.refs = {
                "policy": policy.id,
                "contract": contract.id,
                "first": first.id,
                "second": second.id,
            }

    def tearDown(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["econtract.approval.policy"].browse(self.refs["policy"]).active = False
        super().tearDown()

    def _contract(self, cr, user):
        return api.Environment(cr, self.refs[user], {})["econtract.contract"].browse(
            self.refs["contract"]
        )

    def test_or_sign_approvers_at_the_same_moment(self):
        with self.registry.cursor() as cr_first, self.registry.cursor() as cr_second:
            self._contract(cr_first, "first").action_approval_approve("我先")
            # The first decision is not committed yet and holds the request. (A lock wait
            # would hang this single thread: bound it, so a regression fails instead.)
            cr_second.execute("SET lock_timeout = '5s'")
            with (
                self.assertRaisesRegex(UserError, "being recorded right now"),
                mute_logger("odoo.sql_db"),
            ):
                self._contract(cr_second, "second").action_approval_approve("我也同意")
            cr_second.rollback()
            cr_first.commit()
            # The second approver's retry sees what the first decided.
            with self.assertRaisesRegex(UserError, "awaits your decision"):
                self._contract(cr_second, "second").action_approval_approve("我也同意")
        with self.registry.cursor() as cr:
            contract = self._contract(cr, "first").sudo()
            self.assertEqual(contract.state, "approved")
            decisions = contract.approval_decision_ids
            self.assertEqual(decisions.mapped("decision"), ["approved"])
            self.assertEqual(decisions.user_id.id, self.refs["first"])
