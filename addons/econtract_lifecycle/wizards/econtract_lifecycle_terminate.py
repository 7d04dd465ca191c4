from odoo import api, fields, models


class EcontractLifecycleTerminate(models.TransientModel):
    """Ask how, when and why a signed contract ends: by a termination agreement the parties
    sign, or — where the terms allow it — by a sealed notice to the counterparties."""

    _name = "econtract.lifecycle.terminate"
    _description = "Terminate a Contract"

    contract_id = fields.Many2one("econtract.contract", required=True, readonly=True)
    mode = fields.Selection(
        [("agreement", "By Agreement"), ("notice", "By Notice")],
        required=True,
        default="agreement",
    )
    notice_days = fields.Integer(
        string="Notice Period (Days)",
        related="contract_id.revision_id.termination_notice_days",
        compute_sudo=False,
    )
    termination_date = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self)
    )
    reason = fields.Text(required=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        # Whoever terminates must write the contract; a wizard shows nothing of another's.
        wizards.contract_id.check_access("write")
        return wizards

    @api.onchange("mode")
    def _onchange_mode(self):
        if self.mode == "notice" and self.contract_id:
            today = self.contract_id._lifecycle_company_today()
            self.termination_date = fields.Date.add(today, days=self.notice_days)

    def action_confirm(self):
        self.ensure_one()
        contract = self.contract_id
        if self.mode == "notice":
            contract._lifecycle_terminate_by_notice(self.termination_date, self.reason)
            return {"type": "ir.actions.act_window_close"}
        agreement = contract._lifecycle_terminate_by_agreement(self.termination_date, self.reason)
        return contract._lifecycle_open(agreement)
