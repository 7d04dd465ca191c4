import base64
import binascii
import logging
import secrets
from urllib.parse import quote

from odoo import _, _lt, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from econtract.identity.codes import Outcome

from ..models.econtract_signer import CertificateNotAccepted

_logger = logging.getLogger(__name__)

#: ``data:`` URL prefix of the signature pad's drawing.
PNG_DATA_URL = "data:image/png;base64,"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Largest PKCS#12 file a signer may bring (a key and a few certificates).
MAX_CERTIFICATE = 64 * 1024
#: Largest file the public verification page examines.
MAX_SIZE = 20 * 1024 * 1024


class SigningPortal(http.Controller):
    """The signing page of one signer, reached by the link in their invitation.

    The link's token is the only credential: every route checks it in constant time and
    answers 404 for anything else, so a token for one signer opens nothing of another's.
    Work is done as superuser because visitors are public or portal users who have no
    rights on signing records; each route does only what the token's signer may do.
    """

    @staticmethod
    def _proof_key(signer):
        return f"econtract_identity_{signer.id}"

    def _proof(self, signer):
        """The proof of this browser session's identity check for ``signer``, if any."""
        return request.session.get(self._proof_key(signer))

    def _keep_proof(self, signer, proof):
        """An identity check passed here belongs to this browser session only."""
        request.session[self._proof_key(signer)] = proof

    MESSAGES = {
        "sent": _lt("A code is on its way to you."),
        "verified": _lt("Thank you: you may sign now."),
        "signed": _lt("You have signed. Everybody receives the signed contract by e-mail."),
        "declined": _lt("You declined to sign. The sender has been told."),
    }

    def _signer(self, signer_id, token):
        # sudo: the token checked below is the visitor's authority; see the class docstring.
        signer = request.env["econtract.signer"].sudo().browse(signer_id).exists()
        if not signer or not signer._check_token(token):
            raise request.not_found()
        return signer

    def _page(self, signer, message=None, error=None):
        values = {
            # The page wears the contract's company (logo, name), not the default one.
            "res_company": signer.contract_id.company_id,
            "signer": signer,
            "request_": signer.request_id,
            "contract": signer.contract_id,
            # sudo: already proven by the visitor; empty once the request is over.
            "token": signer.sudo().access_token,
            "message": message,
            "error": error,
            "identity_fresh": signer._identity_fresh(self._proof(signer)),
            "idempotency_key": secrets.token_urlsafe(24),
            "consent_text": signer._consent_text(),
        }
        return request.render("econtract_sign.signing_page", values)

    def _redirect(self, signer, token, **query):
        url = f"/econtract/sign/{signer.id}/{token}"
        if query:
            url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
        return request.redirect(url)

    @http.route(
        "/econtract/sign/<int:signer_id>/<string:token>", type="http", auth="public", website=False
    )
    def page(self, signer_id, token, notice=None, **_kwargs):
        signer = self._signer(signer_id, token)
        signer._mark_viewed(_client_ip(), _user_agent())
        message = self.MESSAGES.get(notice)
        return self._page(signer, message=str(message) if message else None)

    @http.route(
        "/econtract/sign/<int:signer_id>/<string:token>/document.pdf",
        type="http",
        auth="public",
    )
    def document(self, signer_id, token, **_kwargs):
        """The document as it is being signed: the approved version and signatures so far."""
        signer = self._signer(signer_id, token)
        data = signer.request_id._working_pdf()
        if not data:
            raise request.not_found()
        return request.make_response(
            data,
            headers=[
                ("Content-Type", "application/pdf"),
                # Inline, so that it shows in the page (Odoo's helper only makes downloads).
                (
                    "Content-Disposition",
                    f"inline; filename*=UTF-8''{quote(signer.contract_id.name, safe='')}.pdf",
                ),
                ("X-Content-Type-Options", "nosniff"),
            ],
        )

    @http.route(
        "/econtract/sign/<int:signer_id>/<string:token>/code",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def send_code(self, signer_id, token, member="", **_kwargs):
        signer = self._signer(signer_id, token)
        try:
            person = None
            if member:
                person = signer.env["res.partner"].browse(int(member)) if member.isdigit() else None
                if not person or person not in signer.partner_id | signer.member_ids:
                    raise UserError(_("Only a member of the signing group may sign for it."))
            signer._send_code(member=person)
        except UserError as error:
            return self._page(signer, error=str(error))
        return self._redirect(signer, token, notice="sent")

    @http.route(
        "/econtract/sign/<int:signer_id>/<string:token>/verify",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def verify(self, signer_id, token, code="", **_kwargs):
        signer = self._signer(signer_id, token)
        try:
            check = signer._verify_code(code.strip())
        except UserError as error:
            return self._page(signer, error=str(error))
        if check.outcome is Outcome.VERIFIED:
            self._keep_proof(signer, check.proof)
            return self._redirect(signer, token, notice="verified")
        return self._page(signer, error=signer._outcome_message(check.outcome))

    @http.route(
        "/econtract/sign/<int:signer_id>/<string:token>/sign",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def sign(
        self,
        signer_id,
        token,
        key="",
        typed_name="",
        drawing="",
        consent="",
        certificate=None,
        passphrase="",
        **_kwargs,
    ):
        signer = self._signer(signer_id, token)
        try:
            signer._sign(
                key,
                typed_name=typed_name,
                drawing=_png(drawing),
                consent=bool(consent),
                ip=_client_ip(),
                agent=_user_agent(),
                certificate=certificate.read(MAX_CERTIFICATE) if certificate else None,
                passphrase=passphrase,
                proof=self._proof(signer),
            )
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            request.env.invalidate_all()
            if isinstance(error, CertificateNotAccepted):
                # Kept (this response commits): a refused certificate is a failed check.
                signer._log_certificate_refused(str(error))
            return self._page(signer, error=str(error))
        return self._after(signer, token, "signed")

    @http.route(
        "/econtract/sign/<int:signer_id>/<string:token>/decline",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def decline(self, signer_id, token, reason="", **_kwargs):
        signer = self._signer(signer_id, token)
        try:
            signer._decline(reason, proof=self._proof(signer))
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            request.env.invalidate_all()
            return self._page(signer, error=str(error))
        return self._after(signer, token, "declined")

    def _after(self, signer, token, notice):
        """Back to the page; when that ended the request, its links open nothing any more,
        so this answer is the last page the link shows."""
        request.session.pop(self._proof_key(signer), None)
        if signer._check_token(token):
            return self._redirect(signer, token, notice=notice)
        return self._page(signer, message=str(self.MESSAGES[notice]))


def _png(data_url):
    """The signature pad's PNG, or None; anything else is refused, not guessed at."""
    if not data_url:
        return None
    if not data_url.startswith(PNG_DATA_URL):
        raise ValidationError(_("The drawn signature is not a PNG image."))
    try:
        data = base64.b64decode(data_url[len(PNG_DATA_URL) :], validate=True)
    except binascii.Error as error:
        raise ValidationError(_("The drawn signature could not be read.")) from error
    if not data.startswith(PNG_SIGNATURE):
        raise ValidationError(_("The drawn signature is not a PNG image."))
    return data


def _client_ip():
    return request.httprequest.remote_addr


def _user_agent():
    return request.httprequest.user_agent.string or ""


class VerificationPage(http.Controller):
    """Anyone may check a signed PDF here: the engine's strict validation, in plain words."""

    @http.route("/econtract/verify", type="http", auth="public", methods=["GET"])
    def form(self, **_kwargs):
        return request.render("econtract_sign.verification_page", {"result": None})

    @http.route("/econtract/verify", type="http", auth="public", methods=["POST"])
    def check(self, document=None, **_kwargs):
        # sudo: the page is public; the model only counts and validates.
        Verification = request.env["econtract.sign.verification"].sudo()
        data = document.read(MAX_SIZE + 1) if document else b""
        if not data:
            error = _("Choose a PDF file to check.")
        elif len(data) > MAX_SIZE:
            error = _("The file is larger than 20 MB.")
        else:
            error = None
        if error:
            return request.render("econtract_sign.verification_page", {"error": error})
        if not Verification._claim(_client_ip(), data):
            response = request.render(
                "econtract_sign.verification_page",
                {"result": None, "error": _("Too many checks: try again in a few minutes.")},
            )
            response.status_code = 429
            return response
        try:
            result = Verification._verify(data)
        except UserError as problem:
            return request.render("econtract_sign.verification_page", {"error": str(problem)})
        except Exception:
            _logger.warning("Verification of an uploaded file failed", exc_info=True)
            return request.render(
                "econtract_sign.verification_page",
                {"error": _("This file could not be examined: it is not a PDF we can read.")},
            )
        return request.render("econtract_sign.verification_page", {"result": result})
