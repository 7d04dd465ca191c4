from odoo import fields, models


class EcontractLifecycleTerminate(models.TransientModel):
    """Ask when and why a signed contract ends, then draft its termination agreement."""

    _name = "econtract.lifecycle.terminate"
    _description = "Terminate a Contract"

    contract_id = fields.Many2one("econtract.contract", required=True, readonly=True)
    termination_date = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self)
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        agreement = self.contract_id._lifecycle_terminate_by_agreement(
            self.termination_date, self.reason
        )
        return self.contract_id._lifecycle_open(agreement)
