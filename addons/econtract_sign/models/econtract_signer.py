import base64
import hashlib
import re
import secrets
from datetime import UTC, timedelta
from typing import NamedTuple

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.econtract_base.models.econtract_guard_mixin import clean

from econtract.errors import EContractError
from econtract.identity.codes import Challenge, CodePolicy, Outcome, issue, verify
from econtract.identity.sms import SmsGateway, send_sms
from econtract.identity.totp import TotpState, verify_totp

#: How long a passed identity check lets the signer sign.
IDENTITY_VALIDITY = timedelta(minutes=15)
CODE_POLICY = CodePolicy()
#: What a caller's idempotency key may look like (the signing page makes one per page view).
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: A drawn signature is a small PNG; anything bigger is not one.
MAX_DRAWING = 512 * 1024


def _aware(value):
    return value.replace(tzinfo=UTC) if value else None


class CertificateNotAccepted(ValidationError):
    """The signer's own certificate failed the identity check: nothing was signed."""


class IdentityCheck(NamedTuple):
    """The outcome of a code check and, when it passed, the proof of it.

    The proof is a secret for the one browser session (or call) that passed the check: the
    signer record keeps only its hash, so anyone else holding the signing link — or reading
    the record — cannot sign in the verified person's name.
    """

    outcome: Outcome
    proof: str | None = None


def _digest(proof):
    return hashlib.sha256(proof.encode()).hexdigest()


