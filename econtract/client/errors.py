"""What the API refused, by its stable problem codes (RFC 9457 ``code`` member)."""

from __future__ import annotations

from typing import Any

from econtract.errors import EContractError

__all__ = [
    "ApiError",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "Refused",
    "TransportError",
    "Unauthenticated",
    "error_for",
]


class ApiError(EContractError):
    """The API answered an error: ``status``, its problem ``code``, title and detail (in
    the language asked for), and the problem document itself."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.code = str(problem.get("code") or "unknown")
        self.title = str(problem.get("title") or "")
        self.detail = str(problem.get("detail") or "")
        self.problem = problem
        super().__init__(f"{status} {self.code}: {self.detail or self.title}")


class Unauthenticated(ApiError):
    """No key, a wrong one, or a revoked or expired one."""


class NotFound(ApiError):
    """No such record, or one the key's user may not see."""


class InvalidRequest(ApiError):
    """The request broke the API's schema or took a value it does not (``errors`` lists
    pydantic's findings for schema errors)."""

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.problem.get("errors") or [])


class Refused(ApiError):
    """A rule of the contract or its state refused the operation; nothing changed."""


class RateLimited(ApiError):
    """Too many calls with this key; ``retry_after`` seconds to wait."""

    @property
    def retry_after(self) -> int:
        return int(self.problem.get("retry_after") or 1)


class TransportError(EContractError):
    """The server could not be reached, or answered something that is not the API."""


_BY_CODE: dict[str, type[ApiError]] = {
    "unauthenticated": Unauthenticated,
    "not_found": NotFound,
    "invalid_request": InvalidRequest,
    "malformed_json": InvalidRequest,
    "invalid_value": InvalidRequest,
    "invalid_cursor": InvalidRequest,
    "invalid_idempotency_key": InvalidRequest,
    "idempotency_key_reused": InvalidRequest,
    "payload_too_large": InvalidRequest,
    "unsupported_media_type": InvalidRequest,
    "rejected": Refused,
    "forbidden": Refused,
    "rate_limited": RateLimited,
}


def error_for(status: int, problem: dict[str, Any]) -> ApiError:
    """The error class of ``problem``'s code; :class:`ApiError` for codes it does not know."""
    return _BY_CODE.get(str(problem.get("code")), ApiError)(status, problem)
