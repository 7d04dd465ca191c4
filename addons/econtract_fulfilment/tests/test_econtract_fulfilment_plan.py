from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CLAUSES, FulfilmentCommon


@tagged("post_install", "-at_install")
class TestFulfilmentPlan(FulfilmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lease = cls._signed(
            title="张江办公室租赁合同",
            contract_type="lease",
            clauses=CLAUSES,
            amount=96000,
            date_start=date(2026, 1, 1),
            date_end=date(2026, 12, 31),
        )
        cls.signed_on = cls.lease._fulfilment_signed_date()

    def _wizard(self, contract=None):
        contract = contract or self.lease
        action = contract.with_user(self.user).action_fulfilment_extract()
        return (
            self.env["econtract.obligation.extract"].with_user(self.user).browse(action["res_id"])
        )

    def test_the_owner_is_asked_to_confirm_what_the_clauses_say(self):
        activities = self.lease.activity_ids.filtered(lambda a: a.user_id == self.user)
        self.assertIn("Confirm the fulfilment plan", activities.mapped("summary"))
        self.assertFalse(self.lease.obligation_ids, "nothing is planned unseen")

    def test_lines_show_each_span_and_confirm_into_the_plan(self):
        wizard = self._wizard()
        lines = wizard.line_ids
        self.assertEqual(len(lines), 3)  # the breach clause is a condition: no obligation
        deposit = lines.filtered(lambda line: "押金" in line.span_text)
        self.assertEqual(deposit.kind, "payment")
        self.assertEqual(deposit.debtor, "counterparty")  # 乙方
        self.assertEqual(deposit.amount, 16000)
        self.assertEqual(
            (deposit.due_event, deposit.due_offset, deposit.due_unit), ("signing", 3, "days")
        )
        self.assertAlmostEqual(deposit.late_fee_rate, 0.0005)
        acceptance = lines.filtered(lambda line: line.kind == "acceptance")
        self.assertEqual(acceptance.debtor, "us")  # 甲方
        self.assertEqual((acceptance.due_event, acceptance.due_unit), ("delivery", "working_days"))
        conflict = lines.filtered("conflict")
        self.assertIn("2026-01-10", conflict.conflict_note)
        self.assertIn("2026-01-12", conflict.conflict_note)
        self.assertFalse(conflict.date_due, "times that disagree are not picked")
        with self.assertRaisesRegex(UserError, "disagree"):
            wizard.action_confirm()
        self.assertFalse(self.lease.obligation_ids, "a refused confirmation plans nothing")
        conflict.date_due = date(2026, 1, 10)
        confirm = self.env.ref("econtract_fulfilment.mail_activity_confirm_plan")
        self.assertIn(confirm, self.lease.activity_ids.activity_type_id)
        wizard.action_confirm()
        self.assertNotIn(confirm, self.lease.activity_ids.activity_type_id, "answered")
        plan = self.lease.obligation_ids
        self.assertEqual(len(plan), 3)
        planned = plan.filtered(lambda o: o.clause_id == deposit.clause_id)
        self.assertEqual(planned.date_due, self.signed_on + timedelta(days=3))
        self.assertEqual(planned.source, "clause")
        self.assertIn("押金人民币16,000元", planned.span_text)
        waiting = plan.filtered(lambda o: o.kind == "acceptance")
        self.assertFalse(waiting.date_due, "a deadline after delivery waits for the delivery")
        with self.assertRaisesRegex(UserError, "planned already"):
            wizard.action_confirm()
        # A second reading offers nothing twice.
        again = self._wizard()
        self.assertFalse(again.line_ids.filtered("include"))

    def test_a_recorded_delivery_resolves_its_deadlines(self):
        wizard = self._wizard()
        wizard.line_ids.filtered("conflict").date_due = date(2026, 1, 10)
        wizard.action_confirm()
        acceptance = self.lease.obligation_ids.filtered(lambda o: o.kind == "acceptance")
        delivered = self.signed_on
        with self.assertRaisesRegex(UserError, "has not come"):
            self.lease.with_user(self.user)._fulfilment_record_event(
                "delivery", delivered + timedelta(days=30)
            )
        self.lease.with_user(self.user)._fulfilment_record_event(
            "delivery", delivered, "钥匙已交付"
        )
        self.assertEqual(acceptance.event_date, delivered)
        self.assertTrue(acceptance.date_due > delivered)
        events = self._events(self.lease)
        self.assertIn("contract.fulfilment_event", events)
        self.assertIn("obligation.created", events)

    def test_a_recurring_duty_becomes_each_of_its_days(self):
        contract = self._signed(
            title="劳动合同",
            contract_type="labor",
            clauses=[
                ("工资 Pay", "<p>甲方每月15日前以货币形式支付乙方上月工资人民币12,000元。</p>")
            ],
            date_start=date(2026, 1, 1),
            date_end=date(2026, 6, 30),
        )
        wizard = self._wizard(contract)
        self.assertEqual(wizard.line_ids.every, "month")
        self.assertEqual(wizard.line_ids.debtor, "us")
        wizard.action_confirm()
        self.assertEqual(
            contract.obligation_ids.mapped("date_due"),
            [date(2026, m, 15) for m in range(1, 7)],
        )
        self.assertEqual(set(contract.obligation_ids.mapped("amount")), {12000})

    def test_the_rent_schedule_is_planned_at_signing(self):
        contract = self._new_contract(
            self.user,
            title="仓库租赁合同",
            contract_type="lease",
            currency_id=self.cny.id,
            partner_ids=[(6, 0, self.alice.ids)],
            clause_ids=[Command.create({"title": "租金", "body": "<p>租金按季度支付。</p>"})],
            rent_line_ids=[
                Command.create(
                    {
                        "period_start": date(2026, q * 3 - 2, 1),
                        "period_end": date(2026, q * 3, 28),
                        "date_due": date(2026, q * 3 - 2, 5),
                        "amount": 24000,
                    }
                )
                for q in (1, 2, 3, 4)
            ],
        )
        self._sign_contract(contract, self.alice)
        rent = contract.obligation_ids
        self.assertEqual(len(rent), 4)
        self.assertEqual(set(rent.mapped("source")), {"lease"})
        self.assertEqual(rent.mapped("date_due")[0], date(2026, 1, 5))
        self.assertEqual(set(rent.mapped("partner_id")), {self.alice})

    def test_bad_input_changes_nothing(self):
        draft = self._new_contract(self.user, title="草稿", partner_ids=[(6, 0, self.alice.ids)])
        Obligation = self.Obligation.with_user(self.user)
        with self.assertRaisesRegex(UserError, "not signed"):
            Obligation.create({"contract_id": draft.id, "name": "x", "date_due": date(2026, 1, 1)})
        stranger = self.env["res.partner"].create({"name": "无关公司"})
        with self.assertRaisesRegex(ValidationError, "not a party"):
            Obligation.create(
                {"contract_id": self.lease.id, "name": "x", "partner_id": stranger.id}
            )
        obligation = Obligation.create(
            {
                "contract_id": self.lease.id,
                "name": "押金",
                "partner_id": self.alice.id,
                "amount": 16000,
                "date_due": date(2026, 2, 1),
            }
        )
        with self.assertRaisesRegex(UserError, "Say how"):
            obligation._fulfil(date(2026, 1, 1), "  ")
        with self.assertRaisesRegex(UserError, "has come"):
            obligation._fulfil(date.today() + timedelta(days=2), "paid")
        other = self._invoice(stranger, 16000)
        with self.assertRaisesRegex(ValidationError, "not addressed to the counterparty"):
            obligation.move_ids = other
        bill = self._invoice(self.alice, 16000, move_type="in_invoice")
        with self.assertRaisesRegex(ValidationError, "customer invoices"):
            obligation.move_ids = bill
        for field, value in (("state", "done"), ("level_id", 1), ("source", "lease")):
            with self.assertRaises(AccessError):
                obligation.write({field: value})
        with self.assertRaisesRegex(AccessError, "manager"):
            obligation._waive("goodwill")
        self.assertEqual(obligation.state, "planned")

    def test_fulfilled_by_a_user_with_proof_is_evidence(self):
        obligation = self.Obligation.with_user(self.user).create(
            {
                "contract_id": self.lease.id,
                "name": "交付钥匙",
                "kind": "delivery",
                "debtor": "us",
                "date_due": date(2026, 2, 1),
            }
        )
        proof = (
            self.env["ir.attachment"]
            .with_user(self.user)
            .create(
                {
                    "name": "交接单.pdf",
                    "raw": b"%PDF-1.4 handover",
                    "res_model": "econtract.obligation.close",
                }
            )
        )
        wizard = (
            self.env["econtract.obligation.close"]
            .with_user(self.user)
            .create(
                {
                    "obligation_ids": [(6, 0, obligation.ids)],
                    "outcome": "done",
                    "note": "钥匙已交付",
                    "attachment_ids": [(6, 0, proof.ids)],
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(obligation.state, "done")
        self.assertEqual(obligation.done_attachment_ids, proof)
        event = self.env["econtract.ledger.event"].search(
            [("contract_id", "=", self.lease.id), ("event_type", "=", "obligation.fulfilled")]
        )
        self.assertEqual(len(event), 1)
        with self.assertRaisesRegex(UserError, "no longer open"):
            obligation._fulfil(date.today(), "again")

    def test_a_line_quotes_its_clause_or_plans_nothing(self):
        wizard = self._wizard()
        wizard.line_ids.filtered("conflict").date_due = date(2026, 1, 10)
        deposit = wizard.line_ids.filtered(lambda line: "押金" in line.span_text)
        deposit.span_text = "乙方应于签约当日支付全部租金人民币一百万元。"
        with self.assertRaisesRegex(UserError, "does not quote a clause"):
            wizard.action_confirm()
        other = self._signed(title="另一份合同", clauses=CLAUSES[:1])
        deposit.write({"span_text": other.clause_ids.body, "clause_id": other.clause_ids.id})
        with self.assertRaisesRegex(UserError, "does not quote a clause"):
            wizard.action_confirm()
        self.assertFalse(self.lease.obligation_ids)

    def test_a_level_mails_about_obligations_only(self):
        level = self.env.ref("econtract_fulfilment.level_mail")
        foreign = self.env["mail.template"].search(
            [("model", "!=", "econtract.obligation")], limit=1
        )
        with self.assertRaisesRegex(UserError, "about an obligation"):
            level.mail_template_id = foreign
