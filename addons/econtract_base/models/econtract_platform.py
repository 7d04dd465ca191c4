import os
from pathlib import Path

from odoo import _, api, models
from odoo.exceptions import UserError

from econtract.errors import EContractError

#: Platform settings: system parameter → the evidence log's former name for it, and how the
#: environment (the development tooling, a container) says it when no parameter does.
FORMER_NAMES = {
    "econtract.pki_dir": "econtract_chain.pki_dir",
    "econtract.tsa_url": "econtract_chain.tsa_url",
}


def _from_environment(name):
    if name == "econtract.pki_dir":
        return os.environ.get("ECONTRACT_PKI_DIR", "")
    base = os.environ.get("ECONTRACT_PKI_URL")  # the PKI service answers time stamps too
    return f"{base.rstrip('/')}/tsa" if base else ""


class EcontractPlatform(models.AbstractModel):
    """The signing platform every addon uses, configured once: the PKCS#11 token with its
    keys, the platform PKI (CAs, seal certificates, log key) and the time-stamping authority.

    Signing, sealing, time stamps and the evidence log's heads all come from here; none of
    them borrows another addon's settings.
    """

    _name = "econtract.platform"
    _description = "Signing Platform"

    @api.model
    def _setting(self, name):
        """A platform setting: the system parameter (or its former name), else the
        environment; ``off`` switches a service off. The one settings helper of the
        platform."""
        # sudo: system parameters are readable by administrators only; these name where the
        # platform is, whoever signs or seals.
        parameters = self.env["ir.config_parameter"].sudo()
        value = parameters.get_param(name) or parameters.get_param(FORMER_NAMES[name])
        if value:
            return "" if value == "off" else value
        return _from_environment(name)

    @api.model
    def _pki_dir(self):
        return self._setting("econtract.pki_dir")

    @api.model
    def _tsa_url(self):
        """URL of the RFC 3161 TSA signatures and heads are stamped by; empty when off."""
        return self._setting("econtract.tsa_url")

    @api.model
    def _load(self, loader):
        directory = self._pki_dir()
        if not directory:
            raise UserError(
                _(
                    "No signing platform is configured: set ECONTRACT_PKI_DIR or the system "
                    "parameter econtract.pki_dir to the platform's PKI directory."
                )
            )
        try:
            return loader(Path(directory))
        except (EContractError, OSError) as error:
            raise UserError(
                _(
                    "The signing platform is unavailable (HSM or PKI): %(error)s; nothing was "
                    "changed, try again later.",
                    error=error,
                )
            ) from error

    @api.model
    def _platform(self):
        """The platform PKI with its token: for signing, sealing and tree heads."""
        from econtract.pki.platform import Platform

        return self._load(Platform.load)

    @api.model
    def _token(self):
        """The platform's PKCS#11 token, without loading its PKI: the archive's
        key-encryption keys live in it beside the signing keys."""
        from econtract.pki.platform import PlatformConfig
        from econtract.pki.token import Token

        return self._load(lambda directory: Token.get(PlatformConfig.load(directory).token))

    @api.model
    def _published(self):
        """The platform's public material (CAs, TSA, log and anchor keys), without the
        token: verifying and exporting keep working while the HSM is down."""
        from econtract.pki.platform import PublishedPki

        return self._load(PublishedPki.load)
