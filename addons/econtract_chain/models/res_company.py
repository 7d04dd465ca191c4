from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

#: The specification's floor: operation logs are kept at least five years.
MINIMUM_RETENTION_YEARS = 5


class ResCompany(models.Model):
    _inherit = "res.company"

    econtract_evidence_retention_years = fields.Integer(
        string="Keep Evidence (Years)",
        default=10,
        required=True,
        help="How long evidence events are kept. Events are never deleted by any screen or "
        "API; this is the period the company commits to, at least five years.",
    )

    @api.constrains("econtract_evidence_retention_years")
    def _check_econtract_evidence_retention_years(self):
        for company in self:
            if company.econtract_evidence_retention_years < MINIMUM_RETENTION_YEARS:
                raise ValidationError(
                    _(
                        "%(company)s: evidence is kept at least %(years)s years, not %(value)s.",
                        company=company.name,
                        years=MINIMUM_RETENTION_YEARS,
                        value=company.econtract_evidence_retention_years,
                    )
                )
