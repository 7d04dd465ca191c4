"""One encrypted file of the archive: where it is stored, and the key that opens it.

The object's bytes are `econtract.crypto` sealed objects; the data key is kept here only
wrapped by a key version (`econtract.archive.key`), readable by administrators alone. Its
name in the store is random, and it is also the associated data of the encryption: bytes
moved to another name do not decrypt.
"""

import hashlib
import logging
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression

from odoo.addons.econtract_base.models.econtract_guard_mixin import (
    clean,
    engine,
    in_engine,
    lock_rows,
)

from econtract.crypto import CryptoError, WrappedKey, open_sealed, rewrap, seal
from econtract.files import write_atomically
from econtract.storage import StorageError

_logger = logging.getLogger(__name__)

KINDS = [
    ("signed", "Signed PDF"),
    ("certificate", "Signing Certificate"),
    ("evidence", "Evidence Package"),
]


class EcontractArchiveObject(models.Model):
    _name = "econtract.archive.object"
    _description = "Archived File"
    _order = "record_id, id"

    record_id = fields.Many2one(
        "econtract.archive.record", required=True, index=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one(related="record_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    file_name = fields.Char(required=True, readonly=True)
    mimetype = fields.Char(required=True, readonly=True)
    name = fields.Char(string="Object Name", required=True, readonly=True, index=True)
    size = fields.Integer(string="Size (bytes)", readonly=True)
    content_sha256 = fields.Char(string="SHA-256", readonly=True, help="Of the file itself.")
    stored_sha256 = fields.Char(readonly=True, help="Of the encrypted bytes in the store.")
    key_id = fields.Many2one(
        "econtract.archive.key", readonly=True, ondelete="restrict", index=True
    )
    wrapped_key = fields.Binary(attachment=False, readonly=True, groups="base.group_system")
    state = fields.Selection(
        [("stored", "Stored"), ("destroyed", "Destroyed")],
        default="stored",
        readonly=True,
        required=True,
    )
    scrub_state = fields.Selection(
        [
            ("ok", "OK"),
            ("repaired", "Repaired"),
            ("missing", "Missing"),
            ("corrupt", "Corrupt"),
            ("unreachable", "Unreachable"),
        ],
        readonly=True,
    )
    scrub_date = fields.Datetime(readonly=True)
    scrub_detail = fields.Char(readonly=True)

    _sql_constraints = [("name_unique", "UNIQUE(name)", "An object name is used once.")]

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        """Files are found by whoever may read their record (and so its contract)."""
        if not self.env.su:
            records = self.env["econtract.archive.record"]
            readable = records._search([]) if records.has_access("read") else []
            domain = expression.AND([domain or [], [("record_id", "in", readable)]])
        return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if self.env.su or operation != "read":
            return result
        denied = result[0] if result else self.browse()
        # sudo: which records the caller may read is what is being found out.
        records = (self - denied).sudo().record_id.with_env(self.env)
        readable = records._filtered_access("read")
        refused = (self - denied).filtered(lambda item: item.sudo().record_id not in readable)
        if not refused:
            return result
        return refused | denied, lambda: AccessError(
            _("You may not read the files of an archive record you cannot read.")
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not in_engine():
            raise AccessError(_("Archived files are stored by the archive only."))
        return super().create(vals_list)

    def write(self, vals):
        if not in_engine():
            raise AccessError(_("Archived files never change."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(_("Archived files are disposed of with their record, never deleted."))

    # -------------------------------------------------------------------- writing

    @api.model
    def _journal_dir(self):
        return os.path.join(self.env["ir.attachment"]._filestore(), "econtract-archive-journal")

    @api.model
    def _journal(self, name):
        """Note ``name`` before its bytes go to the store, outside the transaction (as Odoo's
        file store marks files for its garbage collector): if the transaction rolls back,
        the orphan sweep finds the object and deletes it."""
        directory = self._journal_dir()
        os.makedirs(directory, exist_ok=True)
        entry = os.path.join(directory, hashlib.sha256(name.encode()).hexdigest())
        write_atomically(Path(entry), name.encode())

    @api.model
    def _store_file(self, record, kind, file_name, data, mimetype="application/pdf"):
        """Encrypt ``data`` under a new data key and put it in the store; its row."""
        vault = self.env["econtract.archive.vault"]
        Key = self.env["econtract.archive.key"]
        # The database's uuid first: databases sharing a store (a staging copy) never touch
        # each other's objects, nor does one's disposal or orphan sweep.
        name = f"{self._database_prefix()}/{record.company_id.id}/{record.id}/{uuid.uuid4().hex}"
        key = Key._active()
        try:
            sealed, wrapped = seal(data, wrapper=key._wrapper(), context=name.encode())
            self._journal(name)
            vault._store().put(name, sealed)
        except (CryptoError, StorageError) as exc:
            vault._raise(exc, _("store %(file)s", file=file_name))
        with engine():
            # sudo: the archive's own row; who archives was checked by the caller. clean:
            # no default_* key of the caller's context (a state) reaches it.
            return (
                clean(self)
                # sudo: the archive's own row; who archives was checked by the caller.
                .sudo()
                .create(
                    {
                        "record_id": record.id,
                        "kind": kind,
                        "file_name": file_name,
                        "mimetype": mimetype,
                        "name": name,
                        "size": len(data),
                        "content_sha256": hashlib.sha256(data).hexdigest(),
                        "stored_sha256": hashlib.sha256(sealed).hexdigest(),
                        "key_id": key.id,
                        "wrapped_key": wrapped.wrapped,
                    }
                )
                .with_env(self.env)
            )

    @api.model
    def _database_prefix(self):
        # sudo: the database's own identifier, not a secret.
        return self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")[:13]

    # -------------------------------------------------------------------- reading

    def _wrapped(self):
        self.ensure_one()
        # sudo: the wrapped data key is for administrators' eyes only; it is useless without
        # the key version in the HSM or KMIP server, which only this method asks to unwrap.
        row = self.sudo()
        return WrappedKey(row.key_id.reference, row.wrapped_key)

    def _read(self):
        """The file's plaintext, after authenticated decryption and a SHA-256 check. The
        caller must be allowed to read the record (checked by the callers)."""
        self.ensure_one()
        if self.state != "stored":
            raise UserError(
                _("%(file)s was disposed of: it is no longer in the archive.", file=self.file_name)
            )
        vault = self.env["econtract.archive.vault"]
        wrapped = self._wrapped()
        try:
            store = vault._store()
            sealed = store.get(self.name)
            if hashlib.sha256(sealed).hexdigest() != self.stored_sha256 and hasattr(
                store, "replica"
            ):
                sealed = store.replica.get(
                    self.name
                )  # the primary's copy is bad: the scrub repairs it
            keyring = self.env["econtract.archive.key"]._keyring(wrapped.reference)
            data = open_sealed(sealed, wrapped=wrapped, keyring=keyring, context=self.name.encode())
        except (CryptoError, StorageError) as exc:
            vault._raise(exc, _("read %(file)s", file=self.file_name))
        if hashlib.sha256(data).hexdigest() != self.content_sha256:
            raise UserError(
                _("%(file)s does not match its recorded SHA-256: not served.", file=self.file_name)
            )
        return data

    def _rewrap(self, keyring, target):
        """Wrap these files' data keys under ``target``; their stored bytes stay as they are.
        Each in a savepoint: a file whose old key cannot be reached now is left for the next
        run, not a reason to stop."""
        for item in self:
            try:
                with self.env.cr.savepoint():
                    moved = rewrap(item._wrapped(), keyring=keyring, target=target._wrapper())
                    with engine():
                        # sudo: engine-owned key columns of a file the job re-wraps.
                        item.sudo().write({"key_id": target.id, "wrapped_key": moved.wrapped})
            except CryptoError as exc:
                _logger.warning("%s not re-wrapped yet: %s", item.name, exc)

    def _destroy(self):
        """Forget the data keys and mark the files destroyed, in this transaction (without
        the key the bytes are noise); the bytes are deleted once it commits, and by the
        sweep if that fails."""
        items = self.filtered(lambda o: o.state == "stored")
        lock_rows(items)  # the scrub cannot repair a copy of a file being destroyed
        with engine():
            # sudo: engine-owned columns; the disposal was checked by _dispose.
            items.sudo().write({"state": "destroyed", "wrapped_key": False})
        names = items.mapped("name")
        store = self.env["econtract.archive.vault"]._store()

        def delete():
            for name in names:
                try:
                    store.delete(name)
                except StorageError as exc:
                    _logger.warning("destroyed object %s not deleted yet: %s", name, exc)

        self.env.cr.postcommit.add(delete)

    # ---------------------------------------------------------------------- scrub

    @api.model
    def _cron_scrub(self, batch=200):
        """Re-read stored objects (least recently checked first), compare their SHA-256,
        repair a bad copy from the replica; problems are logged on the record's chatter."""
        from econtract.storage import ScrubFinding, ScrubOutcome, scrub

        objects = self.search(
            [("state", "=", "stored")], order="scrub_date asc nulls first, id", limit=batch
        )
        try:
            # Held while repairing, so a disposal waits for it (and it for a disposal).
            lock_rows(objects, nowait=True)
        except psycopg2.errors.LockNotAvailable:
            _logger.info("scrub skipped: files are being disposed of; it runs again later")
            return self.browse()
        objects = objects.filtered(lambda o: o.state == "stored")
        store = self.env["econtract.archive.vault"]._store()
        by_name = {item.name: item for item in objects}
        findings = scrub(store, [(item.name, item.stored_sha256) for item in objects])
        now = fields.Datetime.now()
        for finding in findings:
            item = by_name[finding.name]
            disagreement = item._disagreement()
            if disagreement and finding.outcome in (ScrubOutcome.OK, ScrubOutcome.REPAIRED):
                finding = ScrubFinding(finding.name, ScrubOutcome.CORRUPT, disagreement)
            with engine():
                item.write(
                    {
                        "scrub_state": finding.outcome.value,
                        "scrub_date": now,
                        "scrub_detail": finding.detail[:500],
                    }
                )
            if finding.outcome is not ScrubOutcome.OK:
                item.record_id._scrub_report(item, finding)
        return objects

    def _disagreement(self):
        """Why the recorded SHA-256 of the file is not the one the document version and the
        evidence log (the archiving event) give; empty when they agree."""
        from econtract.ledger.events import Event

        self.ensure_one()
        contract = self.record_id.contract_id
        if self.kind == "signed":
            signed = contract.sign_request_ids.filtered(lambda r: r.state == "completed")
            if self.content_sha256 not in signed.signed_document_id.mapped("sha256"):
                return "differs from the signed document version"
        events = self.env["econtract.ledger.event"].search(
            [("contract_id", "=", contract.id), ("event_type", "=", "contract.archived")]
        )
        logged = {
            (item.get("kind"), item.get("sha256"))
            for event in events
            for item in (Event.from_canonical(event.canonical).payload or {}).get("files", [])
        }
        if (self.kind, self.content_sha256) not in logged:
            return "differs from the evidence log's archiving event"
        return ""

    @api.model
    def _cron_sweep_orphans(self, age=timedelta(hours=2)):
        """Delete objects whose archiving transaction never committed (see `_journal`);
        entries younger than ``age`` may belong to a transaction still running."""
        swept = self._sweep_destroyed()
        directory = self._journal_dir()
        if not os.path.isdir(directory):
            return swept
        limit = time.time() - age.total_seconds()
        entries = []
        for entry in os.scandir(directory):
            if entry.is_file() and entry.stat().st_mtime < limit:
                with open(entry.path, encoding="utf-8") as handle:
                    entries.append((entry.path, handle.read().strip()))
        if not entries:
            return swept
        # sudo: whether any row refers to the object, whoever's it is.
        names = [name for _path, name in entries]
        known = set(self.sudo().search([("name", "in", names)]).mapped("name"))
        store = self.env["econtract.archive.vault"]._store()
        for path, name in entries:
            if name not in known:
                try:
                    store.delete(name)
                except StorageError as exc:
                    _logger.warning("orphan %s not swept: %s", name, exc)
                    continue
                swept += 1
            os.remove(path)
        return swept

    @api.model
    def _sweep_destroyed(self):
        """Bytes of destroyed files still in the store (a delete after disposal failed, or a
        copy came back): deleted again. Returns how many were there."""
        store = self.env["econtract.archive.vault"]._store()
        swept = 0
        # sudo: the sweep looks at every destroyed file, whoever's.
        for item in self.sudo().search(
            [("state", "=", "destroyed")], order="write_date desc", limit=1000
        ):
            try:
                if store.exists(item.name):
                    store.delete(item.name)
                    swept += 1
            except StorageError as exc:
                _logger.warning("destroyed object %s not deleted yet: %s", item.name, exc)
        return swept
