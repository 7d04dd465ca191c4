"""Files the contract engine keeps in Odoo's attachments, encrypted at rest.

Every frozen file (`ir.attachment._econtract_freeze`: rendered and signed versions, files
being signed, signing certificates) is sealed before Odoo stores it: the file store (or the
database column) holds an `econtract.crypto` object under the file's own data key, the data
key wrapped by the archive's active key version, the attachment's random ``econtract_context``
bound as associated data. Reading ``raw``/``datas``, and downloads through ``/web/content``,
decrypt; a wrong key or a changed byte is an error, never garbage served.
"""

import hashlib
import logging
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine, in_engine

from econtract.crypto import CryptoError, WrappedKey, open_sealed, rewrap, seal

#: What says how an attachment is encrypted: the engine's alone to write.
SEALING_FIELDS = frozenset(
    {
        "econtract_sealed",
        "econtract_context",
        "econtract_key_id",
        "econtract_wrapped_key",
        "econtract_sha256",
    }
)


_logger = logging.getLogger(__name__)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    econtract_sealed = fields.Boolean(
        string="Encrypted by econtract", readonly=True, copy=False, index="btree_not_null"
    )
    econtract_context = fields.Char(string="Encryption Context", readonly=True, copy=False)
    econtract_key_id = fields.Many2one(
        "econtract.archive.key",
        string="Encryption Key Version",
        readonly=True,
        copy=False,
        ondelete="restrict",
        index="btree_not_null",
    )
    econtract_wrapped_key = fields.Binary(
        string="Wrapped Data Key",
        attachment=False,
        readonly=True,
        copy=False,
        groups="base.group_system",
    )
    econtract_sha256 = fields.Char(
        string="Plaintext SHA-256", readonly=True, copy=False, help="Of the file before encryption."
    )

    @api.model_create_multi
    def create(self, vals_list):
        if not in_engine() and any(set(vals) & SEALING_FIELDS for vals in vals_list):
            raise AccessError(_("Only the contract engine encrypts files."))
        return super().create(vals_list)

    def write(self, vals):
        if not in_engine() and set(vals) & SEALING_FIELDS:
            raise AccessError(_("Only the contract engine encrypts files."))
        return super().write(vals)

    @api.model
    def _econtract_seal(self, name, data):
        """``data`` sealed under a new data key: the sealed bytes, and the values that say
        how (for `_econtract_mark_sealed`). The one place engine files are encrypted."""
        context = uuid.uuid4().hex
        key = self.env["econtract.archive.key"]._active()
        try:
            sealed, wrapped = seal(
                data, wrapper=key._wrapper(), context=self._econtract_aad(context)
            )
        except CryptoError as exc:
            self.env["econtract.archive.vault"]._raise(exc, _("encrypt %(file)s", file=name))
        values = {
            "econtract_sealed": True,
            "econtract_context": context,
            "econtract_key_id": key.id,
            "econtract_wrapped_key": wrapped.wrapped,
            "econtract_sha256": hashlib.sha256(data).hexdigest(),
        }
        return sealed, values, len(data)

    def _econtract_mark_sealed(self, values, size):
        """Record how the (already sealed) bytes are encrypted; inside the engine."""
        with engine():
            # sudo: the engine's own file (see _econtract_freeze in econtract_base).
            self.sudo().write(values)
            self.sudo()._econtract_plain_size(size)

    @api.model
    def _econtract_freeze(self, name, data, record):
        """Seal ``data`` and store the sealed bytes; the attachment reads as ``data``."""
        sealed, values, size = self._econtract_seal(name, data)
        attachment = super()._econtract_freeze(name, sealed, record)
        attachment._econtract_mark_sealed(values, size)
        return attachment

    def _econtract_plain_size(self, size):
        """Show the file's own size, and index none of its text: ``write`` recomputes both
        from the sealed bytes and ignores them in its values, so the columns are set here."""
        self._write({"file_size": size, "index_content": False})

    @staticmethod
    def _econtract_aad(context):
        return f"ir.attachment/{context}".encode()

    def _econtract_sealed_bytes(self):
        """What the file store (or database) holds for this attachment: the sealed object."""
        self.ensure_one()
        if self.store_fname:
            return self._file_read(self.store_fname)
        return self.db_datas or b""

    def _econtract_open(self, keyring=None):
        self.ensure_one()
        # sudo: the wrapped data key is for administrators' eyes only; it opens nothing
        # without the key version in the HSM or KMIP server.
        row = self.sudo()
        keyring = keyring or self.env["econtract.archive.key"]._keyring(
            row.econtract_key_id.reference
        )
        try:
            return open_sealed(
                row._econtract_sealed_bytes(),
                wrapped=WrappedKey(row.econtract_key_id.reference, row.econtract_wrapped_key),
                keyring=keyring,
                context=self._econtract_aad(row.econtract_context),
            )
        except CryptoError as exc:
            self.env["econtract.archive.vault"]._raise(exc, _("read %(file)s", file=self.name))

    @api.depends("econtract_sealed")
    def _compute_raw(self):
        result = super()._compute_raw()
        sealed = self.filtered("econtract_sealed")
        if sealed:
            # sudo: which key versions the files name (their wrapped keys stay private).
            references = sealed.sudo().econtract_key_id.mapped("reference")
            keyring = self.env["econtract.archive.key"]._keyring(*references)
            for attachment in sealed:
                attachment.raw = attachment._econtract_open(keyring)
        return result

    def _to_http_stream(self):
        """Downloads of sealed files serve the decrypted bytes, never the file store's."""
        if not self.econtract_sealed:
            return super()._to_http_stream()
        stream = super()._to_http_stream()
        data = self.raw
        stream.type, stream.data, stream.path = "data", data, None
        stream.size = len(data)
        stream.etag = self.econtract_sha256
        return stream

    @api.model
    def _econtract_seal_existing(self, batch=200):
        """Encrypt frozen files stored before this addon (the install job); returns the count."""
        # sudo: the install job encrypts every frozen file.
        todo = self.sudo().search(
            [("econtract_frozen", "=", True), ("econtract_sealed", "=", False)], limit=batch
        )
        for attachment in todo:
            sealed, values, size = self._econtract_seal(attachment.name, attachment.raw or b"")
            with engine():
                # The mimetype is given again: Odoo would guess it from the sealed bytes.
                attachment.write({"raw": sealed, "mimetype": attachment.mimetype})
            attachment._econtract_mark_sealed(values, size)
        return len(todo)

    def _econtract_rewrap(self, keyring, target):
        # sudo: the job re-wraps every sealed file, whoever's.
        for attachment in self.sudo():
            if not attachment.econtract_key_id:
                continue
            old = WrappedKey(
                attachment.econtract_key_id.reference, attachment.econtract_wrapped_key
            )
            try:
                with self.env.cr.savepoint():
                    moved = rewrap(old, keyring=keyring, target=target._wrapper())
                    with engine():
                        attachment.write(
                            {"econtract_key_id": target.id, "econtract_wrapped_key": moved.wrapped}
                        )
            except CryptoError as exc:
                _logger.warning("%s not re-wrapped yet: %s", attachment.name, exc)