class EcontractSigner(models.Model):
    """Who signs a request, in which order, and how they prove who they are."""

    _name = "econtract.signer"
    _inherit = ["econtract.guard.mixin"]
    _description = "Contract Signer"
    _order = "request_id, order, id"
    # Who signs, in which order, how they prove who they are: the sender's, while the
    # request is a draft. The request is fixed at creation; the rest is the engine's.
    _guard_parent = "request_id"
    _guard_write = {
        "draft": frozenset(
            {"partner_id", "user_id", "member_ids", "role", "order", "identity_method", "phone"}
        )
    }
    _guard_create = _guard_write["draft"] | {"request_id"}
    _guard_unlink = frozenset({"draft"})

    request_id = fields.Many2one(
        "econtract.sign.request", required=True, ondelete="cascade", index=True
    )
    contract_id = fields.Many2one(related="request_id.contract_id", store=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Signer", required=True)
    user_id = fields.Many2one(
        "res.users", string="Internal User", help="Set when the signer is one of our users."
    )
    member_ids = fields.Many2many(
        "res.partner",
        string="Signing Group",
        help="Any one of these people may sign in this signer's place.",
    )
    role = fields.Char(help="For example 甲方授权代表 or Tenant.")
    order = fields.Integer(
        default=1,
        required=True,
        help="Signers with the same number sign in parallel; higher numbers sign after.",
    )
    identity_method = fields.Selection(
        [
            ("email", "E-mail code"),
            ("sms", "SMS code"),
            ("totp", "Authenticator app (internal users)"),
            ("certificate", "Own certificate (PKCS#12 file)"),
        ],
        string="Identity Check",
        required=True,
        default="email",
    )
    phone = fields.Char(help="For SMS codes, in international form (+86…).")
    state = fields.Selection(
        [
            ("waiting", "Waiting for earlier signers"),
            ("pending", "To sign"),
            ("signed", "Signed"),
            ("declined", "Declined"),
            ("closed", "Closed"),
        ],
        default="waiting",
        required=True,
        readonly=True,
        index=True,
    )
    access_token = fields.Char(readonly=True, copy=False, groups="base.group_system")
    invited_at = fields.Datetime(readonly=True)
    viewed_at = fields.Datetime(readonly=True, help="When the signer first opened the link.")
    reminded_at = fields.Datetime(readonly=True)
    signed_at = fields.Datetime(readonly=True)
    signed_by_id = fields.Many2one("res.partner", string="Signed By", readonly=True)
    acting_partner_id = fields.Many2one(
        "res.partner",
        string="Signing For the Group",
        readonly=True,
        help="The member of the signing group who asked for the current code.",
    )
    decline_reason = fields.Char(readonly=True)
    signature_kind = fields.Selection(
        [("drawn", "Drawn"), ("typed", "Typed")], readonly=True, help="How the signature looks."
    )
    certificate_serial = fields.Char(
        readonly=True, help="Serial number of the one-time certificate the signature was made with."
    )
    signed_ip = fields.Char(string="Signed From", readonly=True)
    signed_user_agent = fields.Char(string="Browser", readonly=True)
    sign_event_id = fields.Many2one(
        "econtract.ledger.event", string="Evidence", readonly=True, ondelete="restrict"
    )
    identity_verified_at = fields.Datetime(readonly=True)
    identity_proof_digest = fields.Char(
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="SHA-256 of the proof the session that passed the identity check holds.",
    )
    # The current one-time code, as the identity module keeps it: a keyed hash, never the code.
    code_salt = fields.Binary(attachment=False, readonly=True, groups="base.group_system")
    code_digest = fields.Binary(attachment=False, readonly=True, groups="base.group_system")
    code_issued_at = fields.Datetime(readonly=True)
    code_expires_at = fields.Datetime(readonly=True)
    code_attempts = fields.Integer(readonly=True)
    code_used_at = fields.Datetime(readonly=True)
    code_locked_until = fields.Datetime(readonly=True)
    totp_last_counter = fields.Integer(
        readonly=True, help="The last authenticator time step used: a code works once."
    )

    _sql_constraints = [
        ("order_positive", 'CHECK ("order" >= 1)', "Signing order numbers start at 1."),
    ]

    @api.constrains("partner_id", "user_id")
    def _check_user_partner(self):
        for signer in self:
            if signer.user_id and signer.user_id.partner_id != signer.partner_id:
                raise ValidationError(
                    _(
                        "%(user)s signs as themselves: an internal signer's contact is the "
                        "user's own, not %(partner)s.",
                        user=signer.user_id.name,
                        partner=signer.partner_id.name,
                    )
                )

    @api.constrains("identity_method", "phone", "user_id")
    def _check_identity_method(self):
        for signer in self:
            if signer.identity_method == "totp" and not signer.user_id:
                raise ValidationError(
                    _(
                        "%(name)s is no internal user: authenticator codes are for users.",
                        name=signer.partner_id.name,
                    )
                )
            if signer.identity_method == "sms" and not (signer.phone or signer.partner_id.mobile):
                raise ValidationError(
                    _("%(name)s needs a mobile number for SMS codes.", name=signer.partner_id.name)
                )

    def _evidence_identity(self):
        self.ensure_one()
        return {
            "signer": self.id,
            "partner": {"id": self.partner_id.id, "name": self.partner_id.name},
            "acting": (
                {"id": self.acting_partner_id.id, "name": self.acting_partner_id.name}
                if self.acting_partner_id
                else None
            ),
            "role": self.role or None,
            "order": self.order,
            "identity_method": self.identity_method,
        }

    # Invitation ------------------------------------------------------------------------

    def _invite(self):
        for signer in self:
            signer.sudo()._engine_write(  # sudo: the token field is for administrators only
                {
                    "state": "pending",
                    "invited_at": fields.Datetime.now(),
                    "access_token": secrets.token_urlsafe(32),
                }
            )
            signer.request_id._log("signing_invited", signer=signer)
            signer._mail_invitation()

    def _mail_invitation(self, reminder=False):
        """The link to the signing page, to the signer's own address only."""
        self.ensure_one()
        partner = self.partner_id
        lang = self.contract_id._installed_lang(partner.lang)
        signer = self.with_context(lang=lang)
        body = (
            self.env["ir.qweb"]
            .with_context(lang=lang)
            ._render(
                "econtract_sign.mail_signing_invitation",
                {
                    "signer": signer,
                    "contract": signer.contract_id,
                    "url": f"{self.get_base_url()}{self._signing_url()}",
                    "reminder": reminder,
                    "expires": signer.request_id.expires_at,
                },
            )
        )
        subject = (
            signer.env._("Reminder: please sign %(contract)s", contract=self.contract_id.name)
            if reminder
            else signer.env._("Please sign %(contract)s", contract=self.contract_id.name)
        )
        # sudo: the signing link goes to the signer (and the members of their signing group)
        # only, never through the chatter, where anyone following the contract would read it.
        clean(self.env["mail.mail"]).sudo().create(
            [
                {
                    "subject": subject,
                    "body_html": body,
                    "email_to": recipient.email_formatted,
                    "auto_delete": True,
                }
                for recipient in (partner | self.member_ids).filtered("email")
            ]
        )

    def _close(self):
        self._engine_write({"state": "closed"})

    def _revoke_links(self):
        """The request is over: its signing links open nothing any more."""
        # sudo: the token field is for administrators only.
        self.sudo()._engine_write({"access_token": False, "identity_proof_digest": False})

    def _mark_viewed(self, ip, agent):
        """The first opening of the link is evidence that the invitation arrived."""
        self.ensure_one()
        if self.viewed_at or self.state != "pending":
            return
        self._engine_write({"viewed_at": fields.Datetime.now()})
        self.request_id._log(
            "signing_viewed", {"ip": ip, "user_agent": (agent or "")[:250] or None}, self
        )

    def _consent_text(self):
        self.ensure_one()
        return _(
            "I have read %(contract)s and sign it with an electronic signature. I agree that "
            "it has the same legal effect as my handwritten signature (PRC Electronic "
            "Signature Law, Article 14), and that my name, the time, my IP address and my "
            "browser are recorded as evidence of this signature.",
            contract=self.contract_id.name,
        )

    @api.model
    def _outcome_message(self, outcome):
        return {
            Outcome.WRONG: _("That code is not right. Check it and try again."),
            Outcome.EXPIRED: _("That code has expired. Ask for a new one."),
            Outcome.USED: _("That code was used already. Ask for a new one."),
            Outcome.LOCKED: _("Too many wrong codes. Wait a while, then ask for a new one."),
        }.get(outcome, _("The code could not be checked."))

    def _signing_url(self):
        self.ensure_one()
        # sudo: the token is readable by administrators only; the engine builds the link.
        return f"/econtract/sign/{self.id}/{self.sudo().access_token}"

    def _check_token(self, token):
        """Whether ``token`` is this signer's: compared in constant time."""
        self.ensure_one()
        # sudo: as above; the token is compared here, never shown.
        expected = self.sudo().access_token or ""
        return bool(token) and bool(expected) and secrets.compare_digest(token, expected)

    # Identity --------------------------------------------------------------------------

    @api.model
    def _code_key(self):
        """The server key one-time codes are hashed under; made once, kept as a parameter."""
        # sudo: a system parameter only the engine reads.
        parameters = self.env["ir.config_parameter"].sudo()
        key = parameters.get_param("econtract_sign.code_key")
        if not key:
            key = secrets.token_hex(32)
            parameters.set_param("econtract_sign.code_key", key)
        return bytes.fromhex(key)

    def _challenge(self):
        self.ensure_one()
        # sudo: the code's hash is readable by administrators only; the engine checks it.
        signer = self.sudo()
        if not signer.code_digest:
            return None
        return Challenge(
            salt=bytes(signer.code_salt),
            digest=bytes(signer.code_digest),
            issued_at=_aware(signer.code_issued_at),
            expires_at=_aware(signer.code_expires_at),
            attempts=signer.code_attempts,
            used_at=_aware(signer.code_used_at),
            locked_until=_aware(signer.code_locked_until),
        )

    def _store_challenge(self, challenge):
        def naive(value):
            return value.replace(tzinfo=None) if value else False

        # sudo: the code's hash is for the engine only.
        self.sudo()._engine_write(
            {
                "code_salt": challenge.salt,
                "code_digest": challenge.digest,
                "code_issued_at": naive(challenge.issued_at),
                "code_expires_at": naive(challenge.expires_at),
                "code_attempts": challenge.attempts,
                "code_used_at": naive(challenge.used_at),
                "code_locked_until": naive(challenge.locked_until),
            }
        )

    def _check_open(self):
        self.ensure_one()
        if self.request_id.state != "sent" or self.state != "pending":
            raise UserError(_("This signature is not open: it is not your turn, or it is over."))

    def _signing_partner(self):
        """Who signs: the signer, or the member of their signing group who asked for the
        code."""
        self.ensure_one()
        return self.acting_partner_id or self.partner_id

    def _send_code(self, member=None):
        """Issue a new one-time code and send it by the signer's method; for a signing
        group, to the ``member`` who will sign (a new code for another member replaces it)."""
        self.ensure_one()
        self._check_open()
        if member:
            if member != self.partner_id and member not in self.member_ids:
                raise UserError(_("Only a member of the signing group may sign for it."))
            acting = member if member != self.partner_id else self.env["res.partner"]
            if acting != self.acting_partner_id:
                # Another person: what the previous one proved does not cover them.
                self.sudo()._engine_write(  # sudo: the proof's hash is for the engine only
                    {
                        "acting_partner_id": acting.id,
                        "identity_verified_at": False,
                        "identity_proof_digest": False,
                    }
                )
        if self.identity_method == "totp":
            raise UserError(_("Use the code your authenticator app shows; nothing is sent."))
        if self.identity_method == "certificate":
            raise UserError(_("Sign with your certificate file; nothing is sent."))
        now = fields.Datetime.now().replace(tzinfo=UTC)
        try:
            code, challenge = issue(CODE_POLICY, self._code_key(), now, self._challenge())
        except EContractError as error:
            raise UserError(str(error)) from error
        text = _(
            "Your code to sign %(contract)s is %(code)s. It is valid for %(minutes)s minutes; "
            "never give it to anybody.",
            contract=self.contract_id.name,
            code=code,
            minutes=int(CODE_POLICY.lifetime.total_seconds() // 60),
        )
        if self.identity_method == "sms":
            try:
                send_sms(self._sms_gateway(), self._sms_number(), text)
            except EContractError as error:
                raise UserError(
                    _("The code could not be sent by SMS: %(error)s", error=error)
                ) from error
        else:
            self._mail_code(text)
        self._store_challenge(challenge)
        self.request_id._log("identity_code_sent", signer=self)

    def _mail_code(self, text):
        # sudo: the code goes to the signer's address only, never through the chatter.
        clean(self.env["mail.mail"]).sudo().create(
            {
                "subject": _("Your signing code for %(contract)s", contract=self.contract_id.name),
                "body_html": f"<p>{text}</p>",
                "email_to": self._signing_partner().email_formatted,
                "auto_delete": True,
            }
        ).send()

    def _sms_number(self):
        if self.acting_partner_id:
            return self.acting_partner_id.mobile
        return self.phone or self.partner_id.mobile

    @api.model
    def _sms_gateway(self):
        # sudo: gateway settings are system parameters.
        parameters = self.env["ir.config_parameter"].sudo()
        url = parameters.get_param("econtract_sign.sms_url")
        if not url:
            raise UserError(_("No SMS gateway is configured (econtract_sign.sms_url)."))
        return SmsGateway(
            url=url,
            token=parameters.get_param("econtract_sign.sms_token") or None,
            sender=parameters.get_param("econtract_sign.sms_sender") or None,
        )

    def _verify_code(self, code):
        """Check a code; store the outcome (wrong attempts count even though nothing else
        changes) and return it as an `IdentityCheck`, with the proof when it passed. Never
        raises for a wrong code: the caller shows the outcome and the request commits, so
        the attempt is not rolled back with an error."""
        self.ensure_one()
        self._check_open()
        if self.identity_method == "totp":
            return self._verify_totp(code)
        challenge = self._challenge()
        if challenge is None:
            return IdentityCheck(Outcome.EXPIRED)
        now = fields.Datetime.now().replace(tzinfo=UTC)
        outcome, after = verify(CODE_POLICY, self._code_key(), challenge, code or "", now)
        self._store_challenge(after)
        return self._log_identity(outcome, after.attempts)

    def _log_identity(self, outcome, attempts):
        if outcome is Outcome.VERIFIED:
            return IdentityCheck(outcome, self._grant_identity())
        self.request_id._log(
            "identity_failed", {"outcome": str(outcome), "attempts": attempts}, self
        )
        return IdentityCheck(outcome)

    def _grant_identity(self, payload=None):
        """Record a passed identity check and return its proof: a secret for the session
        that passed it, which `_sign` and `_decline` ask for (the record keeps its hash)."""
        self.ensure_one()
        proof = secrets.token_urlsafe(32)
        # sudo: the proof's hash is for the engine only.
        self.sudo()._engine_write(
            {"identity_verified_at": fields.Datetime.now(), "identity_proof_digest": _digest(proof)}
        )
        self.request_id._log("identity_verified", payload, self)
        return proof

    def _verify_totp(self, code):
        """An authenticator code of the signer's Odoo account (auth_totp's secret), checked
        by `econtract.identity.totp` under the same limits as sent codes."""
        # sudo: the TOTP secret is readable by nobody; the engine checks a code against it.
        user = self.user_id.sudo()
        if not user.totp_enabled:
            raise UserError(
                _("%(name)s has no authenticator app set up in their account.", name=user.name)
            )
        state = TotpState(
            last_counter=self.totp_last_counter,
            attempts=self.code_attempts,
            locked_until=_aware(self.code_locked_until),
        )
        now = fields.Datetime.now().replace(tzinfo=UTC)
        outcome, after = verify_totp(
            CODE_POLICY, base64.b32decode(user.totp_secret), code or "", now, state
        )
        self._engine_write(
            {
                "totp_last_counter": after.last_counter,
                "code_attempts": after.attempts,
                "code_locked_until": after.locked_until.replace(tzinfo=None)
                if after.locked_until
                else False,
            }
        )
        return self._log_identity(outcome, after.attempts)

    def _identity_fresh(self, proof):
        """Whether ``proof`` is that of this signer's identity check, passed in the last
        `IDENTITY_VALIDITY`."""
        self.ensure_one()
        # sudo: the proof's hash is for the engine only; it is compared here, never shown.
        expected = self.sudo().identity_proof_digest or ""
        return bool(
            proof
            and expected
            and secrets.compare_digest(_digest(proof), expected)
            and self.identity_verified_at
            and fields.Datetime.now() - self.identity_verified_at <= IDENTITY_VALIDITY
        )

    # Signing ---------------------------------------------------------------------------

    def _field_name(self):
        self.ensure_one()
        return f"signer-{self.id}"

    def _party_index(self, parties):
        """Which of the document's parties (ours first) this signer signs for, if any."""
        self.ensure_one()
        if self.user_id:
            return 0
        commercial = self.partner_id.commercial_partner_id
        for index, party in enumerate(parties):
            if party.commercial_partner_id == commercial:
                return index
        return None

    def _identity_reference(self):
        """What the identity check established, for the certificate's serialNumber: the
        method and a hash of the address it went to, never the address itself."""
        self.ensure_one()
        address = {
            "email": self._signing_partner().email or "",
            "sms": self._sms_number() or "",
            "totp": self.user_id.login or "",
            "certificate": self._signing_partner().name or "",
        }[self.identity_method]
        digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
        return f"{self.identity_method.upper()}:{digest}"

    def _sign(
        self,
        key,
        *,
        typed_name=None,
        drawing=None,
        consent=False,
        ip=None,
        agent=None,
        certificate=None,
        passphrase=None,
        proof=None,
    ):
        """Sign this signer's field of the request's document, once.

        ``key`` identifies the caller's attempt: a retried request with the same key reuses
        the signature made in the token instead of making another. The request is locked,
        so parallel signers add their signatures one after the other to the same file.
        A signer whose identity check is their own certificate passes ``certificate`` (a
        PKCS#12 file) and ``passphrase``: it is checked, then signs, and is never stored;
        any other signer passes the ``proof`` their identity check returned.
        """
        from econtract.pdf.sign import Appearance, Level, SignatureRequest, sign_pdf
        from econtract.pki.events import event_signer

        self.ensure_one()
        if not IDEMPOTENCY_KEY.fullmatch(key or ""):
            raise ValidationError(_("The signing form is incomplete; reload the page."))
        if not consent:
            raise ValidationError(_("Confirm that you agree to sign electronically."))
        if drawing and len(drawing) > MAX_DRAWING:
            raise ValidationError(_("The drawn signature is too large."))
        if not drawing and not (typed_name or "").strip():
            raise ValidationError(_("Draw your signature or type your name."))
        request = self.request_id
        request._lock()
        self.invalidate_recordset()
        request.invalidate_recordset()
        self._check_open()
        if request._current_order() != self.order:
            raise UserError(_("Earlier signers have not signed yet."))
        platform, tsa_url = request._signing_context()
        own = (
            self._own_signer(certificate, passphrase)
            if self.identity_method == "certificate"
            else None
        )
        if own is None and not self._identity_fresh(proof):
            raise UserError(_("Prove who you are first."))
        person = self._signing_partner()
        name = (typed_name or "").strip() or person.name
        lines = (name, self.role, "{time}") if self.role else (name, "{time}")

        def make(base):
            if own is not None:
                return sign_pdf(base, own, signature_request(), tsa_url=tsa_url), format(
                    own.signing_cert.serial_number, "x"
                )
            with event_signer(
                platform,
                name=person.name,
                identity=self._identity_reference(),
                contract_reference=self.contract_id.name,
            ) as signer:
                data = sign_pdf(base, signer, signature_request(), tsa_url=tsa_url)
                return data, format(signer.signing_cert.serial_number, "x")

        def signature_request():
            return SignatureRequest(
                field_name=self._field_name(),
                level=Level.B_T,
                certify=not request._signature_count(),
                reason=_("Signed by %(name)s", name=person.name),
                name=person.name,
                appearance=Appearance(lines=lines, image=drawing or None),
            )

        data, serial = request._signed_once(f"{self.id}-{key}", self.id, make)
        request._store_working(data)
        self.sudo()._engine_write(  # sudo: the proof's hash is for the engine only
            {
                "identity_proof_digest": False,
                "state": "signed",
                "signed_at": fields.Datetime.now(),
                "signed_by_id": person.id,
                "signature_kind": "drawn" if drawing else "typed",
                "certificate_serial": serial,
                "signed_ip": ip,
                "signed_user_agent": (agent or "")[:250] or False,
            }
        )
        events = request._log(
            "signed",
            {
                "certificate_serial": serial,
                "signature": self.signature_kind,
                "ip": ip,
                "user_agent": self.signed_user_agent or None,
                "signed_sha256": hashlib.sha256(data).hexdigest(),
            },
            self,
        )
        self._engine_write({"sign_event_id": events[:1].id})
        if request._current_order() != self.order:
            request._open_next_order(key=f"{self.id}-{key}")
        return True

    def _log_certificate_refused(self, reason):
        """A refused certificate is a failed identity check: evidence, like a wrong code.
        Called after the refused attempt was rolled back (the signature never happened)."""
        self.ensure_one()
        self.request_id._log(
            "identity_failed", {"outcome": "certificate_refused", "reason": reason}, self
        )

    def _own_signer(self, certificate, passphrase):
        """The signer's own certificate, checked as their identity; the check is evidence."""
        from econtract.identity.certificate import check_own_certificate
        from econtract.pdf.sign import pkcs12_signer

        self.ensure_one()
        if not certificate:
            raise ValidationError(_("Choose your certificate file (.p12 or .pfx)."))
        try:
            signer = pkcs12_signer(certificate, (passphrase or "").encode())
            identity = check_own_certificate(
                signer.signing_cert,
                expected_name=self._signing_partner().name,
                trust_roots=self.request_id._trust_roots(),
                # The path is built from what is given, fetching nothing: the file's own
                # certificates and the platform's issuing CA.
                intermediates=[
                    *signer.cert_registry,
                    self.env["econtract.platform"]._published().issuing,
                ],
            )
        except EContractError as error:
            raise CertificateNotAccepted(
                _("Your certificate cannot be used: %(error)s", error=error)
            ) from error
        self._grant_identity(
            {
                "certificate": {
                    "subject": identity.name,
                    "serial": identity.serial,
                    "issuer": identity.issuer,
                }
            }
        )
        return signer

    # Declining -------------------------------------------------------------------------

    def _decline(self, reason, proof=None):
        self.ensure_one()
        self._check_open()
        if not (reason or "").strip():
            raise ValidationError(_("Say why you decline to sign."))
        if not self._identity_fresh(proof):
            raise UserError(_("Prove who you are first."))
        self._engine_write({"state": "declined", "decline_reason": reason})
        request = self.request_id
        request._log("signing_declined", {"reason": reason}, self)
        request._close("declined", reason)
