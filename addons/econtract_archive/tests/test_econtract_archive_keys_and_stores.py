import os
import time
import uuid

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from .common import ArchiveCommon


def _require(*names):
    missing = [name for name in names if not os.environ.get(name)]
    if missing:  # make test starts these services; without them this test cannot run
        raise AssertionError(f"not set (run through make test): {', '.join(missing)}")


@tagged("post_install", "-at_install")
class TestKeysAndStores(ArchiveCommon):
    def test_rotation_rewraps_and_old_and_new_files_read(self):
        Key = self.env["econtract.archive.key"]
        old_record = self._archived(title="轮换前")
        old_key = old_record.object_ids.key_id
        with self.assertRaises(AccessError):
            old_key.with_user(self.manager).action_rotate()
        new_key = old_key.with_user(self.admin).action_rotate()
        self.assertEqual(new_key.state, "active")
        self.assertEqual(old_key.state, "retired")
        new_record = self._archived(title="轮换后")
        self.assertEqual(new_record.object_ids.key_id, new_key)
        before = {o.id: o.stored_sha256 for o in old_record.object_ids}
        self.assertGreaterEqual(Key._cron_rewrap(), 3)
        self.assertEqual(old_record.object_ids.key_id, new_key)
        self.assertEqual(
            {o.id: o.stored_sha256 for o in old_record.object_ids}, before, "content untouched"
        )
        self.assertEqual(old_key.object_count, 0)
        for item in (old_record | new_record).object_ids:
            self.assertTrue(item._read())

    def test_a_wrong_key_version_fails_authentication(self):
        record = self._archived(title="错误的密钥版本")
        item = record.object_ids[:1]
        other = item.key_id.with_user(self.admin).action_rotate()
        with engine():
            item.sudo().write({"key_id": other.id})  # the data key claims another version
        with self.assertRaisesRegex(UserError, "integrity check"):
            item._read()

    def test_keys_are_made_by_rotation_only(self):
        Key = self.env["econtract.archive.key"].with_user(self.admin)
        with self.assertRaises(AccessError):
            Key.create({"name": "x", "version": 99, "backend": "pkcs11", "reference": "pkcs11:x"})
        key = Key.search([], limit=1)
        with self.assertRaises(AccessError):
            key.write({"state": "retired"})
        with self.assertRaises(AccessError):
            key.unlink()
        with self.assertRaises(AccessError):
            self.env["econtract.archive.object"].with_user(self.user).search([]).read(
                ["wrapped_key"]
            )

    def test_kmip_backend(self):
        _require("ECONTRACT_KMIP_HOST", "ECONTRACT_KMIP_PORT", "ECONTRACT_KMIP_CERT")
        self._set("econtract.archive_key_backend", "kmip")
        key = self.env["econtract.archive.key"]._active().with_user(self.admin).action_rotate()
        self.assertEqual(key.backend, "kmip")
        self.assertTrue(key.reference.startswith("kmip:"))
        record = self._archived(title="KMIP 密钥的档案")
        self.assertEqual(record.object_ids.key_id, key)
        for item in record.object_ids:
            self.assertTrue(item._read())

    def test_kmip_server_down_is_a_clear_error(self):
        _require("ECONTRACT_KMIP_HOST")
        self._set("econtract.archive_key_backend", "kmip")
        self.patch(os, "environ", {**os.environ, "ECONTRACT_KMIP_PORT": "9"})
        with (
            mute_logger("kmip.services.kmip_client", "kmip.pie.client"),
            self.assertRaisesRegex(UserError, "cannot be reached.*try again later"),
        ):
            self.env["econtract.archive.key"]._active().with_user(self.admin).action_rotate()

    def test_replica_gets_every_write_and_scrub_repairs_from_it(self):
        _require("ECONTRACT_S3_ENDPOINT_URL")
        bucket = f"s3://econtract-replica-{uuid.uuid4().hex[:10]}/archive"
        self._set("econtract.archive_replica_url", bucket)
        record = self._archived(title="有副本的档案")
        store = self.env["econtract.archive.vault"]._store()
        signed = record.object_ids.filtered(lambda o: o.kind == "signed")
        self.assertEqual(store.primary.get(signed.name), store.replica.get(signed.name))
        path = os.path.join(self.store_dir, signed.name)
        with open(path, "r+b") as handle:
            handle.seek(50)
            handle.write(b"\x00\x01\x02")
        checked = self.env["econtract.archive.object"]._cron_scrub(batch=1000)
        self.assertIn(signed, checked)
        self.assertEqual(signed.scrub_state, "repaired")
        self.assertIn("corrupt", signed.scrub_detail)
        self.assertEqual(store.primary.get(signed.name), store.replica.get(signed.name))
        self.assertTrue(signed._read())
        self.assertIn("Scrub", record.message_ids[0].body)
        store.replica.delete(signed.name)
        os.remove(path)
        self.env["econtract.archive.object"]._cron_scrub(batch=1000)
        self.assertEqual(signed.scrub_state, "missing")

    def test_orphans_of_failed_archiving_are_swept(self):
        Object = self.env["econtract.archive.object"]
        store = self.env["econtract.archive.vault"]._store()
        name = f"{self.company.id}/0/{uuid.uuid4().hex}"
        Object._journal(name)
        store.put(name, b"ECX\x01 orphan")
        kept = self._archived(title="已归档的不被清理").object_ids
        old = time.time() - 3 * 3600
        for entry in os.scandir(Object._journal_dir()):
            os.utime(entry.path, (old, old))
        self.assertGreaterEqual(Object._cron_sweep_orphans(), 1)
        self.assertFalse(store.exists(name))
        for item in kept:
            self.assertTrue(store.exists(item.name))


