from odoo import Command, _, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError


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
        """Every signer has signed: the contract is signed — by its own completed request
        only, whose signed version validated (`_complete`) and is the file it finished."""
        self.ensure_one()
        if (
            self.state != "approved"
            or request.contract_id != self
            or request.state != "completed"
            or not request.signed_document_id
            or request.signed_document_id.contract_id != self
            or request.signed_document_id.sha256 != request.working_sha256
        ):
            raise UserError(
                _(
                    "%(name)s is signed only by a completed signing request of its approved "
                    "version.",
                    name=self.display_name,
                )
            )
        # sudo: the state follows the completed signing request, whoever gave the last
        # signature (an outside signer, a seal keeper who may only read the contract).
        self.sudo()._set_state("signed")

    def _econtract_completed_request(self):
        """The signing request that signed the contract (the latest completed one)."""
        self.ensure_one()
        # sudo: the signing request of a contract the caller may read.
        requests = self.sudo().sign_request_ids.filtered(lambda r: r.state == "completed")
        return requests.sorted(lambda r: (r.completed_at or fields.Datetime.now(), r.id))[-1:]

    def _econtract_signed_on(self):
        return self._econtract_completed_request().completed_at or fields.Datetime.now()

    def action_cancel(self, reason=None):
        """Drafts are cancelled by their writers; a signed contract only by a manager, with
        the reason on record (its signatures stay valid: the contract is void by agreement)."""
        signed = self.filtered(lambda contract: contract.state == "signed")
        if not signed:
            return super().action_cancel(reason)
        if not self.env.user.has_group("econtract_base.group_econtract_manager"):
            raise AccessError(_("Only a contract manager may cancel a signed contract."))
        if not (reason or "").strip():
            raise ValidationError(_("Say why the signed contract is cancelled."))
        if self - signed:
            super(EcontractContract, self - signed).action_cancel(reason)
        signed.check_access("write")
        signed._set_state("cancelled", reason)
        return True

    def action_draft(self, reason=None):
        signed = self.filtered(
            lambda contract: "completed" in contract.sign_request_ids.mapped("state")
        )
        if signed:
            raise UserError(
                _(
                    "%(names)s were signed: a signed contract never goes back to draft. Draft "
                    "a new contract instead.",
                    names=", ".join(signed.mapped("display_name")),
                )
            )
        return super().action_draft(reason)

    def action_new_sign_request(self):
        """A new signing request, with a signer proposed for each counterparty."""
        self.ensure_one()
        self.check_access("write")
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
