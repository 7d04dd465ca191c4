from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine
from odoo.addons.econtract_base.tests.common import call_kw

from .common import ArchiveCommon


@tagged("post_install", "-at_install")
class TestRetention(ArchiveCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.record = cls._archived()
        with engine():
            cls.record.write({"retention_until": date(2020, 1, 1)})

    def test_past_retention_is_listed_and_a_second_manager_disposes(self):
        self.assertTrue(self.record.retention_due)
        self.assertIn(self.record, self.Record.search([("retention_due", "=", True)]))
        self.Record._cron_retention()
        self.assertTrue(self.record.activity_ids)
        names = self.record.object_ids.mapped("name")
        disposal = self.record.with_user(self.manager).action_request_disposal("保管期满")
        self.assertEqual(self.record.state, "disposal")
        with self.assertRaisesRegex(AccessError, "another manager"):
            disposal.with_user(self.manager).action_approve()
        with self.assertRaises(AccessError):
            disposal.with_user(self.user).action_approve()
        disposal.with_user(self.manager_2).action_approve("同意销毁")
        self.assertEqual(self.record.state, "disposed")
        self.assertEqual(disposal.state, "done")
        self.assertEqual(len(disposal.destroyed_files), 3)
        store = self.env["econtract.archive.vault"]._store()
        # The data keys are gone with this transaction; the bytes go once it commits (here:
        # the sweep, which also catches a delete that failed).
        self.assertFalse(any(self.record.object_ids.sudo().mapped("wrapped_key")))
        self.assertEqual(self.env["econtract.archive.object"]._sweep_destroyed(), 3)
        for name in names:
            self.assertFalse(store.exists(name))
        self.assertEqual(set(self.record.object_ids.mapped("state")), {"destroyed"})
        events = self._events(self.record.contract_id)
        self.assertIn("contract.archive_disposal_requested", events)
        self.assertIn("contract.archive_disposed", events)
        self.assertIn("contract.archived", events, "the evidence stays")
        with self.assertRaisesRegex(UserError, "disposed of"):
            self.record.object_ids[:1]._read()

    def test_legal_hold_refuses_disposal_for_everyone(self):
        self.record.with_user(self.manager).action_legal_hold("（2026）沪0115民初1234号")
        self.assertFalse(self.record.retention_due)
        with self.assertRaisesRegex(UserError, "legal hold"):
            self.record.with_user(self.manager).action_request_disposal("保管期满")
        # Even the engine's own disposal, as superuser, refuses it.
        with engine():
            self.record.sudo().write({"state": "disposal"})
        disposal = self.env["econtract.archive.disposal"].sudo()._request(self.record, "绕过")
        with self.assertRaisesRegex(UserError, "legal hold"):
            disposal.with_user(self.manager_2).action_approve()
        with self.assertRaisesRegex(UserError, "legal hold"):
            self.record.sudo()._dispose(disposal)
        self.assertEqual(self.record.object_ids.mapped("state"), ["stored"] * 3)
        with self.assertRaises(AccessError):
            self.record.with_user(self.user).action_release_hold("结案")
        self.record.with_user(self.manager).action_release_hold("结案")
        self.assertFalse(self.record.legal_hold)
        events = self._events(self.record.contract_id)
        self.assertIn("contract.archive_held", events)
        self.assertIn("contract.archive_released", events)

    def test_the_reason_wizard_holds_and_asks_for_disposal(self):
        Wizard = self.env["econtract.archive.reason"]
        context = {"active_model": "econtract.archive.record", "active_ids": self.record.ids}
        wizard = Wizard.with_user(self.manager).with_context(context, default_action="hold")
        wizard.create({"reason": "审计"}).action_confirm()
        self.assertTrue(self.record.legal_hold)
        release = Wizard.with_user(self.manager).with_context(context, default_action="release")
        release.create({"reason": "审计结束"}).action_confirm()
        dispose = Wizard.with_user(self.manager).with_context(context, default_action="dispose")
        dispose.create({"reason": "保管期满"}).action_confirm()
        self.assertEqual(self.record.state, "disposal")
        with self.assertRaises(AccessError):
            Wizard.with_user(self.user).with_context(context, default_action="hold").create(
                {"reason": "x"}
            )

    def test_retention_and_permanence_refuse_early_disposal(self):
        with engine():
            self.record.write({"retention_until": date(2999, 1, 1)})
        with self.assertRaisesRegex(UserError, "retained until"):
            self.record.with_user(self.manager).action_request_disposal("太早")
        with engine():
            self.record.write({"retention_until": False})
        with self.assertRaisesRegex(UserError, "permanently"):
            self.record.with_user(self.manager).action_request_disposal("永久")
        labor = self._archived(title="劳动合同", contract_type="labor")
        self.assertFalse(labor.retention_until)
        self.assertEqual(labor.retention_code, "Y")
        with self.assertRaisesRegex(UserError, "reason|why"):
            self.record.with_user(self.manager).action_legal_hold(" ")


@tagged("post_install", "-at_install")
class TestArchiveRpc(HttpCase, ArchiveCommon):
    """Over JSON-RPC, as the roles that must be refused."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.record = cls._archived()
        with engine():
            cls.record.write({"retention_until": date(2020, 1, 1)})

    def _call(self, login, model, method, args, kwargs=None):
        self.authenticate(login, login)
        _ok, result, message = call_kw(self, model, method, args, kwargs)
        return result, message

    def test_refused_over_json_rpc(self):
        Record = "econtract.archive.record"
        ids = [self.record.id]
        for login, method, args in (
            ("ec_user", "write", [ids, {"legal_hold": False}]),
            ("ec_manager", "write", [ids, {"retention_until": "2000-01-01"}]),
            ("ec_admin", "write", [ids, {"state": "disposed"}]),
            ("ec_user", "create", [{"contract_id": self.record.contract_id.id}]),
            ("ec_manager", "unlink", [ids]),
            ("ec_user", "action_legal_hold", [ids, "x"]),
            ("ec_user", "action_request_disposal", [ids, "x"]),
            ("ec_outsider", "download", [ids, "signed"]),
            ("ec_user", "_dispose", [ids, 1]),
        ):
            _result, error = self._call(login, Record, method, args)
            self.assertTrue(error, f"{login} {method} was not refused")
        self.assertEqual(self.record.state, "archived")
        self.assertEqual(self.record.object_ids.mapped("state"), ["stored"] * 3)

    def test_a_held_record_cannot_be_disposed_of_over_rpc(self):
        self._call(
            "ec_manager",
            "econtract.archive.record",
            "action_legal_hold",
            [[self.record.id], "诉讼中"],
        )
        self.assertTrue(self.record.legal_hold)
        _result, error = self._call(
            "ec_manager",
            "econtract.archive.record",
            "action_request_disposal",
            [[self.record.id], "到期"],
        )
        self.assertIn("legal hold", error)
        self.assertEqual(self.record.state, "archived")

    def test_download_route_serves_decrypted_pdf_to_readers_only(self):
        self.authenticate("ec_user", "ec_user")
        response = self.url_open(f"/econtract/archive/{self.record.id}/signed")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.authenticate("ec_outsider", "ec_outsider")
        response = self.url_open(f"/econtract/archive/{self.record.id}/signed")
        self.assertEqual(response.status_code, 404)


@tagged("post_install", "-at_install")
class TestEncryptedDownloads(HttpCase, ArchiveCommon):
    def test_web_content_serves_the_decrypted_file(self):
        contract = self._signed(title="下载加密文件")
        attachment = contract.sign_request_ids.certificate_attachment_id
        self.assertTrue(attachment.econtract_sealed)
        self.authenticate("ec_user", "ec_user")
        response = self.url_open(f"/web/content/{attachment.id}?download=true")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(response.content, attachment.raw)
