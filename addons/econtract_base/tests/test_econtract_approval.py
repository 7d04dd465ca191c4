import io
import re
from datetime import date, datetime

from freezegun import freeze_time
from pypdf import PdfReader

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from .common import ApprovalCommon


@tagged("post_install", "-at_install")
class TestApprovalRouting(ApprovalCommon):
    def test_sequential_step_goes_one_after_another(self):
        self._policy([{"mode": "sequential", **self._users(self.finance, self.director)}])
        contract = self._complete_contract(amount=5000)
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(contract.state, "in_approval")
        request = contract.approval_request_id
        self.assertTrue(request.document_sha256)
        self.assertEqual(request.document_sha256, contract.document_ids[-1:].sha256)
        self.assertEqual(self._pending(contract), self.finance)
        activity = contract.activity_ids.filtered(lambda a: a.user_id == self.finance)
        self.assertEqual(len(activity), 1)
        with self.assertRaisesRegex(UserError, "Nothing of .* awaits your decision"):
            self._approve(self.director, contract)
        self._approve(self.finance, contract)
        self.assertEqual(self._pending(contract), self.director)
        self.assertFalse(contract.activity_ids.filtered(lambda a: a.user_id == self.finance))
        self._approve(self.director, contract, "同意")
        self.assertEqual(contract.state, "approved")
        trail = contract.approval_decision_ids
        self.assertEqual(trail.mapped("user_id"), self.finance | self.director)
        self.assertEqual(set(trail.mapped("decision")), {"approved"})
        self.assertEqual(set(trail.mapped("document_sha256")), {request.document_sha256})
        self.assertEqual(trail[-1].comment, "同意")

    def test_countersign_needs_everyone_in_any_order(self):
        self._policy([{"mode": "countersign", **self._users(self.finance, self.director)}])
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(self._pending(contract), self.finance | self.director)
        self._approve(self.director, contract)
        self.assertEqual(contract.state, "in_approval")
        self.assertEqual(self._pending(contract), self.finance)
        self._approve(self.finance, contract)
        self.assertEqual(contract.state, "approved")

    def test_or_sign_needs_one_and_closes_the_others(self):
        self._policy([{"mode": "or_sign", **self._users(self.finance, self.director)}])
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(len(contract.activity_ids), 2)
        self._approve(self.director, contract)
        self.assertEqual(contract.state, "approved")
        tasks = contract.approval_request_id.task_ids
        self.assertEqual(sorted(tasks.mapped("state")), ["approved", "closed"])
        self.assertFalse(contract.activity_ids, "the other approver's to-do is gone")
        with self.assertRaises(UserError):
            self._approve(self.finance, contract)

    def test_steps_follow_each_other(self):
        self._policy(
            [
                {"mode": "or_sign", **self._users(self.finance)},
                {"mode": "sequential", **self._users(self.director)},
            ]
        )
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        self._approve(self.finance, contract)
        self.assertEqual(contract.approval_request_id.step_id.name, "Step 1")
        self.assertEqual(self._pending(contract), self.director)
        self._approve(self.director, contract)
        self.assertEqual(contract.state, "approved")

    def test_approver_sources_group_and_field(self):
        group = self.env["res.groups"].create(
            {"name": "Contract reviewers", "users": [Command.set((self.finance | self.lawyer).ids)]}
        )
        owner_field = self.env["ir.model.fields"]._get("econtract.contract", "user_id")
        self._policy(
            [
                {"mode": "or_sign", "approver_type": "group", "group_id": group.id},
                {"mode": "sequential", "approver_type": "field", "field_id": owner_field.id},
            ]
        )
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(self._pending(contract), self.finance | self.lawyer)
        self._approve(self.lawyer, contract)
        self.assertEqual(self._pending(contract), self.user, "the contract's owner field")
        self._approve(self.user, contract)
        self.assertEqual(contract.state, "approved")

    def test_step_condition_skips_small_amounts(self):
        self._policy(
            [
                {"mode": "sequential", **self._users(self.finance)},
                {
                    "mode": "sequential",
                    "name": "Finance director",
                    "condition_amount_min": 1_000_000,
                    **self._users(self.director),
                },
            ]
        )
        small = self._complete_contract(amount=999_999.99)
        self._as(self.user, small).action_submit_for_approval()
        self._approve(self.finance, small)
        self.assertEqual(small.state, "approved")
        skipped = small.approval_decision_ids.filtered(lambda d: d.decision == "skipped")
        self.assertEqual(skipped.step_name, "Finance director")

        large = self._complete_contract(amount=1_000_000)
        self._as(self.user, large).action_submit_for_approval()
        self._approve(self.finance, large)
        self.assertEqual(large.state, "in_approval")
        self.assertEqual(self._pending(large), self.director)


