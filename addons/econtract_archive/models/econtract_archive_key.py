import logging
import os

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import (
    clean,
    engine,
    in_engine,
    lock_rows,
)

from econtract.crypto import CryptoError, Keyring

_logger = logging.getLogger(__name__)


def _kmip_config():
    """The KMIP client's settings, from the environment (its private key stays a file)."""
    from econtract.crypto.kmip import KmipConfig

    try:
        return KmipConfig(
            host=os.environ["ECONTRACT_KMIP_HOST"],
            port=int(os.environ["ECONTRACT_KMIP_PORT"]),
            certificate=os.environ["ECONTRACT_KMIP_CERT"],
            private_key=os.environ["ECONTRACT_KMIP_KEY"],
            ca_certificate=os.environ["ECONTRACT_KMIP_CA"],
        )
    except (KeyError, ValueError) as exc:
        raise UserError(
            _(
                "The KMIP server is not configured: set ECONTRACT_KMIP_HOST, _PORT, _CERT, "
                "_KEY and _CA (missing or wrong: %(name)s).",
                name=exc.args[0],
            )
        ) from exc


class EcontractArchiveKey(models.Model):
    """A version of the key-encryption key: held in the HSM (PKCS#11) or a KMIP server.

    One version is active and wraps the data keys of new files; rotation makes a new active
    version and re-wraps existing data keys in the background. A retired version stays usable
    for as long as anything still refers to it.
    """

    _name = "econtract.archive.key"
    _description = "Archive Key-Encryption Key"
    _order = "version desc"

    name = fields.Char(required=True, readonly=True)
    version = fields.Integer(required=True, readonly=True)
    backend = fields.Selection(
        [("pkcs11", "HSM (PKCS#11)"), ("kmip", "KMIP server")], required=True, readonly=True
    )
    reference = fields.Char(
        required=True,
        readonly=True,
        index=True,
        help="Where the key is: pkcs11:<label>, kmip:<id>.",
    )
    state = fields.Selection(
        [("active", "Active"), ("retired", "Retired")],
        required=True,
        default="active",
        readonly=True,
    )
    object_count = fields.Integer(
        compute="_compute_object_count",
        string="Files Wrapped",
        help="Files whose data key this version wraps.",
    )

    _sql_constraints = [
        ("reference_unique", "UNIQUE(reference)", "A key is registered once."),
        ("version_unique", "UNIQUE(version)", "Key versions are unique."),
    ]

    def _compute_object_count(self):
        # sudo: counts of the files a key protects (archived and working files), not files.
        objects = dict(
            self.env["econtract.archive.object"]
            # sudo: counts of files a key protects, not the files.
            .sudo()
            ._read_group([("key_id", "in", self.ids)], ["key_id"], ["__count"])
        )
        attachments = dict(
            self.env["ir.attachment"]
            # sudo: as above, for working files.
            .sudo()
            ._read_group([("econtract_key_id", "in", self.ids)], ["econtract_key_id"], ["__count"])
        )
        for key in self:
            key.object_count = objects.get(key, 0) + attachments.get(key, 0)

    @api.model_create_multi
    def create(self, vals_list):
        if not in_engine():
            raise AccessError(_("Key versions are made by rotation only."))
        return super().create(vals_list)

    def write(self, vals):
        if not in_engine():
            raise AccessError(_("Key versions change by rotation only."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise AccessError(_("Key versions are never deleted: archived files may need them."))

    # ------------------------------------------------------------------ wrappers

    def _wrapper(self):
        self.ensure_one()
        if self.backend == "pkcs11":
            from econtract.crypto.pkcs11 import TokenKeyWrapper

            token = self.env["econtract.platform"]._token()
            return TokenKeyWrapper(token, self.reference.removeprefix("pkcs11:"))
        from econtract.crypto.kmip import KmipKeyWrapper

        return KmipKeyWrapper(_kmip_config(), self.reference.removeprefix("kmip:"))

    @api.model
    def _active(self):
        """The active version; the first one is made on first use."""
        # sudo: keys are the archive's, used for whoever archives or reads (checked apart).
        active = self.sudo().search([("state", "=", "active")], limit=1)
        return active or self.sudo()._make_version()

    @api.model
    def _keyring(self, *references):
        """The active version and those named (all versions when none is): a reader needs
        only the key of the file it opens, so a key server that is not configured or down
        does not stop files of the other backend from being read."""
        domain = [("reference", "in", references)] if references else []
        keys = self.sudo().search(domain)  # sudo: as in _active
        active = self._active()
        wrappers = [active._wrapper()]
        for key in keys - active:
            try:
                wrappers.append(key._wrapper())
            except UserError as exc:  # its backend is not configured here: files say so on read
                _logger.warning("archive key %s unavailable: %s", key.reference, exc)
        return Keyring(wrappers, active=active.reference)

    @api.model
    def _backend(self):
        backend = self.env["econtract.archive.vault"]._setting("econtract.archive_key_backend")
        if backend not in ("", "pkcs11", "kmip"):
            raise UserError(
                _("Unknown archive key backend %(name)s: use pkcs11 or kmip.", name=backend)
            )
        return backend or "pkcs11"

    @api.model
    def _make_version(self):
        """A new key version in the configured backend; it becomes the active one."""
        # Serialise rotations: two new versions at once would both become active.
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext('econtract.archive.key'))")
        self.invalidate_model()
        latest = self.search([], order="version desc", limit=1)
        version = latest.version + 1
        backend = self._backend()
        # The database's uuid, not its name: two databases of one name never share a key.
        # sudo: the database's own identifier, not a secret.
        prefix = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")[:13]
        label = f"econtract-archive-kek-{prefix}-{version}"
        try:
            if backend == "pkcs11":
                from econtract.crypto.pkcs11 import TokenKeyWrapper, create_kek

                token = self.env["econtract.platform"]._token()
                wrapper = TokenKeyWrapper(token, label)
                if not wrapper.exists():  # a rolled-back transaction may have made it already
                    create_kek(token, label)
            else:
                from econtract.crypto.kmip import create_kek

                wrapper = create_kek(_kmip_config(), label)
        except CryptoError as exc:
            self.env["econtract.archive.vault"]._raise(exc, _("make a new key"))
        with engine():
            self.search([("state", "=", "active")]).write({"state": "retired"})
            return clean(self).create(
                {
                    "name": label,
                    "version": version,
                    "backend": backend,
                    "reference": wrapper.reference,
                    "state": "active",
                }
            )

    def action_rotate(self):
        """A new key version; existing data keys are re-wrapped by the scheduled job."""
        if not self.env.user.has_group("econtract_base.group_econtract_admin"):
            raise AccessError(_("Only an econtract administrator rotates the archive key."))
        new = self.sudo()._make_version()  # sudo: checked above
        self.env.ref("econtract_archive.ir_cron_econtract_archive_rewrap").sudo()._trigger()
        return new

    @api.model
    def _cron_rewrap(self, batch=500):
        """Re-wrap data keys of retired versions under the active one, a batch per run."""
        active = self._active()
        keyring = self._keyring()
        objects = (
            self.env["econtract.archive.object"]
            # sudo: the job re-wraps every file, whoever's.
            .sudo()
            .search(
                [("key_id", "not in", [active.id, False]), ("state", "=", "stored")], limit=batch
            )
        )
        lock_rows(objects)
        objects._rewrap(keyring, active)
        attachments = (
            self.env["ir.attachment"]
            # sudo: as above, for working files.
            .sudo()
            .search(
                [
                    ("econtract_sealed", "=", True),
                    ("econtract_key_id", "not in", [active.id, False]),
                ],
                limit=batch,
            )
        )
        lock_rows(attachments)
        attachments._econtract_rewrap(keyring, active)
        if len(objects) == batch or len(attachments) == batch:
            self.env.ref("econtract_archive.ir_cron_econtract_archive_rewrap")._trigger()
        return len(objects) + len(attachments)
