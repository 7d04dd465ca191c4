import hashlib
import logging
from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.econtract_base.models.econtract_guard_mixin import (
    clean,
    in_engine,
    lock_rows,
)

from econtract.errors import EContractError
from econtract.pdf.sign import TimestampUnavailable
from econtract.pki.token import TokenUnavailable
from econtract.tsa.client import TsaUnavailable

_logger = logging.getLogger(__name__)


def _utc(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


#: Name of the company seal's signature field in every signed document.
SEAL_FIELD = "company-seal"


class EcontractSignRequest(models.Model):
    """One round of signatures on an approved contract's document version.

    Signers with the same order number sign in parallel; a higher number waits until every
    signer of the lower ones has signed. Every step is logged to the evidence log.
    """

    _name = "econtract.sign.request"
    _description = "Signing Request"
    _inherit = ["mail.thread", "econtract.guard.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # The sender chooses who signs, the copies, the seal and the deadline while the request
    # is a draft; the contract is fixed at creation; everything else is the engine's.
    _guard_write = {
        "draft": frozenset({"expires_at", "signer_ids", "cc_partner_ids", "seal_mode"}),
        "sent": frozenset(),
    }
    _guard_create = _guard_write["draft"] | {"contract_id"}
    _guard_unlink = frozenset({"draft"})

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
    seal_mode = fields.Selection(
        [
            ("auto", "Automatically, after the last signer"),
            ("manual", "By a seal keeper, after the last signer"),
            ("none", "No company seal"),
        ],
        string="Company Seal",
        default="auto",
        required=True,
        help="The company's electronic seal is the last signature; using it is a permission "
        "of its own (Contracts / Company Seal).",
    )
    awaiting_seal = fields.Boolean(compute="_compute_awaiting_seal")
    sealed_at = fields.Datetime(readonly=True)
    sealed_by_id = fields.Many2one("res.users", string="Sealed By", readonly=True)
    working_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Document Being Signed",
        readonly=True,
        help="The approved version with its signature fields, and every signature so far.",
    )
    working_sha256 = fields.Char(
        string="SHA-256 Being Signed",
        readonly=True,
        help="What the document being signed must hash to; checked on every read.",
    )
    signed_document_id = fields.Many2one(
        "econtract.contract.document", string="Signed Document", readonly=True
    )
    certificate_attachment_id = fields.Many2one(
        "ir.attachment", string="Signing Certificate", readonly=True
    )
    reason = fields.Char(readonly=True, tracking=True, help="Why it was declined or cancelled.")
    sent_at = fields.Datetime(readonly=True)
    completed_at = fields.Datetime(readonly=True)

    @api.depends("state", "seal_mode", "sealed_at", "signer_ids.state")
    def _compute_awaiting_seal(self):
        for request in self:
            request.awaiting_seal = (
                request.state == "sent"
                and request.seal_mode == "manual"
                and not request.sealed_at
                and all(signer.state == "signed" for signer in request.signer_ids)
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            contract = self.env["econtract.contract"].browse(vals.get("contract_id")).exists()
            if contract and not in_engine():
                contract.check_access("write")  # readers (seal keepers, approvers) send nothing
            if contract and contract.state != "approved":
                raise UserError(
                    _(
                        "%(name)s must be approved before it is sent for signature.",
                        name=contract.display_name,
                    )
                )
        return super().create(vals_list)

    @api.constrains("signer_ids")
    def _check_signers(self):
        for request in self:
            partners = request.signer_ids.partner_id
            if len(partners) != len(request.signer_ids):
                raise ValidationError(_("Each signer signs once per request."))

    def _log(self, action, payload=None, signer=None):
        """One evidence event on the contract, naming the request and the signer; returns
        the events."""
        events = self.env["econtract.ledger.event"]
        for request in self:
            data = {"request": request.id, **(payload or {})}
            if signer:
                data["signer"] = signer._evidence_identity()
            documents = []
            if request.document_id:
                documents = [(request.document_id.file_name, request.document_id.sha256)]
            events |= request.contract_id._ledger_log(action, data, documents)
        return events

    # Sending ---------------------------------------------------------------------------

    def action_send(self):
        for request in self:
            request.check_access("write")
            request._lock()
            request._check_sendable()
            contract = request.contract_id
            approved = contract.approval_request_id.document_sha256
            document = contract.document_ids.filtered(lambda d, sha=approved: d.sha256 == sha)
            request._engine_write(
                {
                    "state": "sent",
                    "document_id": document[:1].id,
                    "sent_at": fields.Datetime.now(),
                }
            )
            prepared = request._prepare_document()
            request._log(
                "signing_sent",
                {
                    "signers": len(request.signer_ids),
                    "seal": request.seal_mode,
                    "prepared_sha256": hashlib.sha256(prepared).hexdigest(),
                },
            )
            request._open_next_order()
        return True

    # The document ----------------------------------------------------------------------

    def _prepare_document(self):
        """The approved PDF with an empty signature field for every signer and the seal.

        Fields are added as an incremental update, so the approved version's bytes stay the
        first revision of the signed file; they are all created now because a signature
        must not be followed by new fields (strict validators count that as a change).
        """
        from econtract.pdf.sign import add_signature_fields

        self.ensure_one()
        try:
            prepared = add_signature_fields(self.document_id._pdf_bytes(), self._field_places())
        except EContractError as error:
            raise UserError(
                _("The document cannot take signatures: %(error)s", error=error)
            ) from error
        self._store_working(prepared)
        return prepared

    def _field_places(self):
        """The signature fields: each signer over their party's signature block, the seal
        over ours (the first party's); see `econtract.pdf.placement`."""
        from econtract.pdf import Place
        from econtract.pdf.placement import lay_out_fields

        self.ensure_one()
        blocks = {
            name: Place(page, (x1, y1, x2, y2))
            for name, (page, x1, y1, x2, y2) in (self.document_id.signature_places or {}).items()
        }
        parties = self.contract_id.company_id.partner_id | self.contract_id.partner_ids
        signers = []
        for signer in self.signer_ids:
            index = signer._party_index(parties)
            signers.append((signer._field_name(), None if index is None else f"sign-party-{index}"))
        sealed = self.seal_mode != "none"
        return lay_out_fields(
            blocks, signers, seal=SEAL_FIELD if sealed else None, seal_block="sign-party-0"
        )

    def _store_working(self, data):
        """Keep ``data`` as the document being signed; every state is its own attachment."""
        self.ensure_one()
        signed = len(self.signer_ids.filtered(lambda s: s.state == "signed"))
        # The file stays on the request, frozen, where the contract's readers find it.
        attachment = self.env["ir.attachment"]._econtract_freeze(
            f"{self.contract_id.name}-signing-{self.id}-{signed}.pdf", data, self
        )
        self._engine_write(
            {
                "working_attachment_id": attachment.id,
                "working_sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        return attachment

    def _working_pdf(self):
        """The document being signed, checked against the hash the engine recorded."""
        self.ensure_one()
        # sudo: as above; the bytes are read to be signed or shown to this request's signers.
        data = self.working_attachment_id.sudo().raw or b""
        if not self.working_sha256 or hashlib.sha256(data).hexdigest() != self.working_sha256:
            raise UserError(
                _(
                    "The document being signed for %(name)s does not match its recorded "
                    "SHA-256: it is not shown or signed. Cancel this request and send a new one.",
                    name=self.contract_id.display_name,
                )
            )
        return data

    def _signed_once(self, key, signer_ref, make):
        """The working PDF signed by ``make(pdf) -> (pdf, serial)``, made once per ``key``.

        The HSM and the TSA are called only when no signature under ``key`` over exactly
        these bytes was made before; one made by an attempt that failed later is reused.
        """
        self.ensure_one()
        base = self._working_pdf()
        Attempt = self.env["econtract.sign.attempt"]
        recalled = Attempt._recall(key, base)
        if recalled:
            return recalled
        try:
            data, serial = make(base)
        except (TimestampUnavailable, TsaUnavailable, TokenUnavailable) as error:
            # An outage of a service signing depends on: the signer only needs to know that
            # nothing happened and when to come back; the log keeps the technical cause.
            _logger.warning("Signature for request %s not made: %s", self.id, error)
            raise UserError(
                _(
                    "The signing service is unavailable right now; nothing was signed. "
                    "Try again in a few minutes."
                )
            ) from error
        except EContractError as error:
            raise UserError(
                _(
                    "The signature could not be made; nothing was signed and you can try "
                    "again: %(error)s",
                    error=error,
                )
            ) from error
        Attempt._remember(key, base, data, serial, signer_ref, self.id)
        return data, serial

    def _lock(self):
        """Serialise the signatures of one request: each adds to the file the previous made.

        A waiting signer continues after the other commits; Odoo then retries its request
        (a serialisation failure), which finds the new file and signs on top of it.
        """
        self.ensure_one()
        lock_rows(self)

    @api.model
    def _signing_context(self):
        """The platform (token, CAs) and the TSA signatures are made with."""
        platform = self.env["econtract.platform"]
        tsa_url = platform._tsa_url()
        if not tsa_url:
            raise UserError(
                _("No time-stamping authority is configured: signatures need one (B-T).")
            )
        return platform._platform(), tsa_url

    @api.model
    def _trust_roots(self):
        """The CAs signatures are validated against: the platform's root, and those named in
        ``econtract_sign.trusted_ca`` (PEM certificates) for signers' own certificates."""
        from asn1crypto import pem, x509

        roots = [self.env["econtract.platform"]._published().root]
        # sudo: a system parameter the administrator sets.
        extra = self.env["ir.config_parameter"].sudo().get_param("econtract_sign.trusted_ca")
        if extra:
            for _kind, _headers, der in pem.unarmor(extra.encode(), multiple=True):
                roots.append(x509.Certificate.load(der))
        return roots

    # The company seal and the end ------------------------------------------------------

    def action_apply_seal(self):
        """A seal keeper applies the company seal to a request every signer has signed."""
        if not self.env.user.has_group("econtract_sign.group_econtract_seal"):
            raise AccessError(_("Using the company seal is reserved to seal keepers."))
        self.check_access("read")
        for request in self:
            company = request.contract_id.company_id
            # sudo: who keeps a company's seal is configuration, read to check the caller.
            if self.env.user not in company.sudo().econtract_seal_keeper_ids:
                raise AccessError(
                    _(
                        "You do not keep the seal of %(company)s: its own seal keepers apply it.",
                        company=company.name,
                    )
                )
            request._lock()
            if request.state != "sent" or request._current_order() is not None:
                raise UserError(_("The seal goes on after every signer has signed."))
            if request.seal_mode == "none":
                raise UserError(_("This request is signed without the company seal."))
            key = f"seal-{request.id}-{request.working_attachment_id.id}"
            # sudo: a seal keeper reads requests and writes none; their right to apply this
            # company's seal to this request was checked above, and the engine records it.
            sealing = request.sudo()
            sealing._seal(key)
            sealing._complete(key)
        return True

    def _seal(self, key):
        """The company seal, as the last signature (B-T, like the signers')."""
        from econtract.pdf.seal import png, render_seal
        from econtract.pdf.sign import Appearance, Level, SignatureRequest, sign_pdf

        self.ensure_one()
        platform, tsa_url = self._signing_context()
        # The contract's own company seals it, never another entity.
        seal = self.contract_id.company_id._econtract_seal()
        holder = seal.holder

        def make(base):
            signer = seal.signer(platform)
            request = SignatureRequest(
                field_name=SEAL_FIELD,
                level=Level.B_T,
                certify=not self._signature_count(),
                reason=_("Company seal"),
                name=holder,
                appearance=Appearance(image=png(render_seal(holder, size=300))),
            )
            data = sign_pdf(base, signer, request, tsa_url=tsa_url)
            return data, seal.serial

        data, serial = self._signed_once(key, 0, make)
        self._store_working(data)
        self._engine_write({"sealed_at": fields.Datetime.now(), "sealed_by_id": self.env.user.id})
        self._log("signing_sealed", {"certificate_serial": serial})

    def _signature_count(self):
        return len(self.signer_ids.filtered(lambda s: s.state == "signed")) + bool(self.sealed_at)

    def _ready_to_complete(self):
        """Every signer has signed; the seal is on or not wanted."""
        self.ensure_one()
        return self._current_order() is None and (self.sealed_at or self.seal_mode == "none")

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
        if self.seal_mode != "none":
            contract.company_id._econtract_seal()  # refuses a company without its own seal
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

    def action_download_signed(self):
        self.ensure_one()
        return self.signed_document_id.action_download()

    def action_download_certificate(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.certificate_attachment_id.id}?download=true",
            "target": "self",
        }

    def _current_order(self):
        self.ensure_one()
        unsigned = self.signer_ids.filtered(lambda s: s.state not in ("signed",))
        return min(unsigned.mapped("order"), default=None)

    def _open_next_order(self, key=None):
        """Invite the signers of the lowest order not yet signed; when none is left, seal
        (automatically) and complete, or wait for a seal keeper."""
        self.ensure_one()
        order = self._current_order()
        if order is None:
            if self.seal_mode == "auto" and not self.sealed_at:
                self._seal(f"{key or 'seal'}-seal")
            if self._ready_to_complete():
                self._complete(key or "complete")
            else:
                self._log("signing_awaiting_seal")
            return
        for signer in self.signer_ids.filtered(
            lambda s, order=order: s.order == order and s.state == "waiting"
        ):
            signer._invite()

    def _complete(self, key):
        """The working file, made B-LTA as a whole, becomes the contract's signed document
        version: what it takes to validate every signature goes into the file."""
        from econtract.pdf.sign import archive_pdf

        self.ensure_one()
        platform, tsa_url = self._signing_context()

        def make(base):
            return archive_pdf(base, tsa_url=tsa_url, trust_roots=self._trust_roots()), None

        data, _serial = self._signed_once(f"{key}-archive", 0, make)
        report = self._validate_final(data)
        self._store_working(data)
        contract = self.contract_id
        # sudo: portal signers complete requests; the version is the engine's to add.
        document = (
            self.env["econtract.contract.document"]
            .sudo()
            ._add_version(
                contract.sudo(),
                data,
                kind="signed",
                content_hash=self.document_id.content_hash,
                page_count=self.document_id.page_count,
                language=self.document_id.language,
                signature_places=self.document_id.signature_places,
            )
        )
        self._engine_write(
            {
                "state": "completed",
                "completed_at": fields.Datetime.now(),
                "signed_document_id": document.id,
            }
        )
        self.signer_ids._revoke_links()
        self._log("signing_completed", {"signed_sha256": document.sha256})
        self.contract_id._sign_on_completed(self)
        certificate = self._make_certificate(data, platform, report)
        self._mail_completed(certificate)

    def _validate_final(self, final):
        """The strict validation report of the finished file, from what it carries; a file
        that would not validate is never stored or handed out as signed."""
        from econtract.pdf.validate import validate_pdf

        report = validate_pdf(final, self._trust_roots(), allow_fetching=False, embedded=True)
        if not report.passed:
            raise UserError(
                _("The signed document does not validate:\n%(report)s", report=report.summary())
            )
        return report

    # The signing certificate and the last mail -----------------------------------------

    def _make_certificate(self, final, platform, report):
        """The signing certificate (签署证明) as a PDF attachment of the contract.

        Times are those of the signatures' time stamps, read back from the final file's
        validation ``report`` (`_validate_final`).
        """
        from econtract.pdf import PageLayout, render_pdf

        self.ensure_one()
        stamped = {s.field_name: s.timestamp or s.signing_time for s in report.signatures}
        contract = self.contract_id
        lang = contract._document_lang()
        request = self.with_context(lang=lang)
        methods = dict(
            request.env["econtract.signer"]
            ._fields["identity_method"]
            ._description_selection(request.env)
        )
        rows = []
        for signer in request.signer_ids.sorted(lambda s: (s.order, s.id)):
            # sudo: the certificate cites the signature's evidence entry by its index and
            # hash, whoever completes the request (a seal keeper does not read the log).
            event = signer.sudo().sign_event_id
            rows.append(
                {
                    "name": signer.partner_id.name,
                    "role": signer.role,
                    "identity": methods.get(signer.identity_method),
                    "time": _utc(stamped.get(signer._field_name())),
                    "ip": signer.signed_ip,
                    "agent": signer.signed_user_agent,
                    "serial": signer.certificate_serial,
                    "field": signer._field_name(),
                    "evidence": f"#{event.sequence} {event.leaf_hash}" if event else "",
                }
            )
        if self.sealed_at:
            seal = contract.company_id._econtract_seal()
            rows.append(
                {
                    "name": seal.holder,
                    "role": request.env._("Company seal"),
                    "identity": request.env._("The company's seal key in the HSM"),
                    "time": _utc(stamped.get(SEAL_FIELD)),
                    "ip": None,
                    "agent": None,
                    "serial": seal.serial,
                    "field": SEAL_FIELD,
                    "evidence": "",
                }
            )
        parties = contract.company_id.partner_id | contract.partner_ids
        html = request.env["ir.qweb"]._render(
            "econtract_sign.signing_certificate",
            {
                "contract": contract,
                "parties": "；".join(parties.mapped("name")),
                "approved_sha256": self.document_id.sha256,
                "signed_sha256": hashlib.sha256(final).hexdigest(),
                "completed": _utc(fields.Datetime.now()),
                "rows": rows,
            },
        )
        language = "zh" if (lang or "").startswith("zh") else "en"
        rendered = render_pdf(str(html), PageLayout(reference=contract.name, language=language))
        attachment = self.env["ir.attachment"]._econtract_freeze(
            f"{contract.name}-signing-certificate.pdf", rendered.data, contract
        )
        self._engine_write({"certificate_attachment_id": attachment.id})
        self._log(
            "signing_certificate_issued",
            {"sha256": rendered.sha256},
        )
        return attachment

    def _mail_completed(self, certificate):
        """The signed contract and its certificate to every signer, the CCs and the owner."""
        self.ensure_one()
        contract = self.contract_id
        recipients = (
            self.signer_ids.partner_id | self.cc_partner_ids | contract.user_id.partner_id
        ).filtered("email")
        body = self.env["ir.qweb"]._render(
            "econtract_sign.mail_signing_completed", {"contract": contract, "request_": self}
        )
        # sudo: the engine sends the signed contract to its parties, outside the chatter.
        clean(self.env["mail.mail"]).sudo().create(
            {
                "subject": _("%(contract)s is signed", contract=contract.name),
                "body_html": body,
                "recipient_ids": [Command.set(recipients.ids)],
                "attachment_ids": [
                    Command.set((self.signed_document_id.attachment_id | certificate).ids)
                ],
                "auto_delete": False,
            }
        )

    # Ending early ----------------------------------------------------------------------

    def action_cancel(self, reason=False):
        if not (reason or "").strip():
            raise ValidationError(_("Say why the signing request is cancelled."))
        self.check_access("write")
        for request in self:
            request._lock()
            if request.state not in ("draft", "sent"):
                raise UserError(_("Only a request that is not finished can be cancelled."))
            request._close("cancelled", reason)
            request._log("signing_cancelled", {"reason": reason})
        return True

    def _close(self, state, reason):
        """End the request early: open signers close, and every signing link stops working."""
        self.signer_ids.filtered(lambda s: s.state in ("waiting", "pending"))._close()
        self.signer_ids._revoke_links()
        self._engine_write({"state": state, "reason": reason})

    # Demo data ---------------------------------------------------------------------------

    @api.model
    def _demo_signing(self, signed_id, signed_partner_id, waiting_id, waiting_partner_id):
        """Demo data: two contracts through the real flow. Both are prepared, submitted by
        their owner and approved by the legal reviewer; the first is signed by its
        counterparty and sealed, the second waits for its signer. The demo signer's identity
        check is recorded as such, since no one can read the demo's e-mail code."""
        contracts = self.env["econtract.contract"].browse([signed_id, waiting_id])
        return self._demo_requests(contracts, (signed_partner_id, waiting_partner_id))

    @api.model
    def _demo_sign(self, contract_id, partner_id):
        """Demo data: one contract (a purchase contract drafted from its order) prepared,
        approved and signed by ``partner_id`` through the real flow."""
        contract = self.env["econtract.contract"].browse(contract_id)
        return self._demo_requests(contract, (partner_id,))

    @api.model
    def _demo_requests(self, contracts, partner_ids):
        """``contracts`` prepared and approved, each with a request to its partner of
        ``partner_ids``; the first request sent and signed."""
        # Translations are loaded after the modules: load this one's now, so the demo's
        # signing certificate and mails read as they will for real (in Chinese).
        langs = [code for code, _name in self.env["res.lang"].get_installed() if code != "en_US"]
        if langs:
            self.env["ir.module.module"]._load_module_terms(["econtract_sign"], langs)
        for contract in contracts:
            if contract.contract_type == "lease":
                contract.action_compute_rent_schedule()
            contract.action_apply_template()
            contract.action_render_document()
            contract.with_user(contract.user_id).action_submit_for_approval()
            for task in contract.approval_request_id.task_ids.filtered(
                lambda t: t.state == "pending"
            ):
                contract.with_user(task.user_id).action_approval_approve("同意（演示）")
        requests = self.create(
            [
                {
                    "contract_id": contract.id,
                    "signer_ids": [
                        Command.create({"partner_id": partner_id, "role": "乙方授权代表"})
                    ],
                }
                for contract, partner_id in zip(contracts, partner_ids, strict=True)
            ]
        )
        try:
            with self.env.cr.savepoint():
                companies = contracts.company_id.filtered(
                    lambda company: not company.econtract_seal_certificate
                )
                for company in companies:
                    company._econtract_create_seal()
                self._demo_send_and_sign(requests)
        except UserError as error:
            # Without the development PKI (HSM, TSA) the demo keeps its requests unsent.
            _logger.warning("Demo signing skipped: %s", error)
        return requests

    @api.model
    def _demo_send_and_sign(self, requests):
        requests.action_send()
        signer = requests[:1].signer_ids
        proof = signer._grant_identity({"demo": True})
        signer._sign(
            "demo-signature-0000000001",
            typed_name=signer.partner_id.name,
            consent=True,
            ip="192.0.2.10",
            agent="demo data",
            proof=proof,
        )

    @api.model
    def _cron_remind(self):
        """Remind signers who have not signed some days after their invitation."""
        # sudo: system parameter; the job reminds the signers of every company.
        days = int(
            self.env["ir.config_parameter"].sudo().get_param("econtract_sign.reminder_days", 3)
        )
        if days <= 0:
            return self.env["econtract.signer"]
        due = fields.Datetime.now() - timedelta(days=days)
        signers = (
            self.env["econtract.signer"]
            .sudo()  # sudo: as above
            .search(
                [
                    ("state", "=", "pending"),
                    ("request_id.state", "=", "sent"),
                    ("invited_at", "<", due),
                    "|",
                    ("reminded_at", "=", False),
                    ("reminded_at", "<", due),
                ]
            )
        )
        for signer in signers:
            signer._mail_invitation(reminder=True)
            signer._engine_write({"reminded_at": fields.Datetime.now()})
            signer.request_id._log("signing_reminded", signer=signer)
        return signers

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
