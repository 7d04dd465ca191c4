from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .econtract_guard_mixin import clean, engine, in_engine


class IrAttachment(models.Model):
    """Files the engine made (document versions, files being signed, signing certificates)
    are frozen: no caller creates, changes or deletes one, whoever they are. Their SHA-256
    is also checked on every read, so a change made around Odoo (the file store, SQL) is
    detected rather than served or signed."""

    _inherit = "ir.attachment"

    econtract_frozen = fields.Boolean(
        string="Frozen by econtract",
        readonly=True,
        copy=False,
        help="Made by the contract engine; it never changes.",
    )

    @api.model
    def _econtract_freeze(self, name, data, record):
        """Store ``data`` as a frozen PDF of ``record`` (a version, a signing request, a
        contract): the one place the engine makes its files. As superuser, since portal
        signers complete requests without any right on attachments; without the caller's
        ``default_*`` keys, which must not make a file public or move it elsewhere."""
        with engine():
            # sudo: see the docstring; who may make this file was checked by the caller.
            return (
                clean(self)
                .sudo()
                .create(
                    {
                        "name": name,
                        "raw": data,
                        "mimetype": "application/pdf",
                        "res_model": record._name,
                        "res_id": record.id,
                        "econtract_frozen": True,
                    }
                )
                .with_env(self.env)
            )

    def _econtract_refuse(self):
        raise AccessError(
            _(
                "%(names)s belong to signed or rendered contracts and never change.",
                names=", ".join(self.mapped("name")),
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not in_engine() and any(vals.get("econtract_frozen") for vals in vals_list):
            raise AccessError(_("Only the contract engine makes frozen files."))
        return super().create(vals_list)

    def write(self, vals):
        if not in_engine():
            # sudo: the flag is checked whoever writes, including a caller who cannot read it.
            frozen = self.sudo().filtered("econtract_frozen")
            if frozen or "econtract_frozen" in vals:
                (frozen or self)._econtract_refuse()
        return super().write(vals)

    def unlink(self):
        if not in_engine():
            frozen = self.sudo().filtered("econtract_frozen")  # sudo: as in write
            if frozen:
                frozen._econtract_refuse()
        return super().unlink()

    def _migrate(self):
        # Moving files between the database and the file store keeps their bytes.
        with engine():
            return super()._migrate()
