from odoo import fields, models


class EcontractContractStateWizard(models.TransientModel):
    """Asks why a contract is cancelled or brought back to draft."""

    _name = "econtract.contract.state.wizard"
    _description = "Contract Status Change"

    contract_ids = fields.Many2many("econtract.contract", required=True)
    target_state = fields.Selection(
        [("cancelled", "Cancel"), ("draft", "Reset to Draft")], required=True
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        if self.target_state == "cancelled":
            self.contract_ids.action_cancel(reason=self.reason)
        else:
            self.contract_ids.action_draft(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
