"""Signers' identity data encrypted at field level: the phone number codes go to, and the
IP address and browser a signature was made from.

The three values live together in one sealed object (`econtract.crypto`, AES-256-GCM) in
``identity_sealed``, under the signer's own data key wrapped by the archive's active key
version, with ``econtract.signer/<id>`` as associated data: a blob copied to another signer
does not open. The fields read and write as before (compute and inverse); their old
columns are emptied when the addon is installed. The evidence log keeps what it recorded
at signing, since offline verification needs it in the clear.
"""

import json

from odoo import _, api, fields, models

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine

from econtract.crypto import CryptoError, WrappedKey, open_sealed, seal

#: The identity fields sealed together, and the columns they had before.
IDENTITY_FIELDS = ("phone", "signed_ip", "signed_user_agent")


class EcontractSigner(models.Model):
    _inherit = "econtract.signer"

    phone = fields.Char(
        compute="_compute_identity", inverse="_inverse_identity", store=False, readonly=False
    )
    signed_ip = fields.Char(compute="_compute_identity", inverse="_inverse_identity", store=False)
    signed_user_agent = fields.Char(
        compute="_compute_identity", inverse="_inverse_identity", store=False
    )
    identity_sealed = fields.Binary(
        string="Sealed Identity Data", attachment=False, readonly=True, groups="base.group_system"
    )
    identity_key_id = fields.Many2one(
        "econtract.archive.key", string="Identity Key Version", readonly=True, ondelete="restrict"
    )
    identity_wrapped_key = fields.Binary(
        string="Identity Data Key", attachment=False, readonly=True, groups="base.group_system"
    )

    def _identity_aad(self):
        return f"econtract.signer/{self.id}".encode()

    def _identity_values(self, keyring=None):
        """The signer's identity values, decrypted (empty when none were given)."""
        self.ensure_one()
        # sudo: the sealed blob and wrapped key are for administrators' eyes only; they open
        # only through the key version in the HSM or KMIP server.
        row = self.sudo()
        if not row.identity_sealed:
            return {}
        keyring = keyring or self.env["econtract.archive.key"]._keyring(
            row.identity_key_id.reference
        )
        try:
            plain = open_sealed(
                row.identity_sealed,
                wrapped=WrappedKey(row.identity_key_id.reference, row.identity_wrapped_key),
                keyring=keyring,
                context=self._identity_aad(),
            )
        except CryptoError as exc:
            self.env["econtract.archive.vault"]._raise(exc, _("read a signer's identity data"))
        return json.loads(plain)

    @api.depends("identity_sealed")
    def _compute_identity(self):
        # sudo: which signers have sealed data (the blob itself stays private).
        rows = self.sudo().filtered(lambda signer: signer.id and signer.identity_sealed)
        references = rows.identity_key_id.mapped("reference")
        keyring = self.env["econtract.archive.key"]._keyring(*references) if rows else None
        for signer in self:
            values = signer._identity_values(keyring) if signer.id and signer in rows else {}
            for name in IDENTITY_FIELDS:
                signer[name] = values.get(name) or False

    def _inverse_identity(self):
        """Seal the signer's identity values again, under a new data key."""
        key = self.env["econtract.archive.key"]._active()
        for signer in self:
            values = {name: signer[name] or False for name in IDENTITY_FIELDS}
            # sudo: as above.
            if not any(values.values()) and not signer.sudo().identity_sealed:
                continue
            data = json.dumps(values, ensure_ascii=False, sort_keys=True).encode()
            try:
                sealed, wrapped = seal(data, wrapper=key._wrapper(), context=signer._identity_aad())
            except CryptoError as exc:
                self.env["econtract.archive.vault"]._raise(
                    exc, _("encrypt a signer's identity data")
                )
            with engine():
                # sudo: the engine's own columns, readable by administrators only.
                signer.sudo().write(
                    {
                        "identity_sealed": sealed,
                        "identity_key_id": key.id,
                        "identity_wrapped_key": wrapped.wrapped,
                    }
                )

    @api.model
    def _seal_plain_identities(self):
        """Move identity values stored in the clear (before this addon) into sealed blobs,
        and empty their columns (the install job)."""
        cr = self.env.cr
        cr.execute(
            "SELECT id, phone, signed_ip, signed_user_agent FROM econtract_signer "
            "WHERE phone IS NOT NULL OR signed_ip IS NOT NULL OR signed_user_agent IS NOT NULL"
        )
        rows = cr.fetchall()
        for signer_id, phone, ip, agent in rows:
            # sudo: the install job moves every signer's plain columns.
            signer = self.sudo().browse(signer_id)
            with engine():
                signer.write({"phone": phone, "signed_ip": ip, "signed_user_agent": agent})
        if rows:
            cr.execute(
                "UPDATE econtract_signer SET phone = NULL, signed_ip = NULL, "
                "signed_user_agent = NULL WHERE id IN %s",
                (tuple(row[0] for row in rows),),
            )
        return len(rows)
