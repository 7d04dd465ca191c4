from odoo import fields, models


class EcontractRentLine(models.Model):
    """One period of the rent schedule of a lease contract."""

    _name = "econtract.rent.line"
    _description = "Lease Rent Period"
    _order = "contract_id, period_start, id"

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True
    )
    period_start = fields.Date(string="From", required=True)
    period_end = fields.Date(string="To", required=True)
    date_due = fields.Date(string="Due Date", required=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    amount = fields.Monetary(string="Rent", currency_field="currency_id", required=True)
