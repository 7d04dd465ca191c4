from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class EcontractSignRequest(models.Model):
    """One round of signatures on an approved contract's document version.

    Signers with the same order number sign in parallel; a higher number waits until every
    signer of the lower ones has signed. Every step is logged to the evidence log.
    """

    _name = "econtract.sign.request"
    _description = "Signing Request"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="restrict", index=True, check_company=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    name = fields.Char(related="contract_id.name")
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("sent", "Out for Signature"),
            ("completed", "Signed"),
            ("declined", "Declined"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    document_id = fields.Many2one(
        "econtract.contract.document",
        string="Document to Sign",
        readonly=True,
        help="The approved document version; it is what every signer signs.",
    )
    document_sha256 = fields.Char(related="document_id.sha256", string="Document SHA-256")
    expires_at = fields.Datetime(
        string="Expires",
        required=True,
        default=lambda self: fields.Datetime.now() + timedelta(days=14),
        tracking=True,
    )
    signer_ids = fields.One2many("econtract.signer", "request_id", string="Signers", copy=True)
    cc_partner_ids = fields.Many2many(
        "res.partner", string="Copy To", help="They receive the signed document, and sign nothing."
    )
    reason = fields.Char(readonly=True, tracking=True, help="Why it was declined or cancelled.")
    sent_at = fields.Datetime(readonly=True)
    completed_at = fields.Datetime(readonly=True)

    @api.constrains("signer_ids")
    def _check_signers(self):
        for request in self:
            partners = request.signer_ids.partner_id
            if len(partners) != len(request.signer_ids):
                raise ValidationError(_("Each signer signs once per request."))

    def _log(self, action, payload=None, signer=None):
        """One evidence event on the contract, naming the request and the signer."""
        for request in self:
            data = {"request": request.id, **(payload or {})}
            if signer:
                data["signer"] = signer._evidence_identity()
            documents = []
            if request.document_id:
                documents = [(request.document_id.file_name, request.document_id.sha256)]
            request.contract_id._ledger_log(action, data, documents)

    # Sending ---------------------------------------------------------------------------

    def action_send(self):
        for request in self:
            request._check_sendable()
            contract = request.contract_id
            approved = contract.approval_request_id.document_sha256
            document = contract.document_ids.filtered(lambda d, sha=approved: d.sha256 == sha)
            request.write(
                {
                    "state": "sent",
                    "document_id": document[:1].id,
                    "sent_at": fields.Datetime.now(),
                }
            )
            request._log("signing_sent", {"signers": len(request.signer_ids)})
            request._open_next_order()
        return True

    def _check_sendable(self):
        self.ensure_one()
        contract = self.contract_id
        if self.state != "draft":
            raise UserError(_("This signing request was sent already."))
        if contract.state != "approved":
            raise UserError(
                _(
                    "%(name)s must be approved before it is sent for signature.",
                    name=contract.display_name,
                )
            )
        if not self.signer_ids:
            raise UserError(_("Add who signs before sending."))
        # sudo: whether an authenticator is set up, not the secret.
        no_totp = self.signer_ids.filtered(
            lambda s: s.identity_method == "totp" and not s.user_id.sudo().totp_enabled
        )
        if no_totp:
            raise UserError(
                _(
                    "%(names)s must set up an authenticator app before signing with it.",
                    names=", ".join(no_totp.user_id.mapped("name")),
                )
            )
        if self.expires_at <= fields.Datetime.now():
            raise UserError(_("The expiry date is already past."))
        approved = contract.approval_request_id.document_sha256
        if not approved or approved not in contract.document_ids.mapped("sha256"):
            raise UserError(
                _("%(name)s has no approved document version to sign.", name=contract.display_name)
            )
        if contract._approval_content_hash() != contract.approval_request_id.content_hash:
            raise UserError(
                _(
                    "%(name)s changed after it was approved; it must be approved again.",
                    name=contract.display_name,
                )
            )

    def _current_order(self):
        self.ensure_one()
        unsigned = self.signer_ids.filtered(lambda s: s.state not in ("signed",))
        return min(unsigned.mapped("order"), default=None)

    def _open_next_order(self):
        """Invite the signers of the lowest order not yet signed; complete when none is left."""
        self.ensure_one()
        order = self._current_order()
        if order is None:
            self._complete()
            return
        for signer in self.signer_ids.filtered(
            lambda s, order=order: s.order == order and s.state == "waiting"
        ):
            signer._invite()

    def _complete(self):
        self.ensure_one()
        self.write({"state": "completed", "completed_at": fields.Datetime.now()})
        self._log("signing_completed")
        self.contract_id._sign_on_completed(self)

    # Ending early ----------------------------------------------------------------------

    def action_cancel(self, reason=False):
        if not (reason or "").strip():
            raise ValidationError(_("Say why the signing request is cancelled."))
        for request in self:
            if request.state not in ("draft", "sent"):
                raise UserError(_("Only a request that is not finished can be cancelled."))
            request._close("cancelled", reason)
            request._log("signing_cancelled", {"reason": reason})
        return True

    def _close(self, state, reason):
        self.signer_ids.filtered(lambda s: s.state in ("waiting", "pending"))._close()
        self.write({"state": state, "reason": reason})

    @api.model
    def _cron_expire(self):
        # sudo: the scheduled job expires every company's requests.
        due = self.sudo().search(
            [("state", "=", "sent"), ("expires_at", "<", fields.Datetime.now())]
        )
        for request in due:
            request._close("expired", _("The signing request expired."))
            request._log("signing_expired")
        return due
