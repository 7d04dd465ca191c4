from odoo import fields, models


class EcontractSignCancelWizard(models.TransientModel):
    """Asks why a signing request is cancelled: the reason goes to the signers' record and
    to the evidence log."""

    _name = "econtract.sign.cancel.wizard"
    _description = "Cancel Signing Request"

    request_id = fields.Many2one("econtract.sign.request", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.request_id.action_cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
