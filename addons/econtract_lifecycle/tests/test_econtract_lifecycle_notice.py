import base64
import datetime

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import LifecycleCommon

DAY = datetime.timedelta(days=1)


@tagged("post_install", "-at_install")
class TestTerminationByNotice(LifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lease = cls._lease(
            date_start=cls.today - 100 * DAY,
            date_end=cls.today + 300 * DAY,
            termination_notice_days=30,
            language="zh_CN",
        )

    def _notices(self):
        return self.env["econtract.termination.notice"].search(
            [("contract_id", "=", self.lease.id)]
        )

    def test_the_notice_period_is_part_of_the_signed_text(self):
        self.assertEqual(self.lease.revision_id.termination_notice_days, 30)
        html = str(self.lease._prepare_document_html())
        self.assertIn("任何一方可提前30日以书面通知对方的方式解除本合同。", html)
        self.assertIn("第四条", html)

    def test_notice_ends_the_contract_on_its_day(self):
        day = self.today + 30 * DAY
        with self.mock_mail_gateway():
            self.lease.with_user(self.user)._lifecycle_terminate_by_notice(day, "业务调整")
        notice = self._notices()
        self.assertEqual(notice.termination_date, day)
        self.assertEqual(notice.notice_days, 30)
        self.assertEqual(notice.partner_ids, self.alice)
        pdf = base64.b64decode(notice.attachment_id.datas)
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertTrue(notice._verify_file())
        report = self._validate(pdf)
        self.assertTrue(report.passed, report.summary())
        [seal] = report.signatures
        self.assertIsNotNone(seal.timestamp)
        # Sent to the counterparty, with the sealed file.
        self.env["mail.mail"].sudo().process_email_queue()
        sent = [m for m in self._mails if self.alice.email in str(m["email_to"])]
        self.assertTrue(sent)
        self.assertIn(notice.file_name, str([m.get("attachments") for m in sent]))
        [event] = self._events_payloads(self.lease, "contract.termination_noticed")
        self.assertEqual(event["payload"]["notice_sha256"], notice.sha256)
        self.assertIn(notice.sha256, [d["sha256"] for d in event["documents"]])
        # In force until the day, terminated on it.
        self.assertEqual(self.lease.term_state, "in_force")
        Contract = self.env["econtract.contract"]
        Contract._lifecycle_scan(self.company, day - DAY)
        self.assertEqual(self.lease.term_state, "in_force")
        Contract._lifecycle_scan(self.company, day)
        self.assertEqual(self.lease.term_state, "terminated")
        with self.assertRaisesRegex(UserError, "not in force"):
            self.lease.with_user(self.user)._lifecycle_terminate_by_notice(day, "again")

    def test_notice_period_not_respected(self):
        with self.assertRaisesRegex(UserError, "at the earliest"):
            self.lease.with_user(self.user)._lifecycle_terminate_by_notice(
                self.today + 29 * DAY, "业务调整"
            )
        self.assertFalse(self._notices())
        self.assertFalse(self.lease.termination_date)

    def test_no_notice_without_the_right(self):
        other = self._lease()
        with self.assertRaisesRegex(UserError, "do not allow terminating it by notice"):
            other.with_user(self.user)._lifecycle_terminate_by_notice(
                self.today + 400 * DAY, "业务调整"
            )

    def test_a_fault_leaves_the_contract_as_it_was(self):
        parameters = self.env["ir.config_parameter"].sudo()
        parameters.set_param("econtract.tsa_url", "http://127.0.0.1:9/tsa")
        with self.assertRaisesRegex(UserError, "nothing changed"):
            self.lease.with_user(self.user)._lifecycle_terminate_by_notice(
                self.today + 30 * DAY, "业务调整"
            )
        self.assertFalse(self._notices())
        self.assertFalse(self.lease.termination_date)
        self.assertFalse(self._events_payloads(self.lease, "contract.termination_noticed"))

    def test_one_termination_only(self):
        renewal = self._draft_of(self.lease.with_user(self.user).action_renew())
        with self.assertRaisesRegex(UserError, "is on its way already"):
            self.lease.with_user(self.user)._lifecycle_terminate_by_notice(
                self.today + 40 * DAY, "业务调整"
            )
        renewal.with_user(self.user).action_cancel("先解除")
        self.lease.with_user(self.user)._lifecycle_terminate_by_notice(
            self.today + 40 * DAY, "业务调整"
        )
        # An ending contract takes no amendment and no next term.
        for method in ("action_amend", "action_renew"):
            with self.assertRaisesRegex(UserError, "already"):
                getattr(self.lease.with_user(self.user), method)()
        with self.assertRaisesRegex(UserError, "already"):
            self.lease.with_user(self.user)._lifecycle_terminate_by_agreement(
                self.today + 35 * DAY, "协商"
            )

    def test_wizard_by_notice(self):
        wizard = (
            self.env["econtract.lifecycle.terminate"]
            .with_user(self.user)
            .create(
                {
                    "contract_id": self.lease.id,
                    "mode": "notice",
                    "termination_date": self.today + 31 * DAY,
                    "reason": "业务调整",
                }
            )
        )
        wizard.action_confirm()
        self.assertEqual(self._notices().termination_date, self.today + 31 * DAY)

    def _validate(self, pdf):
        from econtract.pdf.validate import validate_pdf

        roots = self.env["econtract.sign.request"]._trust_roots()
        return validate_pdf(pdf, roots)
