from odoo import fields, models


class EcontractRentLine(models.Model):
    """One period of the rent schedule of a lease contract."""

    _name = "econtract.rent.line"
    _inherit = ["econtract.guard.mixin"]
    _description = "Lease Rent Period"
    _order = "contract_id, period_start, id"
    # Part of the lease's content: the drafter's while the contract is a draft.
    _guard_parent = "contract_id"
    _guard_create = frozenset({"contract_id", "period_start", "period_end", "date_due", "amount"})
    _guard_write = {"draft": frozenset({"period_start", "period_end", "date_due", "amount"})}
    _guard_unlink = frozenset({"draft"})

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True
    )
    period_start = fields.Date(string="From", required=True)
    period_end = fields.Date(string="To", required=True)
    date_due = fields.Date(string="Due Date", required=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    amount = fields.Monetary(string="Rent", currency_field="currency_id", required=True)
