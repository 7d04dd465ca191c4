from odoo import Command, _, fields, models


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
        """A new signing request, with a signer proposed for each counterparty."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "econtract.sign.request",
            "view_mode": "form",
            "name": _("Send for Signature"),
            "context": {
                "default_contract_id": self.id,
                "default_signer_ids": [
                    Command.create({"partner_id": partner.id, "order": 1})
                    for partner in self._sign_proposed_signers()
                ],
            },
        }

    def _sign_proposed_signers(self):
        """Who signs for each counterparty: its first contact with an e-mail address, else
        the counterparty itself when it has one. The user adjusts the list before sending."""
        self.ensure_one()
        signers = self.env["res.partner"]
        for party in self.partner_ids:
            contacts = party.child_ids.filtered(lambda p: p.email and p.type == "contact")
            signer = contacts[:1] or (party if party.email else self.env["res.partner"])
            signers |= signer
        return signers
