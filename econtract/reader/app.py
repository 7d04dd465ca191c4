"""The ASGI application: status reads answered here, everything else forwarded to Odoo."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

from .calls import Call, CallLog
from .db import Database, PgDatabase
from .keys import KeyCache
from .rates import RateLeases
from .status import ScopeCache

_logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_ID = 2**31 - 1  # PostgreSQL integers, as the API's path ids
STATUS_PATH = re.compile(r"/api/v1/contracts/([1-9][0-9]{0,9})/status")
# Hop-by-hop headers (RFC 9110, 7.6.1) and those the forwarding sets itself.
HOP_BY_HOP = frozenset(
    {
        b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te",
        b"trailer", b"transfer-encoding", b"upgrade", b"host",
    }
)  # fmt: skip
MAX_BUFFERED = 25 * 1024 * 1024  # a chunked body is gathered for Odoo, within its default limit
# What the service fronts: the APIs, and Odoo's health check for whoever watches it.
FORWARDED = ("/api/v1/", "/soap/")
HEALTH = "/web/health"
# A dot segment or an empty one: a client-side normaliser could make it another path.
UNSAFE_PATH = re.compile(rb"(^|/)(\.|%2e){1,2}(/|$)|//", re.IGNORECASE)
FORWARD_TIMEOUT = 600.0  # Odoo's own limit on a request's real time


def _problem(status: int, code: str, title: str) -> bytes:
    return json.dumps(
        {"type": f"urn:econtract:problem:{code}", "title": title, "status": status, "code": code}
    ).encode()


NOT_HERE = _problem(404, "not_found", "There is no such resource here.")
BAD_REQUEST = _problem(400, "invalid_request", "The request's path or headers are not valid.")
BAD_GATEWAY = _problem(
    502,
    "upstream_unavailable",
    "The contract service is unavailable; nothing was changed. Try again later.",
)
TOO_LARGE = _problem(413, "payload_too_large", "The body is too large.")


class ReadService:
    """See the package's docstring. ``odoo_url`` is where Odoo serves ``/api/v1``; run
    Odoo with ``proxy_mode`` behind it, so that it logs and throttles the callers' addresses
    (``X-Forwarded-For``), not this service's."""

    def __init__(
        self,
        db: Database,
        odoo_url: str,
        *,
        rates_db: Database | None = None,
        log_task: bool = True,
    ) -> None:
        import httpx2

        self.db = db
        self.keys = KeyCache(db)
        self.scopes = ScopeCache(db)
        self.rates = RateLeases(db, rows=rates_db)
        self.calls = CallLog(db)
        self.log_task = log_task
        self.odoo = httpx2.AsyncClient(
            base_url=odoo_url.rstrip("/"),
            timeout=FORWARD_TIMEOUT,
            follow_redirects=False,
            trust_env=False,
            limits=httpx2.Limits(max_connections=200, max_keepalive_connections=100),
        )
        # Only what the caller sent: no Accept, Accept-Encoding or User-Agent of httpx2's own.
        for name in list(self.odoo.headers):
            del self.odoo.headers[name]
        self.answered = self.forwarded = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            started = time.perf_counter()
            try:
                body = await self._status(scope, started)
            except Exception:  # Odoo answers it: the service is a shortcut, never the judge
                _logger.exception("status read failed; forwarding %s", scope["path"])
                body = None
            if body is None:
                self.forwarded += 1
                await self._forward(scope, receive, send)
                return
            self.answered += 1
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-content-type-options", b"nosniff"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        # websockets: none here

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.start()
                except Exception as exc:  # reported to the server, which stops
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def start(self) -> None:
        if isinstance(self.db, PgDatabase):
            await self.db.open()
        if self.log_task:
            self.calls.start()

    async def stop(self) -> None:
        await self.calls.stop()
        await self.odoo.aclose()
        await self.db.close()

    # ------------------------------------------------------------------ the read

    async def _status(self, scope: Scope, started: float) -> bytes | None:
        """The answer to a status read, when this service may give it; else None."""
        if scope["method"] != "GET" or scope.get("query_string") or _has_body(scope):
            return None
        path = STATUS_PATH.fullmatch(scope["path"])
        if path is None or int(path[1]) > MAX_ID or self.calls.full:
            return None
        token = _bearer(scope)
        if token is None:
            return None
        client = scope.get("client") or ("", 0)
        grant = await self.keys.grant(token, client[0])
        if grant is None:
            return None
        user_scope = await self.scopes.get(grant.user_id)
        if user_scope is None:
            return None
        row = await self.db.fetchone(
            user_scope.sql,
            {"key_id": grant.key_id, "key_hash": grant.key_hash, "contract_id": int(path[1])},
        )
        if row is None:
            return None
        uid, signals, status = row
        if uid != grant.user_id:
            self.keys.forget(token)  # revoked, expired, or its user deactivated
            return None
        if signals != user_scope.signals:
            self.scopes.forget(grant.user_id)  # Odoo's rules moved: Odoo answers, and recompiles
            return None
        if status is None or not await self.rates.take(grant.bucket):
            return None  # not readable (Odoo says 404), or over the rate (Odoo says 429)
        self.calls.add(
            Call(
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                grant.user_id,
                grant.company_id,
                grant.key_index,
                "GET",
                scope["path"].removeprefix("/api/v1")[:512],
                200,
                round((time.perf_counter() - started) * 1000, 2),
                client[0],
            )
        )
        return str(status).encode()

    # ------------------------------------------------------------ the forwarding

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Odoo's answer to the request, streamed both ways."""
        import httpx2

        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = scope["path"]
        if not (path.startswith(FORWARDED) or path == HEALTH):
            await _send_whole(send, 404, PROBLEM_HEADERS, NOT_HERE)
            return
        if UNSAFE_PATH.search(raw_path) or not dict(scope["headers"]).get(b"host"):
            await _send_whole(send, 400, PROBLEM_HEADERS, BAD_REQUEST)
            return
        headers = _forward_headers(scope)
        target = raw_path
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        content = await _request_body(scope, receive)
        if content is _TOO_LARGE:
            await _send_whole(send, 413, PROBLEM_HEADERS, TOO_LARGE)
            return
        request = self.odoo.build_request(scope["method"], "/", headers=headers, content=content)
        # The path as the caller sent it: httpx2 would resolve dot segments in a URL.
        request.url = request.url.copy_with(raw_path=target)
        try:
            answer = await self.odoo.send(request, stream=True)
        except httpx2.HTTPError as exc:
            _logger.warning("Odoo did not answer %s %s: %s", scope["method"], scope["path"], exc)
            await _send_whole(send, 502, PROBLEM_HEADERS, BAD_GATEWAY)
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": answer.status_code,
                    "headers": [
                        (k, v) for k, v in answer.headers.raw if k.lower() not in HOP_BY_HOP
                    ],
                }
            )
            async for chunk in answer.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await answer.aclose()


