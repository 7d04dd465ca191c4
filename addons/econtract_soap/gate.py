"""The SOAP service's gate: the REST API's (`econtract_api.gate`) in SOAP's dialect.

What holds for REST holds here, from the same code: the body limit, API keys acting as
their user, per-key rate limits, idempotency keys, rollback of a refused request, the
operation log. What differs:

- the request is parsed first (`econtract.soap.xmlsafe`: no DTD, entity, processing
  instruction or external reference; bounded size, depth and element count), since the key
  may be inside it;
- the key comes from the HTTP ``Authorization: Bearer`` header, the ``ApiKey`` SOAP header,
  or a WS-Security ``UsernameToken`` (the user's login; the key as ``PasswordText``:
  Odoo keeps only a hash of each key, so a ``PasswordDigest`` cannot be checked);
- errors are SOAP faults (HTTP 500, as WS-I's Basic Profile requires), ``soap:Client`` or
  ``soap:Server``, whose detail is a ``Problem`` with the REST API's stable code;
- an idempotency key (HTTP header or ``IdempotencyKey`` SOAP header) applies to operations
  that write, and a replay must repeat the operation element, canonicalised, not the whole
  envelope (a WS-Security header may differ between retries).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from lxml import etree

from odoo.addons.econtract_api.gate import ApiGate, Response
from odoo.addons.econtract_api.problems import TITLES, ApiProblem

from econtract.soap import envelope as soap
from econtract.soap import xmlsafe

from .soap import binding
from .soap.operations import OPERATIONS, Error, Operation, Problem
from .soap.wsdl import action

SCOPE_KEY = "econtract.soap"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
TOKEN_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{TOKEN_PROFILE}#PasswordText"
API_KEY = f"{{{binding.NS}}}ApiKey"
IDEMPOTENCY_KEY = f"{{{binding.NS}}}IdempotencyKey"
SECURITY = f"{{{WSSE}}}Security"
UNDERSTOOD = frozenset({API_KEY, IDEMPOTENCY_KEY, SECURITY})
DEFAULT_MAX_BODY = xmlsafe.DEFAULT_LIMITS.max_bytes
FAULT_CODES = {"must_understand": "MustUnderstand", "version_mismatch": "VersionMismatch"}


@dataclass(frozen=True)
class SoapRequest:
    envelope: soap.Envelope
    operation: Operation


def _header_text(request: SoapRequest, tag: str) -> str | None:
    block = request.envelope.header(tag)
    return (block.text or "").strip() if block is not None else None


class SoapGate(ApiGate):
    """ASGI middleware: see the module's docstring."""

    def _public(self, scope, route: str) -> bool:
        return scope["method"] in ("GET", "HEAD")  # the WSDL

    def _body_limit(self, env) -> int:
        # sudo: the limit is configuration the caller may not read.
        return int(
            env["ir.config_parameter"].sudo().get_param("econtract_soap.max_body_bytes")
            or DEFAULT_MAX_BODY
        )

    def _answer(self, env, problem: ApiProblem) -> Response:
        errors = problem.extensions.get("errors") or []
        detail = Problem(
            code=problem.code,
            status=problem.status,
            title=env._(TITLES[problem.code]),
            detail=problem.detail,
            retry_after=problem.extensions.get("retry_after"),
            errors=[
                Error(
                    location=".".join(map(str, error.get("location") or ())),
                    type=error.get("type"),
                    message=error.get("message"),
                )
                for error in errors
            ],
        )
        code = FAULT_CODES.get(problem.code, "Client" if problem.status < 500 else "Server")
        body = soap.fault(
            code,
            problem.detail or detail.title,
            lang=(env.lang or "en_US").replace("_", "-"),
            detail=binding.write(None, "Problem", detail),
        )
        headers = [(b"content-type", b"text/xml; charset=utf-8")]
        headers += [
            (name.lower().encode(), value.encode())
            for name, value in problem.headers.items()
            if name.lower() == "retry-after"
        ]
        return Response(soap.FAULT_STATUS, headers, body)

    def _check_media_type(self, headers: dict[str, str], body: bytes) -> None:
        """Checked before the body is parsed, in `_authorised`."""

    def _require_xml(self, env, headers: dict[str, str]) -> None:
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/soap+xml":
            raise ApiProblem(415, "version_mismatch")
        if kind != "text/xml":
            raise ApiProblem(
                415, "unsupported_media_type", env._("SOAP 1.1 requests are sent as text/xml.")
            )

    async def _authorised(self, env, scope, body: bytes, call) -> Response:
        headers = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        # Faults before the key is known are worded in the language the caller asks for.
        call.lang = self._accepted_lang(env, headers)
        try:
            self._require_xml(env, headers)
            request = self._read(env, body, headers.get("soapaction"))
        except ApiProblem:
            self._throttle(env, f"anonymous:{call.remote_addr}")
            raise
        scope[SCOPE_KEY] = request
        call.path = f"{call.path}/{request.operation.name}"
        return await super()._authorised(env, scope, body, call)

    def _read(self, env, body: bytes, soap_action: str | None) -> SoapRequest:
        limits = xmlsafe.Limits(max_bytes=self._body_limit(env))
        try:
            envelope = soap.read_envelope(xmlsafe.parse(body, limits))
        except xmlsafe.MalformedXml as exc:
            raise ApiProblem(400, "malformed_xml", str(exc)) from exc
        except xmlsafe.XmlTooLarge as exc:
            raise ApiProblem(413, "payload_too_large", str(exc)) from exc
        except xmlsafe.XmlForbidden as exc:
            raise ApiProblem(400, "xml_forbidden", str(exc)) from exc
        except soap.VersionMismatch as exc:
            raise ApiProblem(400, "version_mismatch", str(exc)) from exc
        except soap.EnvelopeError as exc:
            raise ApiProblem(400, "invalid_request", str(exc)) from exc
        if missing := envelope.not_understood(UNDERSTOOD):
            raise ApiProblem(400, "must_understand", ", ".join(missing))
        qname = etree.QName(envelope.operation)
        operation = OPERATIONS.get(qname.localname) if qname.namespace == binding.NS else None
        if operation is None:
            raise ApiProblem(400, "unknown_operation", qname.text)
        wanted = (soap_action or "").strip().strip('"')
        if wanted and wanted != action(operation.name):
            raise ApiProblem(
                400,
                "invalid_request",
                env._(
                    "The SOAPAction %(action)s is not that of %(operation)s.",
                    action=wanted,
                    operation=operation.name,
                ),
            )
        return SoapRequest(envelope, operation)

    def _credentials(self, scope, headers: dict[str, str]) -> tuple[str, str | None]:
        if headers.get("authorization"):
            return super()._credentials(scope, headers)
        request: SoapRequest = scope[SCOPE_KEY]
        key = _header_text(request, API_KEY)
        if key:
            return key, None
        security = request.envelope.header(SECURITY)
        if security is not None:
            return self._username_token(security)
        raise ApiProblem(401, "unauthenticated")

    def _username_token(self, security) -> tuple[str, str]:
        unchecked = [
            etree.QName(child).localname
            for child in security
            if isinstance(child.tag, str)
            and child.tag not in (f"{{{WSSE}}}UsernameToken", f"{{{WSU}}}Timestamp")
        ]
        if unchecked:
            # A signature or encrypted key would be taken for checked when it is not.
            raise ApiProblem(
                401,
                "unauthenticated",
                "The Security header may hold a UsernameToken and a Timestamp only; "
                f"this service does not check {', '.join(unchecked)}.",
            )
        expires = security.findtext(f"{{{WSU}}}Timestamp/{{{WSU}}}Expires")
        if expires:
            try:
                moment = dt.datetime.fromisoformat(expires.strip().replace("Z", "+00:00"))
            except ValueError as exc:
                raise ApiProblem(401, "unauthenticated", "The Timestamp is malformed.") from exc
            if moment.tzinfo is None or moment < dt.datetime.now(dt.UTC):
                raise ApiProblem(401, "unauthenticated", "The message's Timestamp has expired.")
        token = security.find(f"{{{WSSE}}}UsernameToken")
        if token is None:
            raise ApiProblem(401, "unauthenticated", "The Security header has no UsernameToken.")
        username = (token.findtext(f"{{{WSSE}}}Username") or "").strip()
        password = token.find(f"{{{WSSE}}}Password")
        if not username or password is None or not (password.text or "").strip():
            raise ApiProblem(401, "unauthenticated")
        if password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
            raise ApiProblem(
                401,
                "unauthenticated",
                "Only PasswordText is accepted: the server keeps a hash of each API key, "
                "never the key, so a digest of it cannot be checked. Use HTTPS.",
            )
        return password.text.strip(), username

    def _idempotency_key(self, scope, headers: dict[str, str], call) -> str | None:
        request: SoapRequest = scope[SCOPE_KEY]
        if not request.operation.writes:
            return None
        return headers.get("idempotency-key") or _header_text(request, IDEMPOTENCY_KEY)

    def _digest(self, scope, body: bytes) -> str:
        request: SoapRequest = scope[SCOPE_KEY]
        canonical = etree.tostring(request.envelope.operation, method="c14n")
        return hashlib.sha256(b"soap\0" + canonical).hexdigest()
