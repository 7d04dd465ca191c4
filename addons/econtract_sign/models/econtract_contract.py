from odoo import _, fields, models


class EcontractContract(models.Model):
    _inherit = "econtract.contract"

    state = fields.Selection(
        selection_add=[("signed", "Signed"), ("cancelled",)],
        ondelete={"signed": "set default"},
    )
    sign_request_ids = fields.One2many(
        "econtract.sign.request", "contract_id", string="Signing Requests", readonly=True
    )

    def _sign_on_completed(self, request):
        """Every signer has signed: the contract is signed."""
        # sudo: the state follows the completed signing request, whoever gave the last
        # signature (an outside signer, a seal keeper who may only read the contract).
        self.sudo().write({"state": "signed", "state_reason": False})

    def action_new_sign_request(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.sign.request",
            "view_mode": "form",
            "name": _("Send for Signature"),
            "context": {"default_contract_id": self.id},
        }