_FORWARDING = frozenset({b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"})
PROBLEM_HEADERS = [
    (b"content-type", b"application/problem+json"),
    (b"x-content-type-options", b"nosniff"),
]


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        name = name.lower()
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


_TOO_LARGE = b"\0too large"  # a sentinel: no body is this object


def _forward_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    """The request's headers for Odoo: end-to-end ones, and who the caller is."""
    client = scope.get("client") or ("", 0)
    forwarded_for = ", ".join(
        [v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"x-forwarded-for"]
        + [client[0]]
    )
    drop = HOP_BY_HOP | _FORWARDING
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in drop]
    headers += [
        (b"x-forwarded-for", forwarded_for.encode("latin-1")),
        (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
    ]
    # Always: Odoo's proxy mode takes X-Forwarded-For only beside X-Forwarded-Host.
    headers.append((b"x-forwarded-host", dict(scope["headers"]).get(b"host") or b""))
    return headers


async def _request_body(scope: Scope, receive: Receive) -> AsyncIterator[bytes] | bytes | None:
    """The body for Odoo: streamed when its length is known; gathered (within
    `MAX_BUFFERED`, else `_TOO_LARGE`) when sent in chunks, which Odoo's server takes not."""

    async def body() -> AsyncIterator[bytes]:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            yield message.get("body", b"")
            if not message.get("more_body"):
                return

    names = {k.lower() for k, _v in scope["headers"]}
    if b"content-length" in names:
        return body()
    if b"transfer-encoding" not in names:
        return None
    gathered = bytearray()
    async for chunk in body():
        gathered += chunk
        if len(gathered) > MAX_BUFFERED:
            return _TOO_LARGE
    return bytes(gathered)


def _bearer(scope: Scope) -> str | None:
    """The bearer token of the one Authorization header; None when there are several
    (Odoo's server joins them, and its gate refuses the result)."""
    values = [value for name, value in scope["headers"] if name.lower() == b"authorization"]
    if len(values) != 1:
        return None
    scheme, _sep, token = values[0].decode("latin-1").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def _send_whole(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def from_environ() -> ReadService:
    """The service as ``econtract reader`` configures it, from the environment:
    ``ECONTRACT_READER_DSN`` (a libpq connection string of Odoo's database),
    ``ECONTRACT_READER_ODOO`` (Odoo's URL) and ``ECONTRACT_READER_POOL`` (connections)."""
    dsn = os.environ["ECONTRACT_READER_DSN"]
    odoo = os.environ["ECONTRACT_READER_ODOO"]
    pool = int(os.environ.get("ECONTRACT_READER_POOL", "8"))
    return ReadService(PgDatabase(dsn, size=pool), odoo)
