import io
import zipfile

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from econtract.ledger.package import verify_bundle, verify_package

from .common import ArchiveCommon


@tagged("post_install", "-at_install")
class TestArchiving(ArchiveCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.record = cls._archived()
        cls.contract = cls.record.contract_id

    def test_signing_enrolls_and_the_job_archives_with_number_folder_retention(self):
        record = self.record
        # Dates in the company's calendar (Asia/Shanghai by default), not UTC.
        signed = self.company._econtract_date(record.signed_on)
        year = signed.year
        self.assertRegex(record.name, rf"^ZL-{year}-D30-GEN-\d{{4}}$")
        self.assertEqual(record.folder_id.complete_name, f"Lease / {year}")
        self.assertEqual(record.retention_until, signed + relativedelta(years=30))
        self.assertEqual(
            sorted(record.object_ids.mapped("kind")), ["certificate", "evidence", "signed"]
        )
        self.assertEqual(self.contract.archive_number, record.name)
        self.assertIn("contract.archived", self._events(self.contract))

    def test_serials_count_per_prefix(self):
        other = self._archived(title="第二份租赁合同")
        first = int(self.record.name.rsplit("-", 1)[1])
        self.assertEqual(int(other.name.rsplit("-", 1)[1]), first + 1)
        purchase = self._archived(title="采购合同", contract_type="purchase")
        self.assertRegex(purchase.name, r"^CG-\d{4}-D10-GEN-0001$")

    def test_stored_bytes_hold_no_plaintext(self):
        store = self.env["econtract.archive.vault"]._store()
        signed = self.record.object_ids.filtered(lambda o: o.kind == "signed")
        raw = store.get(signed.name)
        for needle in (b"%PDF", "押金".encode(), "租赁".encode(), b"PK\x03\x04"):
            self.assertNotIn(needle, raw)
        for item in self.record.object_ids:
            raw = store.get(item.name)
            self.assertNotIn(b"%PDF", raw)
            self.assertNotIn(b"PK\x03\x04", raw)
        document = self.contract.sign_request_ids.signed_document_id
        self.assertEqual(signed._read(), document._pdf_bytes())

    def test_a_changed_stored_byte_is_refused_never_served(self):
        store = self.env["econtract.archive.vault"]._store()
        # A record of its own: the store is not rolled back with the test's transaction.
        record = self._archived(title="被篡改的档案")
        item = record.object_ids.filtered(lambda o: o.kind == "signed")
        raw = bytearray(store.get(item.name))
        raw[100] ^= 0x01
        store.put(item.name, bytes(raw))
        with self.assertRaisesRegex(UserError, "integrity check"):
            item._read()

    def test_download_and_court_bundle_are_decrypted_logged_and_verifiable(self):
        record = self.record.with_user(self.user)
        answer = record.download("signed")
        self.assertTrue(answer["file_name"].endswith(".pdf"))
        self.assertIn("contract.archive_downloaded", self._events(self.contract))
        file_name, data = record._court_bundle()
        self.assertEqual(file_name, f"{self.record.name}-court.zip")
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            names = bundle.namelist()
            self.assertEqual(len(names), 4)
            package = bundle.read(self.contract._evidence_file_name())
            pdf = bundle.read(answer["file_name"])
        self.assertTrue(pdf.startswith(b"%PDF"))
        checks = verify_package(package)
        self.assertTrue(all(check.passed for check in checks if not check.trust), checks)
        # The bundle as a whole: its PDFs are the ones the evidence log records.
        checks = verify_bundle(data)
        failed = [check for check in checks if not check.passed and not check.trust]
        self.assertFalse(failed)
        self.assertIn("bundle signed PDF", [check.name for check in checks])
        self.assertIn("contract.archive_exported", self._events(self.contract))
        with self.assertRaisesRegex(UserError, "signed, certificate or evidence"):
            record.download("../../etc/passwd")

    def test_nobody_reads_it_without_reading_the_contract(self):
        with self.assertRaises(AccessError):
            self.record.with_user(self.outsider).read(["name"])
        with self.assertRaises(AccessError):
            self.Record.with_user(self.outsider).search([])
        stranger = self._new_user(
            "ec_user_b", "econtract_base.group_econtract_user", self.company_b
        )
        self.assertFalse(self.Record.with_user(stranger).search([("id", "=", self.record.id)]))
        with self.assertRaises(AccessError):
            self.record.with_user(stranger).download("signed")

    def test_callers_write_create_delete_nothing(self):
        for user in (self.user, self.manager, self.admin):
            record = self.record.with_user(user)
            for vals in (
                {"legal_hold": False},
                {"retention_until": "2000-01-01"},
                {"name": "X-1"},
                {"state": "disposed"},
                {"folder_id": False},
            ):
                with self.assertRaises(AccessError):
                    record.write(vals)
            with self.assertRaises(AccessError):
                record.unlink()
            with self.assertRaises(AccessError):
                self.Record.with_user(user).create({"contract_id": self.contract.id})
            item = record.object_ids[:1]
            with self.assertRaises(AccessError):
                item.write({"name": "elsewhere"})
            with self.assertRaises(AccessError):
                item.unlink()

    def test_install_job_archives_contracts_signed_before(self):
        contract = self._signed(title="安装前签署的合同")
        record = self.Record.search([("contract_id", "=", contract.id)])
        # As if the contract was signed before the archive was installed: no record yet.
        self.env.cr.execute("DELETE FROM econtract_archive_record WHERE id = %s", (record.id,))
        self.Record.invalidate_model()
        enrolled = self.Record._enroll_signed_contracts()
        self.assertEqual(enrolled.contract_id, contract)
        self.Record._cron_archive()
        self.assertEqual(enrolled.state, "archived")

    def test_number_pattern_is_checked(self):
        with self.assertRaises(ValidationError):
            self.company.econtract_archive_pattern = "{year}-{nope}-{serial:04d}"
        with self.assertRaises(ValidationError):
            self.company.econtract_archive_pattern = "{year}-{type}"
        self.company.econtract_archive_fonds = "Z001"
        self.company.econtract_archive_pattern = "{fonds}-{year}-{retention}-{serial:05d}"
        record = self._archived(title="新档号规则")
        self.assertRegex(record.name, r"^Z001-\d{4}-D30-00001$")

    def test_rules_choose_the_folder_first_match_wins(self):
        Folder = self.env["econtract.archive.folder"]
        Rule = self.env["econtract.archive.rule"]
        root = Folder.create({"name": "华强客户"})
        other = Folder.create({"name": "不应命中"})
        Rule.create(
            {
                "name": "by counterparty",
                "sequence": 1,
                "partner_id": self.bob.id,
                "folder_id": root.id,
                "subfolders": "{year}/{type}",
            }
        )
        Rule.create(
            {"name": "all leases", "sequence": 2, "contract_type": "lease", "folder_id": other.id}
        )
        record = self._archived(title="王强的租赁合同", partner=self.bob)
        year = self.company._econtract_date(record.signed_on).year
        self.assertEqual(record.folder_id.complete_name, f"华强客户 / {year} / Lease")
        second = self._archived(title="李娜的租赁合同")
        self.assertEqual(second.folder_id, other)
        self.assertGreaterEqual(root.record_count, 1)


@tagged("post_install", "-at_install")
class TestArchivingFaults(ArchiveCommon):
    def test_store_down_keeps_the_contract_signed_and_is_retried(self):
        # An S3 store whose server does not answer (nothing listens on port 9).
        self._set("econtract.archive_store_url", "s3://econtract-down/archive")
        self._set("econtract.archive_s3_endpoint_url", "http://127.0.0.1:9")
        contract = self._signed(title="存储故障时签署")
        record = self.Record.search([("contract_id", "=", contract.id)])
        self.Record._cron_archive()
        self.assertEqual(contract.state, "signed")
        self.assertEqual(record.state, "pending")
        self.assertEqual(record.attempts, 1)
        self.assertIn("try again later", record.last_error)
        self.assertFalse(record.object_ids)
        self.assertFalse(record.name)
        self.assertNotIn("contract.archived", self._events(contract))
        with self.assertRaisesRegex(UserError, "try again later"):
            record.with_user(self.manager).action_retry()
        # The store is back (here: the archive moved to a directory): the retry archives it.
        self._set("econtract.archive_store_url", f"file://{self.store_dir}")
        record.with_user(self.manager).action_retry()
        self.assertEqual(record.state, "archived")
        self.assertEqual(len(record.object_ids), 3)
        with self.assertRaises(AccessError):
            record.with_user(self.user).action_retry()

    def test_hsm_down_is_a_clear_error_and_retryable(self):
        contract = self._signed(title="密钥不可用时签署")
        record = self.Record.search([("contract_id", "=", contract.id)])
        key = self.env["econtract.archive.key"]._active()
        with engine():
            key.write({"reference": "pkcs11:no-such-kek"})
        self.Record._cron_archive()
        self.assertEqual(record.state, "pending")
        self.assertIn("not on the token", record.last_error)
        self.assertFalse(record.object_ids)
        with engine():
            key.write({"reference": f"pkcs11:{key.name}"})
        self.Record._cron_archive()
        self.assertEqual(record.state, "archived")
