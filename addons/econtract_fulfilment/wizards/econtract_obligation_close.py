from odoo import _, fields, models
from odoo.exceptions import UserError


class EcontractObligationClose(models.TransientModel):
    """Fulfilled (a note and proof) or waived (a reason): what the user says goes into the
    evidence with the files' hashes."""

    _name = "econtract.obligation.close"
    _description = "Close an Obligation"

    obligation_ids = fields.Many2many("econtract.obligation", required=True)
    outcome = fields.Selection(
        [("done", "Fulfilled"), ("waived", "Waived")], required=True, default="done"
    )
    date = fields.Date(default=fields.Date.context_today)
    note = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Proof")

    def action_confirm(self):
        self.ensure_one()
        if not self.obligation_ids:
            raise UserError(_("Choose the obligations to close."))
        if self.outcome == "done":
            # The proof files become the obligations': the caller's own uploads only.
            foreign = self.attachment_ids.filtered(lambda a: a.create_uid != self.env.user)
            if foreign:
                raise UserError(_("Attach files you uploaded yourself."))
            self.obligation_ids._fulfil(self.date, self.note, self.attachment_ids)
        else:
            self.obligation_ids._waive(self.note)
        return {"type": "ir.actions.act_window_close"}
