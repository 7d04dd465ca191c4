"""Posting a webhook body to a subscriber's URL, as a careful sender does.

- The host is resolved once and every address it resolves to is checked; the connection
  goes to the checked address (the certificate is still checked against the host name), so
  a name cannot be re-pointed at an internal service between the check and the request.
- Private, loopback, link-local, multicast and reserved addresses are refused unless the
  caller allows them (a receiver on the company's own network); public receivers need
  https.
- Redirects are not followed: a 3xx is an answer like any other, not a new destination.
- Only the start of the answer is read; a receiver cannot make the sender hold megabytes.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import random
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from econtract.errors import EContractError

__all__ = [
    "AddressRefused",
    "Answer",
    "DeliveryError",
    "Outcome",
    "backoff",
    "check_url",
    "fetch",
    "post",
]

MAX_ANSWER = 64 * 1024
EXCERPT = 2000


class DeliveryError(EContractError):
    """The body could not be delivered: no connection, a TLS failure, a timeout. Worth
    trying again later."""


class AddressRefused(DeliveryError):
    """The URL is not one webhooks may be sent to: a scheme other than http(s), user
    information in it, plain http to the internet, or an address that is private, loopback
    or otherwise not public while those are not allowed."""


@dataclass(frozen=True)
class Outcome:
    """The receiver's answer: its status, the start of its body, how long it took."""

    status: int
    excerpt: str
    duration_ms: float
    address: str

    @property
    def delivered(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str


def check_url(url: str, *, allow_private: bool = False) -> _Target:
    """The parts of ``url`` if webhooks may be sent there; raise `AddressRefused` otherwise.

    An address in the URL is checked here; a name's addresses when sending, since they may
    change."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"The URL is malformed: {exc}.") from exc
    if not url.isascii():
        raise AddressRefused("The URL has characters other than ASCII: encode them (%xx, IDNA).")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefused(
            "A webhook URL starts with https:// (or http:// on a private network)."
        )
    if not parts.hostname:
        raise AddressRefused("The URL names no host.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("The URL may not carry a user name or password.")
    if port == 0:
        raise AddressRefused("The URL's port is 0.")
    if scheme == "http" and not allow_private:
        raise AddressRefused("Webhooks to the internet use https.")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None  # a name: its addresses are checked when sending
    if literal is not None and not allow_private and not _public(literal):
        raise AddressRefused(f"{literal} is not a public address.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable, and so is any IPv4 address the IPv6 one carries (mapped, 6to4,
    NAT64): cloud metadata (100.100.100.200, 169.254.169.254) and private networks are not."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not _public(embedded):
            return False
        if address.teredo:
            return False
    return address.is_global and not address.is_multicast


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _resolve(target: _Target, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryError(f"{target.host} could not be resolved: {exc}.") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise DeliveryError(f"{target.host} resolves to no address.")
    if not allow_private:
        refused = [a for a in addresses if not _public(ipaddress.ip_address(a.split("%")[0]))]
        if refused:
            raise AddressRefused(
                f"{target.host} is not a public address: it resolves to a reserved one."
            )
    return addresses[0]


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to a fixed address, speaking to (and checking TLS for) the
    URL's host name."""

    def __init__(
        self, target: _Target, address: str, timeout: float, context: ssl.SSLContext | None
    ) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.default_port = 443 if context is not None else 80
        self._address = address
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._context is not None:
            sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock


def _cut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """The deadline passed: end the exchange, so that whatever read waits returns."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class Answer:
    """A whole answer (`fetch`): status, headers (names in lower case), body."""

    status: int
    headers: dict[str, str]
    content: bytes
    duration_ms: float
    address: str


def fetch(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = 10.0,
    allow_private: bool = False,
    context: ssl.SSLContext | None = None,
    max_answer: int = 10 * 1024 * 1024,
    truncate: bool = False,
) -> Answer:
    """One request to ``url`` under the rules of `check_url`, to the address checked; the
    answer whatever its status. An answer longer than ``max_answer`` is cut there when
    ``truncate``, else refused (`DeliveryError`): a client of a SOAP service needs all of
    it or nothing."""
    target = check_url(url, allow_private=allow_private)
    address = _resolve(target, allow_private)
    tls = (context or ssl.create_default_context()) if target.scheme == "https" else None
    started = time.perf_counter()
    connection = _PinnedConnection(target, address, timeout, tls)
    # ``timeout`` bounds the whole exchange, not each read: a peer that drips a byte at a
    # time would otherwise hold the sender for as long as it likes.
    expired = threading.Event()
    watchdog = threading.Timer(timeout, _cut, (connection, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request(method, target.path, body=body, headers=dict(headers or {}))
        answer = connection.getresponse()
        data = answer.read(max_answer + 1)
        status = answer.status
        received = {name.lower(): value for name, value in answer.getheaders()}
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # ValueError: what http.client refuses to send (a header with a line break…).
        if expired.is_set():
            raise DeliveryError(f"No whole answer within {timeout:g} s.") from exc
        raise DeliveryError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
    finally:
        watchdog.cancel()
        connection.close()
    if expired.is_set():
        raise DeliveryError(f"No whole answer within {timeout:g} s.")
    if len(data) > max_answer:
        if not truncate:
            raise DeliveryError(f"The answer is longer than {max_answer} bytes.")
        data = data[:max_answer]
    duration = round((time.perf_counter() - started) * 1000, 2)
    return Answer(status, received, data, duration, address)


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float = 10.0,
    allow_private: bool = False,
    context: ssl.SSLContext | None = None,
) -> Outcome:
    """POST ``body`` (JSON) with ``headers`` to ``url``; the receiver's `Outcome`, whatever
    its status. Raise `AddressRefused` for a URL webhooks may not go to, `DeliveryError`
    when no answer came."""
    answer = fetch(
        "POST",
        url,
        body,
        {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "econtract-webhooks/1",
            **headers,
        },
        timeout=timeout,
        allow_private=allow_private,
        context=context,
        max_answer=MAX_ANSWER,
        truncate=True,
    )
    excerpt = answer.content.decode("utf-8", "replace")[:EXCERPT]
    return Outcome(answer.status, excerpt, answer.duration_ms, answer.address)


def backoff(
    attempt: int,
    *,
    base: float = 60.0,
    cap: float = 3600.0,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before attempt ``attempt + 1`` after ``attempt`` failed: doubling
    from ``base``, at most ``cap``, and between half and all of that (so that receivers
    that were down together are not all retried in the same second)."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return float(delay / 2 + delay / 2 * jitter())
