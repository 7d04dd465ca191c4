import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from econtract.identity.codes import Outcome


class EcontractSignBatchWizard(models.TransientModel):
    """An internal user signs several contracts at once, after one identity check.

    The check is made once, against the first signature's challenge; the others record that
    it covered them. Each contract still gets its own signature, event certificate and
    evidence. All are signed in one transaction: a fault part-way signs none, and the retry
    reuses the signatures the token already made (same keys).
    """

    _name = "econtract.sign.batch.wizard"
    _description = "Sign Several Contracts"

    signer_ids = fields.Many2many("econtract.signer", string="Signatures", readonly=True)
    identity_method = fields.Selection(
        related="signer_ids.identity_method", string="Identity Check"
    )
    code = fields.Char(help="The code sent to you, or the one your authenticator app shows.")
    code_sent = fields.Boolean(readonly=True)
    typed_name = fields.Char(
        string="Your Name", required=True, default=lambda self: self.env.user.name
    )
    drawing = fields.Binary(string="Signature", attachment=False)
    consent = fields.Boolean(string="I agree to sign electronically")
    error = fields.Char(readonly=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "signer_ids" in fields_list:
            ids = self.env.context.get("active_ids") or []
            values["signer_ids"] = [(6, 0, ids)]
        return values

    def _signers(self):
        """The selected signatures, each the user's own and open, all with one identity
        check; as superuser from here on, since signing records are the engine's."""
        self.ensure_one()
        signers = self.signer_ids
        if not signers:
            raise UserError(_("Select the contracts to sign."))
        # Each signature, not the set's users: a signer without a user is somebody else.
        if any(signer.user_id != self.env.user for signer in signers):
            raise UserError(_("You can sign only your own signatures."))
        if len(set(signers.mapped("identity_method"))) > 1:
            raise UserError(_("Sign together only contracts with the same identity check."))
        for signer in signers:
            signer._check_open()
        # sudo: every signature is the user's own (checked above).
        return signers.sudo().sorted("id")

    def _reopen(self, **values):
        self.write(values)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Sign %(count)s Contracts", count=len(self.signer_ids)),
        }

    def action_send_code(self):
        signers = self._signers()
        signers[0]._send_code()
        return self._reopen(code_sent=True, error=False)

    def action_sign(self):
        signers = self._signers()
        if not self.consent:
            raise ValidationError(_("Confirm that you agree to sign electronically."))
        lead = signers[0]
        check = lead._verify_code((self.code or "").strip())
        if check.outcome is not Outcome.VERIFIED:
            # Not an exception: the failed attempt must be kept, not rolled back.
            return self._reopen(error=lead._outcome_message(check.outcome), code=False)
        # The one check, made in this call, covers every signature of this call only.
        proofs = {lead: check.proof}
        for signer in signers[1:]:
            proofs[signer] = signer._grant_identity({"batch_with": lead.id})
        drawing = base64.b64decode(self.drawing) if self.drawing else None
        for signer in signers:
            signer._sign(
                f"batch-{self.id}-{signer.id}-{self.create_date:%Y%m%d%H%M%S}",
                typed_name=self.typed_name,
                drawing=drawing,
                consent=True,
                proof=proofs[signer],
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%(count)s contracts signed.", count=len(signers)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
