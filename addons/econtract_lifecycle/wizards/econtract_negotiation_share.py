from odoo import api, fields, models


class EcontractNegotiationShare(models.TransientModel):
    """Choose the counterparty contact a draft is shared with for negotiation."""

    _name = "econtract.negotiation.share"
    _description = "Share a Draft for Negotiation"

    contract_id = fields.Many2one("econtract.contract", required=True, readonly=True)
    counterparty_ids = fields.Many2many(related="contract_id.partner_ids", compute_sudo=False)
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        required=True,
        domain="['|', ('id', 'in', counterparty_ids), ('parent_id', 'in', counterparty_ids)]",
    )

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        # Whoever shares must write the draft; a wizard shows nothing of another's.
        wizards.contract_id.check_access("write")
        return wizards

    def action_share(self):
        self.ensure_one()
        negotiation = self.env["econtract.negotiation"]._share(self.contract_id, self.partner_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Shared with %(partner)s: the link is on its way.",
                    partner=negotiation.partner_id.name,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
