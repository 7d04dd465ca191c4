import base64

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.econtract_base.models.econtract_guard_mixin import engine, in_engine

from econtract.errors import EContractError

#: Written only by `action_econtract_create_seal`: the seal's key label and certificate.
SEAL_FIELDS = frozenset({"econtract_seal_label", "econtract_seal_certificate"})


class ResCompany(models.Model):
    """Each company seals its own contracts: its e-seal's key is in the token, its
    certificate names the company by its registered name and unified social credit code,
    and only its own seal keepers apply it by hand."""

    _inherit = "res.company"

    econtract_legal_name = fields.Char(
        string="Registered Name",
        help="The company's name as registered (营业执照), as its seal and certificate show it.",
    )
    econtract_uscc = fields.Char(
        string="Unified Social Credit Code",
        size=18,
        help="统一社会信用代码 (GB 32100-2015), 18 characters; named in the seal certificate.",
    )
    econtract_seal_label = fields.Char(
        string="Seal Key", readonly=True, copy=False, groups="base.group_system"
    )
    econtract_seal_certificate = fields.Binary(
        string="Seal Certificate", attachment=False, readonly=True, copy=False
    )
    econtract_seal_serial = fields.Char(
        string="Seal Certificate Serial", compute="_compute_econtract_seal"
    )
    econtract_seal_holder = fields.Char(string="Seal Holder", compute="_compute_econtract_seal")
    econtract_seal_keeper_ids = fields.Many2many(
        "res.users",
        "econtract_company_seal_keeper_rel",
        "company_id",
        "user_id",
        string="Seal Keepers",
        domain="[('share', '=', False)]",
        help="Who may apply this company's seal by hand (they also need the Company Seal "
        "Keeper role).",
    )

    @api.depends("econtract_seal_certificate")
    def _compute_econtract_seal(self):
        from asn1crypto import x509

        for company in self:
            if company.econtract_seal_certificate:
                certificate = x509.Certificate.load(
                    base64.b64decode(company.econtract_seal_certificate)
                )
                company.econtract_seal_serial = format(certificate.serial_number, "x")
                company.econtract_seal_holder = certificate.subject.native.get("organization_name")
            else:
                company.econtract_seal_serial = False
                company.econtract_seal_holder = False

    @api.constrains("econtract_uscc")
    def _check_econtract_uscc(self):
        from econtract.pki.seals import validate_uscc

        for company in self.filtered("econtract_uscc"):
            try:
                validate_uscc(company.econtract_uscc)
            except EContractError as error:
                raise ValidationError(
                    _("%(company)s: %(error)s", company=company.name, error=error)
                ) from error

    @api.model_create_multi
    def create(self, vals_list):
        if any(SEAL_FIELDS & set(vals) for vals in vals_list) and not in_engine():
            raise AccessError(_("A company's seal is made by Create Company Seal only."))
        return super().create(vals_list)

    def write(self, vals):
        if SEAL_FIELDS & set(vals) and not in_engine():
            raise AccessError(_("A company's seal is made by Create Company Seal only."))
        if {"econtract_legal_name", "econtract_uscc"} & set(vals) and any(
            company.econtract_seal_certificate for company in self
        ):
            raise UserError(
                _(
                    "The seal certificate names the registered name and code it was made "
                    "for: they cannot change while the seal exists."
                )
            )
        return super().write(vals)

    def _econtract_seal_label(self):
        self.ensure_one()
        # sudo: the database's identity names the key, so two databases sharing one HSM
        # never use each other's seal keys.
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"seal-{database[:8]}-{self.id}"

    def action_econtract_create_seal(self):
        """Make the company's e-seal: a key in the token, a certificate from the platform's
        CA naming the company. For administrators; a company has one seal."""
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(_("Only an administrator makes a company's seal."))
        for company in self:
            company._econtract_create_seal()
        return True

    def _econtract_create_seal(self):
        from econtract.pki.seals import issue_company_seal

        self.ensure_one()
        if self.econtract_seal_certificate:
            raise UserError(_("%(company)s has its seal already.", company=self.name))
        if not (self.econtract_legal_name or "").strip() or not self.econtract_uscc:
            raise UserError(
                _(
                    "Fill in the registered name and the unified social credit code of "
                    "%(company)s first: the seal certificate names both.",
                    company=self.name,
                )
            )
        platform = self.env["econtract.platform"]._platform()
        try:
            seal = issue_company_seal(
                platform,
                label=self._econtract_seal_label(),
                legal_name=self.econtract_legal_name,
                uscc=self.econtract_uscc,
            )
        except EContractError as error:
            raise UserError(
                _("The seal could not be made; nothing changed: %(error)s", error=error)
            ) from error
        with engine():
            # sudo: the key label is for administrators only; the engine records it.
            self.sudo().write(
                {
                    "econtract_seal_label": seal.label,
                    "econtract_seal_certificate": base64.b64encode(seal.certificate.dump()),
                }
            )
        return seal

    def _econtract_seal(self):
        """The company's seal (`econtract.pki.seals.CompanySeal`), or a clear refusal: a
        contract is never sealed with another entity's seal."""
        from asn1crypto import x509

        from econtract.pki.seals import CompanySeal

        self.ensure_one()
        # sudo: the key label is for administrators only; the engine uses it to sign.
        company = self.sudo()
        if not company.econtract_seal_certificate or not company.econtract_seal_label:
            raise UserError(
                _(
                    "%(company)s has no electronic seal: an administrator makes it under "
                    "Settings › Companies › %(company)s › Electronic Seal.",
                    company=self.name,
                )
            )
        return CompanySeal(
            company.econtract_seal_label,
            x509.Certificate.load(base64.b64decode(company.econtract_seal_certificate)),
        )
