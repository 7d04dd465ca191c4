import base64
import datetime
import hashlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean, engine

from econtract.errors import EContractError

SEAL_FIELD = "company-seal"
#: The element of the notice the seal goes over.
SEAL_BLOCK = "sign-notice-seal"


class EcontractTerminationNotice(models.Model):
    """A notice of termination (解除通知): the company ends a contract whose terms allow it,
    by a notice given the agreed number of days in advance.

    The notice is a PDF sealed with the company's e-seal (PAdES, time-stamped), sent to the
    counterparties and named by SHA-256 in the evidence log. It is made whole or not at all:
    the PDF is rendered and sealed before anything is stored, so an HSM or TSA fault leaves
    the contract as it was and the notice can be given again. Nobody edits or deletes it.
    """

    _name = "econtract.termination.notice"
    _inherit = ["econtract.guard.mixin"]
    _description = "Notice of Termination"
    _order = "id desc"
    _rec_name = "file_name"
    _guard_parent = "contract_id"
    _guard_create_states = frozenset()

    contract_id = fields.Many2one(
        "econtract.contract", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", string="Given By", required=True, readonly=True)
    given_on = fields.Date(required=True, readonly=True)
    termination_date = fields.Date(string="Ends On", required=True, readonly=True)
    notice_days = fields.Integer(
        string="Notice Period (Days)", readonly=True, help="As the terms in force state it."
    )
    reason = fields.Text(required=True, readonly=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "econtract_termination_notice_partner_rel",
        "notice_id",
        "partner_id",
        string="Sent To",
        readonly=True,
    )
    attachment_id = fields.Many2one(
        "ir.attachment", string="Sealed Notice", required=True, readonly=True, ondelete="restrict"
    )
    file_name = fields.Char(related="attachment_id.name")
    sha256 = fields.Char(string="SHA-256", required=True, readonly=True, index=True)

    @api.model
    def _give(self, contract, day, reason):
        """Give notice that ``contract`` ends on ``day``: check the terms allow it and the
        period is respected, seal the notice, store it, send it. Returns the notice."""
        terms = contract.revision_id
        today = contract._lifecycle_company_today()
        self._check_notice(contract, terms, today, day, reason)
        recipients = self._recipients(contract, terms)
        reason = reason.strip()
        pdf = self._sealed_pdf(contract, terms, today, day, reason)
        sha256 = hashlib.sha256(pdf).hexdigest()
        name = (
            f"{contract.name}-解除通知.pdf"
            if contract.language == "zh_CN"
            else (f"{contract.name}-termination-notice.pdf")
        )
        with engine():
            # sudo: the sealed file is the engine's record, attached to the notice below
            # for readers of the contract (the notice's own rules).
            attachment = (
                clean(self.env["ir.attachment"])
                .sudo()
                .create(
                    {
                        "name": name,
                        "raw": pdf,
                        "mimetype": "application/pdf",
                        "res_model": self._name,
                    }
                )
            )
            notice = clean(self).create(
                {
                    "contract_id": contract.id,
                    "user_id": self.env.user.id,
                    "given_on": today,
                    "termination_date": day,
                    "notice_days": terms.termination_notice_days,
                    "reason": reason,
                    "partner_ids": [fields.Command.set(recipients.ids)],
                    "attachment_id": attachment.id,
                    "sha256": sha256,
                }
            )
            attachment.sudo().res_id = notice.id
            contract.write({"termination_date": day, "termination_reason": reason})
        contract._ledger_log(
            "termination_noticed",
            {
                "date": day.isoformat(),
                "given_on": today.isoformat(),
                "notice_days": terms.termination_notice_days,
                "reason": reason,
                "notice_sha256": sha256,
                **contract._lifecycle_reference(),
            },
            [(name, sha256)],
        )
        contract.message_post(
            body=_(
                "Notice of termination given: %(name)s ends on %(day)s (%(reason)s).",
                name=contract.display_name,
                day=day,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_comment",
            partner_ids=recipients.ids,
            attachment_ids=[attachment.id],
        )
        if day <= today:
            contract._lifecycle_terminate()
        return notice

    @api.model
    def _recipients(self, contract, terms):
        """Who receives the notice: the people who signed for the counterparties, and the
        counterparties themselves, those with an e-mail address. A notice nobody would
        receive is not given."""
        # sudo: the signers of the contract's completed request, for its writer.
        signers = contract.sudo()._econtract_completed_request().signer_ids.partner_id
        parties = terms.partner_ids.commercial_partner_id
        people = signers.filtered(lambda p: p.commercial_partner_id in parties) | terms.partner_ids
        recipients = people.filtered("email_normalized")
        if not recipients:
            raise UserError(
                _(
                    "No counterparty of %(name)s has an e-mail address: the notice would "
                    "reach nobody. Add one to %(parties)s first.",
                    name=contract.display_name,
                    parties=", ".join(terms.partner_ids.mapped("name")),
                )
            )
        return recipients.with_env(self.env)

    @api.model
    def _check_notice(self, contract, terms, today, day, reason):
        if not (reason or "").strip():
            raise UserError(_("Say why the contract is terminated."))
        if not day:
            raise UserError(_("Give the day the contract ends."))
        days = terms.termination_notice_days
        if not days:
            raise UserError(
                _(
                    "The terms of %(name)s do not allow terminating it by notice: terminate "
                    "it by agreement instead.",
                    name=contract.display_name,
                )
            )
        earliest = today + datetime.timedelta(days=days)
        if day < earliest:
            raise UserError(
                _(
                    "%(name)s is terminated by notice %(days)s days in advance: given today, "
                    "it ends on %(earliest)s at the earliest, not %(day)s.",
                    name=contract.display_name,
                    days=days,
                    earliest=earliest,
                    day=day,
                )
            )
        contract._lifecycle_check_end_date(day)

    @api.model
    def _sealed_pdf(self, contract, terms, today, day, reason):
        """The notice as a PDF with the company's seal on it (B-T), or a clear refusal with
        nothing changed when the HSM, the TSA or the seal is not there."""
        from econtract.pdf import PageLayout, render_pdf
        from econtract.pdf.seal import png, render_seal
        from econtract.pdf.sign import (
            Appearance,
            Level,
            SignatureField,
            SignatureRequest,
            add_signature_fields,
            sign_pdf,
        )

        language = contract._text_language()
        html = self.env["ir.qweb"]._render(
            "econtract_lifecycle.econtract_termination_notice_document",
            {
                "contract": contract,
                "terms": terms,
                "language": language,
                "given_on": contract._lifecycle_date_text(today),
                "day": contract._lifecycle_date_text(day),
                "reason": reason,
                "company": contract.company_id,
            },
        )
        SignRequest = self.env["econtract.sign.request"]
        seal = contract.company_id._econtract_seal()
        platform, tsa_url = SignRequest._signing_context()
        try:
            rendered = render_pdf(str(html), PageLayout(reference=contract.name, language=language))
            place = rendered.places[SEAL_BLOCK]
            prepared = add_signature_fields(
                rendered.data, [SignatureField(SEAL_FIELD, place.page, tuple(place.box))]
            )
            return sign_pdf(
                prepared,
                seal.signer(platform),
                SignatureRequest(
                    field_name=SEAL_FIELD,
                    level=Level.B_T,
                    certify=True,
                    reason=_("Notice of termination"),
                    name=seal.holder,
                    appearance=Appearance(image=png(render_seal(seal.holder, size=300))),
                ),
                tsa_url=tsa_url,
            )
        except EContractError as error:
            raise UserError(
                _("The notice could not be sealed; nothing changed: %(error)s", error=error)
            ) from error

    def action_download(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }

    def _verify_file(self):
        """Whether the stored file is still the one whose SHA-256 the evidence names."""
        self.ensure_one()
        # sudo: the file of a notice the caller may read.
        data = base64.b64decode(self.attachment_id.sudo().datas or b"")
        return hashlib.sha256(data).hexdigest() == self.sha256
