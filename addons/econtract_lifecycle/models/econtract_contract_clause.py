from odoo import fields, models


class EcontractContractClause(models.Model):
    _inherit = "econtract.contract.clause"

    origin_key = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The clause of the terms in force this copy was drafted from (amendments, "
        "renewals): what a comparison matches it with. The engine's, never a caller's.",
    )

    def _lifecycle_key(self):
        """The key that follows this clause across versions of the terms in force."""
        self.ensure_one()
        return self.origin_key or f"{self.contract_id.id}:{self.id}"
