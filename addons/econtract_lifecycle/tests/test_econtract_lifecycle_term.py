import datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import LifecycleCommon

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestTerm(LifecycleCommon):
    def test_expiry_job(self):
        lease = self._lease(date_start=self.today - 400 * DAY, date_end=self.today - DAY)
        # Signed after its end: expired at once.
        self.assertEqual(lease.term_state, "expired")
        current = self._lease(date_start=self.today - 10 * DAY, date_end=self.today + 40 * DAY)
        Contract = self.env["econtract.contract"]
        Contract._lifecycle_scan(self.company, self.today)
        self.assertEqual(current.term_state, "in_force")
        Contract._lifecycle_scan(self.company, current.effective_date_end + DAY)
        self.assertEqual(current.term_state, "expired")
        events = self._events_payloads(current, "contract.term_changed")
        self.assertEqual(events[-1]["payload"]["to"], "expired")
        # Expired contracts stay searchable.
        self.assertIn(current, Contract.search([("term_state", "=", "expired")]))

    def test_pending_until_start(self):
        lease = self._lease(date_start=self.today + 5 * DAY, date_end=self.today + 100 * DAY)
        self.assertEqual(lease.term_state, "pending")
        self.env["econtract.contract"]._lifecycle_scan(self.company, self.today + 5 * DAY)
        self.assertEqual(lease.term_state, "in_force")

    def test_expiry_reminders_once_per_threshold(self):
        lease = self._lease(date_start=self.today - 10 * DAY, date_end=self.today + 60 * DAY)
        Contract = self.env["econtract.contract"]
        end = lease.effective_date_end

        def reminders():
            return lease.activity_ids.filtered(lambda a: "expires" in (a.summary or ""))

        Contract._lifecycle_scan(self.company, end - 31 * DAY)
        self.assertFalse(reminders())
        Contract._lifecycle_scan(self.company, end - 30 * DAY)
        Contract._lifecycle_scan(self.company, end - 29 * DAY)
        self.assertEqual(len(reminders()), 1)
        self.assertEqual(reminders().user_id, self.user)
        # The job missed the 7-day day: it reminds on the next run.
        Contract._lifecycle_scan(self.company, end - 5 * DAY)
        self.assertEqual(len(reminders()), 2)
        self.assertEqual(lease.expiry_reminded_days, 7)
        Contract._lifecycle_scan(self.company, end - DAY)
        self.assertEqual(len(reminders()), 3)
        self.assertEqual(len(self._events_payloads(lease, "contract.expiry_reminded")), 3)

    def test_reminder_setting_is_checked(self):
        with self.assertRaisesRegex(ValidationError, "days before the end"):
            self.company.econtract_expiry_reminder_days = "30,a"
        self.company.econtract_expiry_reminder_days = "60，15"
        self.assertEqual(self.company._econtract_expiry_reminder_days(), [60, 15])

    def test_renewal(self):
        lease = self._lease(
            date_start=datetime.date(2026, 1, 1), date_end=datetime.date(2026, 12, 31)
        )
        renewal = self._draft_of(lease.with_user(self.user).action_renew())
        self.assertEqual(renewal.origin_kind, "renewal")
        self.assertEqual(renewal.origin_contract_id, lease)
        self.assertEqual(renewal.date_start, datetime.date(2027, 1, 1))
        self.assertEqual(renewal.date_end, datetime.date(2027, 12, 31))
        self.assertEqual(renewal.amount, 50000)
        self.assertEqual(renewal.clause_ids.mapped("title"), ["价款", "交付", "维修"])
        self.assertNotEqual(renewal.name, lease.name)
        with self.assertRaisesRegex(UserError, "is on its way already"):
            lease.with_user(self.user).action_renew()
        self._sign_existing(renewal, self.alice)
        self.assertEqual(renewal.revision_id.version, 1)
        self.assertIn(renewal.term_state, ("pending", "in_force"))
        self.assertEqual(lease.renewal_chain_ids, lease | renewal)
        self.assertEqual(renewal.renewal_chain_ids, lease | renewal)
        self.assertTrue(self._events_payloads(lease, "contract.renewed"))
        with self.assertRaisesRegex(UserError, "renewed already"):
            lease.with_user(self.user).action_renew()

    def test_next_term(self):
        term = self.env["econtract.contract"]._lifecycle_next_term
        self.assertEqual(
            term(datetime.date(2026, 3, 1), datetime.date(2026, 8, 31)),
            {"date_start": datetime.date(2026, 9, 1), "date_end": datetime.date(2027, 2, 28)},
        )
        self.assertEqual(
            term(datetime.date(2026, 1, 31), datetime.date(2026, 4, 30)),
            {"date_start": datetime.date(2026, 5, 1), "date_end": datetime.date(2026, 7, 31)},
        )
        self.assertEqual(
            term(datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)),
            {"date_start": datetime.date(2025, 3, 1), "date_end": datetime.date(2026, 2, 28)},
        )
        self.assertEqual(
            term(datetime.date(2026, 3, 5), datetime.date(2026, 3, 14)),
            {"date_start": datetime.date(2026, 3, 15), "date_end": datetime.date(2026, 3, 24)},
        )

    def test_renewal_notice(self):
        lease = self._lease(date_start=self.today - 10 * DAY, date_end=self.today + 90 * DAY)
        lease.with_user(self.user).renewal_notice_days = 60
        Contract = self.env["econtract.contract"]
        Contract._lifecycle_scan(self.company, lease.effective_date_end - 61 * DAY)
        self.assertFalse(lease.renewal_noticed)
        Contract._lifecycle_scan(self.company, lease.effective_date_end - 60 * DAY)
        self.assertTrue(lease.renewal_noticed)
        notices = lease.message_ids.filtered(lambda m: "Renewal notice" in (m.body or ""))
        self.assertEqual(len(notices), 1)
        Contract._lifecycle_scan(self.company, lease.effective_date_end - 59 * DAY)
        notices = lease.message_ids.filtered(lambda m: "Renewal notice" in (m.body or ""))
        self.assertEqual(len(notices), 1)

    def test_termination_by_agreement(self):
        lease = self._lease(
            date_start=self.today - 100 * DAY, date_end=self.today + 200 * DAY, language="zh_CN"
        )
        Obligation = self.env["econtract.obligation"]
        owed, later = Obligation.create(
            [
                {"contract_id": lease.id, "name": "已到期租金", "amount": 1000,
                 "date_due": self.today - DAY},
                {"contract_id": lease.id, "name": "未来租金", "amount": 1000,
                 "date_due": self.today + 30 * DAY},
            ]
        )  # fmt: skip
        wizard = (
            self.env["econtract.lifecycle.terminate"]
            .with_user(self.user)
            .create(
                {"contract_id": lease.id, "termination_date": self.today, "reason": "双方协商一致"}
            )
        )
        agreement = self._draft_of(wizard.action_confirm())
        self.assertEqual(agreement.origin_kind, "termination")
        self.assertEqual(agreement.name, f"{lease.name}-T1")
        html = str(agreement._prepare_document_html())
        self.assertIn("起终止", html)
        self.assertIn("双方协商一致", html)
        self.assertIn(lease.revision_id.document_sha256, html)
        self.assertEqual(lease.term_state, "in_force")
        self._sign_existing(agreement, self.alice)
        self.assertEqual(lease.term_state, "terminated")
        self.assertEqual(lease.termination_date, self.today)
        self.assertEqual(agreement.term_state, "incorporated")
        self.assertEqual(later.state, "waived")
        self.assertIn("双方协商一致", later.waive_reason)
        self.assertNotEqual(owed.state, "waived")
        self.assertTrue(self._events_payloads(lease, "contract.termination_agreed"))
        with self.assertRaisesRegex(UserError, "cannot be renewed"):
            lease.with_user(self.user).action_renew()
        with self.assertRaisesRegex(UserError, "not in force"):
            lease.with_user(self.user).action_amend()

    def test_termination_on_a_later_day(self):
        lease = self._lease(date_start=self.today - 100 * DAY, date_end=self.today + 200 * DAY)
        agreement = lease.with_user(self.user)._lifecycle_terminate_by_agreement(
            self.today + 10 * DAY, "提前退租"
        )
        self._sign_existing(agreement.with_env(self.env), self.alice)
        self.assertEqual(lease.term_state, "in_force")
        Contract = self.env["econtract.contract"]
        Contract._lifecycle_scan(self.company, self.today + 9 * DAY)
        self.assertEqual(lease.term_state, "in_force")
        Contract._lifecycle_scan(self.company, self.today + 10 * DAY)
        self.assertEqual(lease.term_state, "terminated")

    def test_termination_input_is_checked(self):
        lease = self._lease(date_start=self.today - 100 * DAY, date_end=self.today + 200 * DAY)
        as_user = lease.with_user(self.user)
        with self.assertRaisesRegex(UserError, "Say why"):
            as_user._lifecycle_terminate_by_agreement(self.today, "  ")
        with self.assertRaisesRegex(UserError, "before it starts"):
            as_user._lifecycle_terminate_by_agreement(self.today - 101 * DAY, "x")
        with self.assertRaisesRegex(UserError, "anyway"):
            as_user._lifecycle_terminate_by_agreement(self.today + 201 * DAY, "x")
        self.assertFalse(lease.termination_ids)

    def test_cancelled_signed_contract_leaves_its_term(self):
        lease = self._lease()
        lease.with_user(self.manager).action_cancel("作废")
        self.assertFalse(lease.term_state)
        with self.assertRaisesRegex(UserError, "cannot be renewed"):
            lease.with_user(self.manager).action_renew()

    def test_a_renewal_of_stale_terms_is_not_sent(self):
        lease = self._lease(date_start=self.today - 10 * DAY, date_end=self.today + 300 * DAY)
        renewal = self._draft_of(lease.with_user(self.user).action_renew())
        amendment = self._amend(lease)
        amendment.with_user(self.user).amount = 70000
        self._sign_existing(amendment, self.alice)
        with self.assertRaisesRegex(UserError, "changed"):
            renewal.with_user(self.user).action_submit_for_approval()

    def test_a_termination_date_rewritten_out_of_the_term_is_refused(self):
        lease = self._lease(date_start=self.today - 100 * DAY, date_end=self.today + 200 * DAY)
        agreement = lease.with_user(self.user)._lifecycle_terminate_by_agreement(self.today, "协商")
        agreement.write({"termination_date": self.today - 1000 * DAY})
        with self.assertRaisesRegex(UserError, "before it starts"):
            agreement.with_user(self.user).action_submit_for_approval()
        agreement.write({"termination_date": self.today, "termination_reason": " "})
        with self.assertRaisesRegex(UserError, "Say why"):
            agreement.with_user(self.user).action_submit_for_approval()
        self.assertEqual(agreement.state, "draft")