@tagged("post_install", "-at_install")
class TestPolicySelection(ApprovalCommon):
    def test_no_policy_names_the_contract_attributes(self):
        contract = self._complete_contract(amount=1234, contract_type="lease")
        with self.assertRaisesRegex(UserError, r"No approval policy applies .*1234.*Lease"):
            self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(contract.state, "draft")
        self.assertFalse(contract.approval_request_ids)

    def test_a_policy_without_steps_approves_at_once(self):
        self._policy([], name="Small amounts", amount_max=10_000)
        contract = self._complete_contract(amount=9_000)
        self._as(self.user, contract).action_submit_for_approval()
        self.assertEqual(contract.state, "approved")
        self.assertFalse(contract.approval_decision_ids)
        self.assertFalse(contract.activity_ids)

    def test_two_policies_tie(self):
        self._policy([self._users(self.finance)], name="Purchases A", contract_type="purchase")
        self._policy([self._users(self.director)], name="Purchases B", amount_max=10_000)
        contract = self._complete_contract(amount=500, contract_type="purchase")
        with self.assertRaisesRegex(UserError, "Purchases A, Purchases B.*same priority 10"):
            self._as(self.user, contract).action_submit_for_approval()

    def test_priority_type_tags_and_amount_with_conversion(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        other = eur if self.currency != eur else self.env.ref("base.USD")
        other.active = True
        # 1 company currency = 0.5 of the other: 1 000 of it is 2 000 company currency.
        self.env["res.currency.rate"].create(
            {"currency_id": other.id, "rate": 0.5, "name": "2020-01-01"}
        )
        tag = self.env["econtract.contract.tag"].create({"name": "框架协议"})
        general = self._policy([self._users(self.finance)], name="General", priority=1)
        ranged = self._policy(
            [self._users(self.director)], name="Mid-range", amount_min=1500, amount_max=5000
        )
        tagged_policy = self._policy(
            [self._users(self.lawyer)],
            name="Framework",
            tag_ids=[Command.set(tag.ids)],
            priority=20,
        )
        in_range = self._complete_contract(amount=1000, currency_id=other.id)
        self.assertEqual(in_range._approval_select_policy(), ranged)
        below = self._complete_contract(amount=700, currency_id=other.id)
        self.assertEqual(below._approval_select_policy(), general)
        framework = self._complete_contract(amount=1000, tag_ids=[Command.set(tag.ids)])
        self.assertEqual(framework._approval_select_policy(), tagged_policy)
        general.domain = "[('title', 'ilike', '采购')]"
        with self.assertRaises(UserError):
            below._approval_select_policy()
        with self.assertRaises(ValidationError):
            general.domain = "[('no_such_field', '=', 1)]"


@tagged("post_install", "-at_install")
class TestDecisions(ApprovalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._policy(
            [
                {"mode": "or_sign", **cls._users(cls.finance)},
                {"mode": "or_sign", **cls._users(cls.director)},
            ]
        )

    def _submitted(self):
        contract = self._complete_contract()
        self._as(self.user, contract).action_submit_for_approval()
        return contract

    def test_reject_needs_a_reason_and_returns_to_draft(self):
        contract = self._submitted()
        with self.assertRaisesRegex(ValidationError, "needs a comment"):
            self._as(self.finance, contract).action_approval_reject("  ")
        self._as(self.finance, contract).action_approval_reject("价格偏高")
        self.assertEqual((contract.state, contract.state_reason), ("draft", "价格偏高"))
        self.assertEqual(contract.approval_request_id.state, "rejected")
        self.assertFalse(contract.activity_ids)

    def test_resubmit_starts_again_and_reuses_nothing(self):
        contract = self._submitted()
        first = contract.approval_request_id
        self._approve(self.finance, contract)
        self._as(self.director, contract).action_approval_request_changes("补充交货地点")
        self.assertEqual((contract.state, contract.state_reason), ("draft", "补充交货地点"))
        contract.clause_ids[0].body = "<p>办公家具一批，交货至上海仓库。</p>"
        self._as(self.user, contract).action_submit_for_approval()
        second = contract.approval_request_id
        self.assertEqual(len(contract.approval_request_ids), 2)
        self.assertEqual(self._pending(contract), self.finance, "from the first step again")
        self.assertEqual(len(contract.document_ids), 2, "the changed text is a new version")
        self.assertNotEqual(second.document_sha256, first.document_sha256)

    def test_approving_changed_content_is_refused(self):
        contract = self._submitted()
        with self.assertRaisesRegex(AccessError, "Awaiting Approval: Amount can no longer"):
            self._as(self.user, contract).write({"amount": 99_999})
        # Content changed around the models (SQL, a faulty extension) is still caught.
        with engine():
            contract.write({"amount": 99_999})
        with self.assertRaisesRegex(UserError, "changed after it was submitted"):
            self._approve(self.finance, contract)
        self.assertEqual(self._pending(contract), self.finance)

    def test_a_callers_defaults_never_reach_the_trail(self):
        contract = self._submitted()
        self._as(self.finance, contract).with_context(
            default_decided_at="2000-01-01 00:00:00", default_comment="backdated"
        ).action_approval_approve("同意")
        line = contract.approval_decision_ids.filtered(lambda d: d.decision == "approved")
        self.assertEqual(line.comment, "同意")
        self.assertGreater(line.decided_at.year, 2000)
        tasks = contract.approval_request_id.task_ids
        self.assertFalse(any(tasks.mapped("escalated")))

    def test_a_stale_form_cannot_decide(self):
        contract = self._submitted()
        action = self._as(self.finance, contract).action_approval_open_wizard()
        wizard = (
            self.env["econtract.approval.wizard"]
            .with_user(self.finance)
            .with_context(**action["context"])
            .create({})
        )
        self.assertEqual(wizard.decision, "approved")
        # Meanwhile the submitter withdraws and submits again: a new task for the same user.
        self._as(self.user, contract).action_approval_withdraw()
        self._as(self.user, contract).action_submit_for_approval()
        with self.assertRaisesRegex(UserError, "moved on since you opened it"):
            wizard.action_confirm()
        self.assertEqual(self._pending(contract), self.finance)

    def test_withdraw(self):
        contract = self._submitted()
        with self.assertRaises(AccessError):
            contract.approval_request_id.with_user(self.colleague).action_withdraw()
        self._as(self.user, contract).action_approval_withdraw()
        self.assertEqual(contract.state, "draft")
        self.assertEqual(contract.approval_request_id.state, "withdrawn")

    def test_approve_from_the_activity(self):
        contract = self._submitted()
        activity = contract.activity_ids
        self.assertEqual(activity.user_id, self.finance)
        activity.with_user(self.finance).action_feedback(feedback="可以")
        self.assertEqual(self._pending(contract), self.director)
        decision = contract.approval_decision_ids
        self.assertEqual((decision.user_id, decision.comment), (self.finance, "可以"))

    def test_outsiders_cannot_decide(self):
        contract = self._submitted()
        for user in (self.colleague, self.director, self.manager):
            with self.assertRaises(UserError):
                self._approve(user, contract)
        self.assertEqual(self._pending(contract), self.finance)

    def test_audit_report_lists_every_decision(self):
        contract = self._submitted()
        self._as(self.finance, contract).action_approval_reject("价格偏高，请重新询价")
        contract.write({"amount": 4321})
        self._as(self.user, contract).action_submit_for_approval()
        self._approve(self.finance, contract, "已重新询价")
        self._approve(self.director, contract, "同意签署")
        data = contract.with_user(self.auditor)._approval_audit_pdf()
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        flat = re.sub(r"\s+", "", text)
        for expected in (
            "价格偏高，请重新询价",
            "已重新询价",
            "同意签署",
            contract.name,
            "Step0",
            "Step1",
            "Rejected",
            "Approved",
            self.finance.name,
            self.director.name,
        ):
            self.assertIn(re.sub(r"\s+", "", expected), flat)
        for request in contract.approval_request_ids:
            self.assertIn(request.document_sha256, flat)
        self.assertIn("4,321.00", flat, "the history of changes: the amount")
        # A period before the submissions shows none of them.
        early = contract._approval_audit_pdf(date(2020, 1, 1), date(2020, 12, 31))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(early)).pages)
        self.assertNotIn("同意签署", text)
        with self.assertRaises(AccessError):
            contract.with_user(self.colleague)._approval_audit_pdf()

    def test_the_trail_never_changes(self):
        contract = self._submitted()
        self._approve(self.finance, contract)
        line = contract.approval_decision_ids
        for env in (self.env, self.env(user=self.manager)):
            with self.assertRaises(UserError):
                line.with_env(env).write({"comment": "edited"})
            with self.assertRaises(UserError):
                line.with_env(env).unlink()
        with self.assertRaises(UserError):
            line.sudo().write({"decision": "rejected"})
        with self.assertRaises(UserError):
            line.sudo().unlink()
        with self.assertRaises(UserError):
            self.env["econtract.approval.decision"].sudo().create(
                {"request_id": line.request_id.id, "user_id": self.user.id, "decision": "approved"}
            )


