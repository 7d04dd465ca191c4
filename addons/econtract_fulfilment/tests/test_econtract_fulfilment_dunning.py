import io
from datetime import date, timedelta

from pypdf import PdfReader

from odoo.tests import tagged

from .common import FulfilmentCommon

DUE = date(2026, 11, 2)


@tagged("post_install", "-at_install")
class TestFulfilmentDunning(FulfilmentCommon):
    """Overdue → level 1 mail → level 2 letter → paid → escalation stops, with real
    invoices and payments; reminders by activity, mail, notification and SMS."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lease = cls._signed(title="张江办公室租赁合同", contract_type="lease")
        cls.company = cls.lease.company_id
        cls.level_mail = cls.env.ref("econtract_fulfilment.level_mail")
        cls.level_letter = cls.env.ref("econtract_fulfilment.level_letter")
        cls.level_legal = cls.env.ref("econtract_fulfilment.level_legal")
        cls.level_legal.activity_user_id = cls.manager

    def _rent(self, **vals):
        invoice = self._invoice(self.alice, 16000, day=DUE - timedelta(days=10))
        return self.Obligation.with_user(self.user).create(
            {
                "contract_id": self.lease.id,
                "name": "十一月租金",
                "partner_id": self.alice.id,
                "amount": 16000,
                "date_due": DUE,
                "fulfil_mode": "invoice",
                "move_ids": [(6, 0, invoice.ids)],
                "late_fee_rate": 0.0005,
                **vals,
            }
        )

    def _scan(self, day):
        self.Obligation.sudo()._scan(self.company, day)

    def test_overdue_mail_letter_then_paid_stops_the_escalation(self):
        rent = self._rent()
        self._scan(DUE - timedelta(days=1))
        self.assertEqual(rent.state, "due")  # within the week's reminder lead
        self._scan(DUE + timedelta(days=1))
        self.assertEqual(rent.state, "overdue")
        self.assertEqual(rent.level_id, self.level_mail)
        mails = self.env["mail.mail"].search([("model", "=", rent._name), ("res_id", "=", rent.id)])
        self.assertTrue(
            any(self.alice in mail.recipient_ids and "Overdue" in mail.subject for mail in mails)
        )
        self._scan(DUE + timedelta(days=2))
        self.assertEqual(rent.level_id, self.level_mail, "the next level waits for its delay")
        self._scan(DUE + timedelta(days=15))
        self.assertEqual(rent.level_id, self.level_letter)
        letter = rent.notice_ids.filtered(lambda n: n.level_id == self.level_letter).attachment_id
        self.assertTrue(letter.raw.startswith(b"%PDF"))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.raw)).pages)
        text = "".join(text.split())
        for expected in ("催款函", self.lease.name, "壹万陆仟元整", "逾期15日", "壹佰贰拾元整"):
            self.assertIn(expected, text)
        self._pay(rent.move_ids)
        self.assertTrue(rent.invoice_paid)
        self._scan(DUE + timedelta(days=30))
        self.assertEqual(rent.state, "done")
        self.assertNotIn(self.level_legal, rent.notice_ids.level_id, "a paid invoice stops it")
        events = self._events(self.lease)
        for event in ("obligation.overdue", "obligation.dunned", "obligation.fulfilled"):
            self.assertIn(event, events)

    def test_unpaid_reaches_the_legal_team_with_the_evidence(self):
        rent = self._rent()
        for days in (1, 15, 30):
            self._scan(DUE + timedelta(days=days))
        self.assertEqual(rent.level_id, self.level_legal)
        activity = rent.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertIn("Legal action", activity.summary)
        package = self.env["ir.attachment"].search(
            [
                ("res_model", "=", rent._name),
                ("res_id", "=", rent.id),
                ("mimetype", "=", "application/zip"),
            ]
        )
        self.assertTrue(package.raw.startswith(b"PK"))

    def test_a_failing_letter_leaves_the_last_level_for_the_next_scan(self):
        rent = self._rent()
        self._scan(DUE + timedelta(days=1))
        self.alice.email = False  # the letter cannot be sent
        self._scan(DUE + timedelta(days=15))
        self.assertEqual(rent.level_id, self.level_mail)
        self.assertFalse(rent.notice_ids.filtered(lambda n: n.level_id == self.level_letter))
        self.assertFalse(
            self.env["ir.attachment"].search(
                [
                    ("res_model", "=", rent._name),
                    ("res_id", "=", rent.id),
                    ("mimetype", "=", "application/pdf"),
                ]
            ),
            "no orphan letter from the failed attempt",
        )
        self.alice.email = "lina@huaqiang.example.com"
        self._scan(DUE + timedelta(days=16))
        self.assertEqual(rent.level_id, self.level_letter)

    def test_reminders_go_out_once_by_every_channel(self):
        gateway = self._gateway()
        reminder = self.env.ref("econtract_fulfilment.reminder_counterparty")
        reminder.sms = True
        rent = self._rent()
        self._scan(DUE - timedelta(days=7))
        owner = rent.notice_ids.filtered(lambda n: n.recipient_id == self.user.partner_id)
        self.assertEqual(owner.channels, "activity, email, notification")
        self.assertTrue(rent.activity_ids.filtered(lambda a: a.user_id == self.user))
        gateway.down = True
        self._scan(DUE - timedelta(days=3))
        to_alice = rent.notice_ids.filtered(lambda n: n.recipient_id == self.alice)
        self.assertEqual(to_alice.sms_state, "failed")
        self.assertEqual(to_alice.sms_attempts, 1)
        gateway.down = False
        self._scan(DUE - timedelta(days=2))  # the next day: nothing sent twice, the SMS retried
        self.assertEqual(len(rent.notice_ids.filtered(lambda n: n.kind == "reminder")), 2)
        self.assertEqual(to_alice.sms_state, "sent")
        self.assertEqual(gateway.messages[-1]["to"], "+8613900139000")
        self.assertIn(rent.name, gateway.messages[-1]["text"])
