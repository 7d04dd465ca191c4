from odoo import _, api, fields, models
from odoo.exceptions import UserError

#: What the wizard does with the reason: the record method it calls.
ACTIONS = {
    "hold": "action_legal_hold",
    "release": "action_release_hold",
    "dispose": "action_request_disposal",
}


class EcontractArchiveReason(models.TransientModel):
    """Asks the reason for a legal hold, its release or a disposal request, then calls the
    record's action — which checks who calls it, as it does over RPC."""

    _name = "econtract.archive.reason"
    _description = "Reason for an Archive Action"

    record_ids = fields.Many2many("econtract.archive.record", string="Records", required=True)
    action = fields.Selection(
        [("hold", "Legal Hold"), ("release", "Release Hold"), ("dispose", "Request Disposal")],
        required=True,
    )
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "econtract.archive.record" and context.get("active_ids"):
            values["record_ids"] = [(6, 0, context["active_ids"])]
        return values

    def action_confirm(self):
        self.ensure_one()
        if self.action not in ACTIONS:
            raise UserError(_("Unknown archive action."))
        getattr(self.record_ids, ACTIONS[self.action])(self.reason)
        return {"type": "ir.actions.act_window_close"}
