from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from odoo.addons.econtract_base.models.econtract_contract import CONTRACT_TYPES

#: Kept this long when no policy names the contract's type (years).
DEFAULT_RETENTION_YEARS = 30


class EcontractArchivePolicy(models.Model):
    """How long signed contracts of a type are kept after signing: years, or permanently."""

    _name = "econtract.archive.policy"
    _description = "Archive Retention Policy"
    _order = "contract_type"

    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    contract_type = fields.Selection(CONTRACT_TYPES, string="Type", required=True)
    permanent = fields.Boolean(help="Kept forever: never listed for disposal.")
    years = fields.Integer(default=DEFAULT_RETENTION_YEARS, help="Years after signing.")
    code = fields.Char(
        help="Retention code in the archive number ({retention}), e.g. D30 for 30 years, "
        "Y for permanent."
    )

    _sql_constraints = [
        ("type_unique", "UNIQUE(company_id, contract_type)", "One policy per type and company."),
        ("years_positive", "CHECK(permanent OR years > 0)", "Keep contracts at least a year."),
    ]

    @api.model
    def _retention(self, contract, signed):
        """``(retention_until or False, code)`` for ``contract`` signed on ``signed``."""
        policy = self.search(
            [
                ("company_id", "=", contract.company_id.id),
                ("contract_type", "=", contract.contract_type),
            ],
            limit=1,
        )
        if policy.permanent:
            return False, policy.code or "Y"
        years = policy.years or DEFAULT_RETENTION_YEARS
        return signed + relativedelta(years=years), policy.code or f"D{years}"
