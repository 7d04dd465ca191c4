import io
import zipfile

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from econtract.evm.anchor import account_address
from econtract.ledger.package import verify_package


@tagged("post_install", "-at_install")
class TestEvidenceRoutes(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env, login="ev_user", groups="econtract_base.group_econtract_user"
        )
        cls.auditor = new_test_user(
            cls.env, login="ev_auditor", groups="econtract_base.group_econtract_auditor"
        )
        cls.contract = (
            cls.env["econtract.contract"].with_user(cls.user).create({"title": "租赁合同"})
        )
        data = b"%PDF-1.7 signed contract"
        cls.document = cls.env["econtract.contract.document"]._add_version(cls.contract, data)
        cls.env["econtract.ledger.head"]._seal()  # exports carry what the log has sealed
        cls.data = data

    def test_download_is_evidence(self):
        self.authenticate("ev_user", "ev_user")
        response = self.url_open(f"/econtract/document/{self.document.id}/download")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, self.data)
        last = self.env["econtract.ledger.event"].search(
            [("contract_id", "=", self.contract.id)], order="sequence desc", limit=1
        )
        self.assertEqual(last.event_type, "contract.document_downloaded")
        self.assertEqual(last.actor_id.login, "ev_user")

    @mute_logger("odoo.http")
    def test_download_of_a_foreign_document_is_refused(self):
        new_test_user(self.env, login="ev_other", groups="econtract_base.group_econtract_user")
        self.authenticate("ev_other", "ev_other")
        before = self.env["econtract.ledger"]._size()
        response = self.url_open(f"/econtract/document/{self.document.id}/download")
        self.assertNotEqual(response.status_code, 200)
        self.assertEqual(self.env["econtract.ledger"]._size(), before)

    @mute_logger("odoo.http")
    def test_package_download_and_batch(self):
        self.authenticate("ev_user", "ev_user")
        response = self.url_open(f"/econtract/evidence/{self.contract.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        published = self.env["econtract.platform"]._published()
        checks = verify_package(
            response.content,
            log_key_der=published.log_public_key,
            trusted_roots=[published.root.dump()],
            anchor_account=account_address(published.anchor_public_key),
        )
        self.assertTrue(all(c.passed for c in checks), [c for c in checks if not c.passed])
        self.assertIn("complete history", [c.name for c in checks])
        self.assertIn(f"document {self.document.file_name}", [c.name for c in checks])
        response = self.url_open(f"/econtract/evidence/batch?ids={self.contract.id}")
        self.assertNotEqual(response.status_code, 200, "batch export is for auditors")
        self.authenticate("ev_auditor", "ev_auditor")
        response = self.url_open(f"/econtract/evidence/batch?ids={self.contract.id}")
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            (name,) = archive.namelist()
            self.assertTrue(verify_package(archive.read(name)))

    def test_export_over_json_rpc(self):
        self.authenticate("ev_user", "ev_user")
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw/econtract.contract/export_evidence_package",
            {
                "model": "econtract.contract",
                "method": "export_evidence_package",
                "args": [[self.contract.id]],
                "kwargs": {},
            },
        )
        self.assertEqual(set(result), {"file_name", "content", "sha256"})