@tagged("post_install", "-at_install")
class TestDelegationAndEscalation(ApprovalCommon):
    def test_nobody_makes_themselves_an_approvers_delegate(self):
        Delegation = self.env["econtract.approval.delegation"].with_user(self.user)
        mine = Delegation.create(
            {
                "user_id": self.user.id,
                "delegate_id": self.lawyer.id,
                "date_from": "2026-05-01",
                "date_to": "2026-05-05",
            }
        )
        with self.assertRaisesRegex(AccessError, "stays the approver's own"):
            mine.write({"user_id": self.finance.id, "delegate_id": self.user.id})
        with self.assertRaises(AccessError):
            Delegation.create(
                {
                    "user_id": self.finance.id,
                    "delegate_id": self.user.id,
                    "date_from": "2026-05-01",
                    "date_to": "2026-05-05",
                }
            )
        self.assertEqual(mine.user_id, self.user)
        mine.with_user(self.manager).write({"user_id": self.colleague.id})  # managers may

    def test_delegation_window_edges(self):
        self.finance.tz = "Asia/Shanghai"
        self.env["econtract.approval.delegation"].with_user(self.finance).create(
            {
                "user_id": self.finance.id,
                "delegate_id": self.lawyer.id,
                "date_from": "2026-05-01",
                "date_to": "2026-05-05",
            }
        )
        self._policy([{"mode": "or_sign", **self._users(self.finance)}])
        # 30 April 23:30 in Shanghai: not yet delegated.
        with freeze_time(datetime(2026, 4, 30, 15, 30)):
            early = self._complete_contract()
            self._as(self.user, early).action_submit_for_approval()
            self.assertFalse(early.approval_request_id.task_ids.delegate_id)
            with self.assertRaises(UserError):
                self._approve(self.lawyer, early)
        # 1 May 00:30 in Shanghai (30 April in UTC): delegated; the delegate gets the to-do.
        with freeze_time(datetime(2026, 4, 30, 16, 30)):
            contract = self._complete_contract()
            self._as(self.user, contract).action_submit_for_approval()
            self.assertEqual(contract.activity_ids.user_id, self.lawyer)
        # 5 May 23:59 in Shanghai: still delegated; the delegate decides for the approver.
        with freeze_time(datetime(2026, 5, 5, 15, 59)):
            self._approve(self.lawyer, contract)
            decision = contract.approval_decision_ids
            self.assertEqual(
                (decision.user_id, decision.on_behalf_of_id), (self.lawyer, self.finance)
            )
        # 6 May 00:01 in Shanghai: over; the early request is the approver's again.
        with freeze_time(datetime(2026, 5, 5, 16, 1)):
            with self.assertRaises(UserError):
                self._approve(self.lawyer, early)
            self._approve(self.finance, early)
        with self.assertRaisesRegex(ValidationError, "already delegates"):
            self.env["econtract.approval.delegation"].create(
                {
                    "user_id": self.finance.id,
                    "delegate_id": self.director.id,
                    "date_from": "2026-05-05",
                    "date_to": "2026-05-09",
                }
            )

    def test_escalation_adds_the_escalation_approver(self):
        self._policy(
            [
                {
                    "mode": "sequential",
                    "deadline_hours": 24,
                    "escalation": "notify",
                    "escalation_user_id": self.director.id,
                    **self._users(self.finance),
                }
            ]
        )
        with freeze_time("2026-06-01 09:00:00"):
            contract = self._complete_contract()
            self._as(self.user, contract).action_submit_for_approval()
        Task = self.env["econtract.approval.task"]
        with freeze_time("2026-06-02 08:59:00"):
            Task._cron_escalate()
            self.assertEqual(self._pending(contract), self.finance, "not due yet")
        with freeze_time("2026-06-02 09:01:00"):
            Task._cron_escalate()
            Task._cron_escalate()  # once only
            self.assertEqual(self._pending(contract), self.finance | self.director)
            self.assertEqual(contract.approval_decision_ids.mapped("decision"), ["escalated"])
            self._approve(self.director, contract)
        self.assertEqual(contract.state, "approved")
        self.assertEqual(
            sorted(contract.approval_request_id.task_ids.mapped("state")), ["approved", "closed"]
        )

    def test_escalation_can_reject(self):
        self._policy(
            [
                {
                    "mode": "countersign",
                    "deadline_hours": 48,
                    "escalation": "reject",
                    **self._users(self.finance, self.director),
                }
            ]
        )
        with freeze_time("2026-06-01 09:00:00"):
            contract = self._complete_contract()
            self._as(self.user, contract).action_submit_for_approval()
            self._approve(self.finance, contract)
        with freeze_time("2026-06-03 09:30:00"):
            self.env["econtract.approval.task"]._cron_escalate()
        self.assertEqual(contract.state, "draft")
        self.assertIn("deadline", contract.state_reason)
        self.assertEqual(contract.approval_decision_ids[-1].decision, "expired")
