"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers carries a stable ``code`` a client can branch on, the same in
every language, and a ``title`` and ``detail`` in the caller's language. The codes are the
API's promise; titles and details may be reworded.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

PROBLEM_TYPE = "urn:econtract:problem:{code}"
MEDIA_TYPE = "application/problem+json"

TITLES = {
    "unauthenticated": _lt("The request has no valid API key."),
    "forbidden": _lt("The API key's user may not do this."),
    "not_found": _lt("There is no such resource, or the API key's user may not see it."),
    "method_not_allowed": _lt("This resource does not take this method."),
    "malformed_json": _lt("The body is not valid JSON."),
    "invalid_request": _lt("The request does not match the API's schema."),
    "invalid_cursor": _lt("The page cursor is not one this API gave."),
    "invalid_value": _lt("A value of the request is not one the API takes."),
    "rejected": _lt("The operation was refused by a rule of the contract or its state."),
    "idempotency_key_reused": _lt("The idempotency key was used for a different request."),
    "idempotency_in_progress": _lt("A request with this idempotency key is not finished."),
    "invalid_idempotency_key": _lt("The idempotency key is not valid."),
    "payload_too_large": _lt("The body is too large."),
    "unsupported_media_type": _lt("The body must be JSON (or a multipart form for files)."),
    "rate_limited": _lt("Too many requests with this API key; retry after the time given."),
    "internal_error": _lt("The server failed; nothing was changed. Try again later."),
    # SOAP's own
    "malformed_xml": _lt("The body is not well-formed XML."),
    "xml_forbidden": _lt("The body uses a DTD, an entity or a processing instruction."),
    "unknown_operation": _lt("The service has no such operation."),
    "must_understand": _lt("A header the request requires to be understood is not."),
    "version_mismatch": _lt("The service speaks SOAP 1.1 only."),
}


class ApiProblem(Exception):
    """An error answered to the caller: HTTP ``status``, a code of :data:`TITLES`,
    an optional ``detail`` (already in the caller's language) and extension members."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        assert code in TITLES, code
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    def body(self, env) -> bytes:
        """The problem document, titled in ``env``'s language."""
        document = {
            "type": PROBLEM_TYPE.format(code=self.code),
            "title": env._(TITLES[self.code]),
            "status": self.status,
            "code": self.code,
        }
        if self.detail:
            document["detail"] = self.detail
        document.update(self.extensions)
        return json.dumps(document, ensure_ascii=False, default=str).encode()


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Pydantic's errors without the input they echo (it can be large, or a secret)."""
    return [
        {
            "location": list(error.get("loc", ())),
            "type": error.get("type"),
            "message": error.get("msg"),
        }
        for error in exc.errors()
    ]


def as_problem(env, exc: Exception) -> ApiProblem | None:
    """The problem that answers ``exc``; None for a fault the server must handle itself
    (a database error Odoo retries, a bug), which the gate answers as an internal error."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, RequestValidationError):
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            return ApiProblem(400, "malformed_json", errors=_validation_errors(exc))
        return ApiProblem(422, "invalid_request", errors=_validation_errors(exc))
    if isinstance(exc, HTTPException):
        if exc.status_code == 404:
            return ApiProblem(404, "not_found")
        if exc.status_code == 405:
            return ApiProblem(405, "method_not_allowed")
        if 400 <= exc.status_code < 500:  # a body the parsers could not read (multipart…)
            return ApiProblem(400, "invalid_request", str(exc.detail))
        return None
    # Odoo's messages are translated where they are raised, in the caller's language.
    if isinstance(exc, MissingError):
        return ApiProblem(404, "not_found")
    if isinstance(exc, AccessError | AccessDenied):
        # Odoo's text names groups, rules and records; the code and title say enough.
        return ApiProblem(403, "forbidden")
    # ValidationError included: the models raise both for their rules and their states.
    if isinstance(exc, UserError):
        return ApiProblem(422, "rejected", str(exc.args[0]))
    return None
