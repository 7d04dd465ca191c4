from odoo import fields, models

#: Events a user records; signing, the start and the end of the term come from the contract.
RECORDED = [
    ("delivery", "Delivery"),
    ("acceptance", "Acceptance"),
    ("warranty_end", "End of Warranty"),
]


class EcontractFulfilmentEvent(models.Model):
    """Something that happened under a contract, from which deadlines count (delivery,
    acceptance): recorded by a user who may write the contract, never changed after."""

    _name = "econtract.fulfilment.event"
    _description = "Fulfilment Event"
    _inherit = ["econtract.guard.mixin"]
    _order = "date desc, id desc"

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    event = fields.Selection(RECORDED, required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    note = fields.Text(readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, default=lambda self: self.env.user)
