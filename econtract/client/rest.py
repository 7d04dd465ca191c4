"""The REST client: the standard library's HTTP, JSON in and out, retries made safe."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from .errors import ApiError, RateLimited, TransportError, error_for
from .models import (
    Contract,
    ContractSummary,
    DocumentVersion,
    Obligation,
    SignerSpec,
    SigningLink,
    SignRequest,
    Verification,
)

__all__ = ["Client"]

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_WAIT = 30.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are not followed: urllib would send the API key along, to any host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class _Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """econtract's REST API at ``base_url`` (the Odoo server), as the user of ``api_key``.

    ``lang`` words the server's messages (``zh-CN``, ``en``); ``retries`` is how often a
    request that may be repeated safely is tried again after a fault, waiting as the
    server says (``Retry-After``) or twice as long each time.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        lang: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = base_url.rstrip("/") + "/api/v1"
        self._key = api_key
        self.lang = lang
        self.timeout = timeout
        self.retries = retries
        self._sleep = sleep

    # ------------------------------------------------------------------ transport

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        idempotency_key: str | None = None,
    ) -> _Answer:
        url = self.base + path
        if query:
            pairs = [(k, v) for k, v in query.items() if v is not None]
            url += "?" + urllib.parse.urlencode(pairs, doseq=True)
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        if self.lang:
            headers["Accept-Language"] = self.lang
        data = None
        if files:
            data, headers["Content-Type"] = _multipart(files)
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False, default=_json_default).encode()
            headers["Content-Type"] = "application/json"
        if method == "POST":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        for attempt in range(self.retries + 1):
            try:
                answer = self._send(method, url, data, headers)
            except TransportError:
                if attempt == self.retries:
                    raise
                self._sleep(min(0.5 * 2**attempt, MAX_WAIT))
                continue
            if 300 <= answer.status < 400:
                where = answer.headers.get("Location", "?")
                raise TransportError(
                    f"{method} {url}: HTTP {answer.status} to {where}; redirects are not "
                    "followed (the API key would go along): use the address they name"
                )
            if answer.status < 400:
                return answer
            error = self._error(answer)
            if answer.status not in RETRIED_STATUSES or attempt == self.retries:
                raise error
            wait = error.retry_after if isinstance(error, RateLimited) else 0.5 * 2**attempt
            self._sleep(min(float(wait), MAX_WAIT))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, method: str, url: str, data: bytes | None, headers: dict[str, str]) -> _Answer:
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return _Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            return _Answer(exc.code, dict(exc.headers), exc.read())
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise TransportError(f"{method} {url}: {exc}") from exc

    def _error(self, answer: _Answer) -> ApiError:
        try:
            problem = answer.json()
        except ValueError:
            problem = None
        if not isinstance(problem, dict) or "code" not in problem:
            raise TransportError(f"not an answer of the API: HTTP {answer.status}")
        if "Retry-After" in answer.headers and "retry_after" not in problem:
            problem["retry_after"] = answer.headers["Retry-After"]
        return error_for(answer.status, problem)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    # ------------------------------------------------------------------ contracts

    def me(self) -> dict[str, Any]:
        """Who the key acts as: id, name, login, language and companies."""
        return dict(self._json("GET", "/me"))

    def contracts(
        self,
        *,
        state: str | Sequence[str] | None = None,
        type: str | None = None,  # the API's word
        partner_id: int | None = None,
        reference: str | None = None,
        q: str | None = None,
        page_size: int = 100,
    ) -> Iterator[ContractSummary]:
        """Every contract the key's user may read that matches, newest first; pages are
        fetched as the iteration needs them."""
        states = [state] if isinstance(state, str) else state
        query: dict[str, Any] = {
            "state": states,
            "type": type,
            "partner_id": partner_id,
            "reference": reference,
            "q": q,
            "limit": page_size,
        }
        while True:
            page = self._json("GET", "/contracts", query=query)
            yield from (ContractSummary.from_json(item) for item in page["items"])
            if not page.get("next_cursor"):
                return
            query["cursor"] = page["next_cursor"]

    def contract(self, contract_id: int) -> Contract:
        return Contract.from_json(self._json("GET", f"/contracts/{contract_id}"))

    def create_contract(
        self,
        template_version_id: int,
        title: str,
        partner_ids: Sequence[int],
        *,
        values: dict[str, str | int | float | Decimal | date | None] | None = None,
        amount: Decimal | None = None,
        currency: str | None = None,
        date_start: date | None = None,
        date_end: date | None = None,
        idempotency_key: str | None = None,
    ) -> Contract:
        """Draft a contract from a template version. Pass your own ``idempotency_key``
        (an order number) to be safe across runs of your script, not only retries."""
        body = {
            "template_version_id": template_version_id,
            "title": title,
            "partner_ids": list(partner_ids),
            "values": dict(values or {}),
            "amount": amount,
            "currency": currency,
            "date_start": date_start,
            "date_end": date_end,
        }
        body = {k: v for k, v in body.items() if v is not None}
        answer = self._json("POST", "/contracts", body=body, idempotency_key=idempotency_key)
        return Contract.from_json(answer)

    def render(self, contract_id: int) -> DocumentVersion:
        return DocumentVersion.from_json(self._json("POST", f"/contracts/{contract_id}/render"))

    def submit(self, contract_id: int) -> Contract:
        return Contract.from_json(self._json("POST", f"/contracts/{contract_id}/submit"))

    def document(self, contract_id: int, version: int) -> bytes:
        return self._request("GET", f"/contracts/{contract_id}/documents/{version}").body

    # ------------------------------------------------------------------ signing

    def send_for_signature(
        self,
        contract_id: int,
        signers: Sequence[SignerSpec],
        *,
        cc_partner_ids: Sequence[int] = (),
        seal_mode: str = "auto",
        send: bool = True,
        idempotency_key: str | None = None,
    ) -> SignRequest:
        body = {
            "signers": [signer.to_json() for signer in signers],
            "cc_partner_ids": list(cc_partner_ids),
            "seal_mode": seal_mode,
            "send": send,
        }
        answer = self._json(
            "POST",
            f"/contracts/{contract_id}/sign-requests",
            body=body,
            idempotency_key=idempotency_key,
        )
        return SignRequest.from_json(answer)

    def sign_request(self, request_id: int) -> SignRequest:
        return SignRequest.from_json(self._json("GET", f"/sign-requests/{request_id}"))

    def signing_link(self, request_id: int, signer_id: int) -> SigningLink:
        path = f"/sign-requests/{request_id}/signers/{signer_id}/link"
        return SigningLink.from_json(self._json("POST", path))

    def signed_pdf(self, contract_id: int) -> bytes:
        return self._request("GET", f"/contracts/{contract_id}/signed.pdf").body

    def certificate(self, contract_id: int) -> bytes:
        return self._request("GET", f"/contracts/{contract_id}/certificate.pdf").body

    def evidence(self, contract_id: int) -> bytes:
        return self._request("GET", f"/contracts/{contract_id}/evidence.zip").body

    def verify(self, pdf: bytes, file_name: str = "document.pdf") -> Verification:
        answer = self._json("POST", "/verify", files={"file": (file_name, pdf, "application/pdf")})
        return Verification.from_json(answer)

    # ------------------------------------------------------------------ fulfilment

    def record_event(
        self, contract_id: int, event: str, day: date, note: str | None = None
    ) -> Contract:
        body = {"event": event, "date": day, "note": note}
        path = f"/contracts/{contract_id}/events"
        return Contract.from_json(self._json("POST", path, body=body))

    def fulfil(
        self,
        obligation_id: int,
        note: str,
        *,
        reference: str | None = None,
        day: date | None = None,
        idempotency_key: str | None = None,
    ) -> Obligation:
        """Report an obligation fulfilled; use the payment's own id as ``idempotency_key``."""
        body = {"note": note, "reference": reference, "date": day}
        body = {k: v for k, v in body.items() if v is not None}
        answer = self._json(
            "POST",
            f"/obligations/{obligation_id}/fulfil",
            body=body,
            idempotency_key=idempotency_key,
        )
        return Obligation.from_json(answer)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _multipart(files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for field, (name, data, kind) in files.items():
        quoted = urllib.parse.quote(name)
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f"filename=\"{quoted}\"; filename*=UTF-8''{quoted}\r\n"
            f"Content-Type: {kind}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"
