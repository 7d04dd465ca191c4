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