@tagged("post_install", "-at_install")
class TestWorkingFilesEncrypted(ArchiveCommon):
    """The files the engine keeps in Odoo's attachments are encrypted at rest too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._signed(title="加密的工作文件")
        cls.request = cls.contract.sign_request_ids
        cls.files = (
            cls.contract.document_ids.attachment_id
            | cls.request.working_attachment_id
            | cls.request.certificate_attachment_id
        )

    def test_rendered_signed_and_certificate_files_are_sealed(self):
        self.assertGreaterEqual(len(self.files), 3)
        for attachment in self.files:
            self.assertTrue(attachment.econtract_sealed, attachment.name)
            stored = attachment._econtract_sealed_bytes()
            self.assertNotIn(b"%PDF", stored)
            self.assertNotIn("租赁".encode(), stored)
            self.assertTrue(attachment.raw.startswith(b"%PDF"))
            self.assertEqual(len(attachment.raw), attachment.file_size)
        for document in self.contract.document_ids:
            self.assertTrue(document._pdf_bytes().startswith(b"%PDF"))

    def test_a_changed_stored_byte_fails_never_served(self):
        attachment = self.request.certificate_attachment_id
        stored = bytearray(attachment._econtract_sealed_bytes())
        stored[-1] ^= 0x01
        path = attachment._full_path(attachment.store_fname)
        original = bytes(attachment._econtract_sealed_bytes())
        try:
            with open(path, "wb") as handle:
                handle.write(bytes(stored))
            attachment.invalidate_recordset(["raw"])
            with self.assertRaisesRegex(UserError, "integrity check"):
                self.assertTrue(attachment.raw)
        finally:
            with open(path, "wb") as handle:
                handle.write(original)

    def test_callers_cannot_mark_or_unmark_encryption(self):
        own = self.env["ir.attachment"].with_user(self.user).create({"name": "x.txt", "raw": b"x"})
        for vals in (
            {"econtract_sealed": True},
            {"econtract_context": self.files[0].econtract_context},
            {"econtract_key_id": self.files[0].econtract_key_id.id},
        ):
            with self.assertRaises(AccessError):
                own.write(vals)
        with self.assertRaises(AccessError):
            self.env["ir.attachment"].with_user(self.user).create(
                {"name": "y.txt", "raw": b"y", "econtract_sealed": True}
            )
        with self.assertRaises(AccessError):
            self.files[0].with_user(self.admin).write({"econtract_sealed": False})

    def test_files_frozen_before_the_archive_are_encrypted_by_the_install_job(self):
        pdf = "%PDF-1.7 legacy 旧文件".encode()
        with engine():
            legacy = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": "legacy.pdf",
                        "raw": pdf,
                        "mimetype": "application/pdf",
                        "econtract_frozen": True,
                    }
                )
            )
        self.assertFalse(legacy.econtract_sealed)
        self.assertGreaterEqual(self.env["ir.attachment"]._econtract_seal_existing(), 1)
        self.assertTrue(legacy.econtract_sealed)
        self.assertNotIn(b"%PDF", legacy._econtract_sealed_bytes())
        legacy.invalidate_recordset(["raw"])
        self.assertEqual(legacy.raw, pdf)

    def test_rotation_rewraps_working_files(self):
        attachment = self.files[0]
        new_key = attachment.econtract_key_id.with_user(self.admin).action_rotate()
        self.env["econtract.archive.key"]._cron_rewrap(batch=10000)
        self.assertEqual(attachment.econtract_key_id, new_key)
        attachment.invalidate_recordset(["raw"])
        self.assertTrue(attachment.raw.startswith(b"%PDF"))


@tagged("post_install", "-at_install")
class TestScrubAgainstEvidence(ArchiveCommon):
    def test_a_recorded_hash_that_disagrees_with_the_evidence_is_reported(self):
        record = self._archived(title="哈希不一致")
        item = record.object_ids.filtered(lambda o: o.kind == "certificate")
        self.env["econtract.archive.object"]._cron_scrub(batch=10000)
        self.assertEqual(item.scrub_state, "ok")
        with engine():
            item.write({"content_sha256": "0" * 64})
        self.env["econtract.archive.object"]._cron_scrub(batch=10000)
        self.assertEqual(item.scrub_state, "corrupt")
        self.assertIn("evidence log", item.scrub_detail)
