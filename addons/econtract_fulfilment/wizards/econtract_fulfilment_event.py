from odoo import fields, models

from ..models.econtract_fulfilment_event import RECORDED


class EcontractFulfilmentEventWizard(models.TransientModel):
    _name = "econtract.fulfilment.event.wizard"
    _description = "Record a Fulfilment Event"

    contract_id = fields.Many2one("econtract.contract", required=True)
    event = fields.Selection(RECORDED, required=True, default="delivery")
    date = fields.Date(required=True, default=fields.Date.context_today)
    note = fields.Text()

    def action_confirm(self):
        self.ensure_one()
        self.contract_id._fulfilment_record_event(self.event, self.date, self.note)
        return {"type": "ir.actions.act_window_close"}
