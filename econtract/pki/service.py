"""The platform's public PKI endpoints over HTTP: time stamps, CRLs, OCSP, CA certificates.

Validators reach these at the URLs written into every certificate, so they must answer for
as long as signatures are checked. One small threaded server serves them all:

=====================  ======================================================
``POST /tsa``          RFC 3161 (``application/timestamp-query``)
``GET /crl/<ca>.crl``  the CA's current CRL, DER
``POST /ocsp``         RFC 6960 request in the body; ``GET /ocsp/<base64>`` too
``GET /certs/<n>.cer`` a CA certificate, DER (``caIssuers``)
``GET /health``        JSON: the root CA's SHA-256 fingerprint
=====================  ======================================================
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from econtract.errors import EContractError
from econtract.tsa.authority import TimeStampAuthority

from .ca import CertificateAuthority
from .platform import Platform

__all__ = ["PkiService", "serve"]

_logger = logging.getLogger(__name__)
_MAX_BODY = 64 * 1024  # requests are a few hundred bytes; refuse anything absurd


class PkiService:
    """The endpoints' logic, independent of the HTTP server that carries it."""

    def __init__(self, platform: Platform, crl_refresh: timedelta = timedelta(minutes=5)) -> None:
        self.platform = platform
        self.cas: dict[str, CertificateAuthority] = {
            "root-ca": platform.root,
            "issuing-ca": platform.issuing,
        }
        self.tsa = TimeStampAuthority(
            platform.tsa_certificate,
            platform.key("tsa"),
            platform.config.tsa_policy,
            chain=platform.chain,
        )
        self._crl_refresh = crl_refresh
        self._crls: dict[str, tuple[datetime, int, bytes]] = {}
        self._lock = threading.Lock()

    def crl(self, name: str) -> bytes:
        """The CA's CRL, reissued when revocations changed or it is ``crl_refresh`` old."""
        ca = self.cas[name]
        revoked = len(ca.store.revoked(ca.key_id))
        now = datetime.now(UTC)
        with self._lock:
            cached = self._crls.get(name)
            if cached and cached[1] == revoked and now - cached[0] < self._crl_refresh:
                return cached[2]
            data = bytes(ca.crl(now).dump())
            self._crls[name] = (now, revoked, data)
            return data

    def ocsp(self, request: bytes) -> bytes:
        """Answer from the CA that issued the certificate asked about (``unknown`` if none)."""
        for ca in self.cas.values():
            if ca.answers_for(request):
                return ca.ocsp_response(request)
        return self.platform.issuing.ocsp_response(request)

    def certificate(self, name: str) -> bytes:
        return bytes(self.cas[name].certificate.dump())

    def health(self) -> dict[str, str]:
        return {
            "root_sha256": hashlib.sha256(self.platform.root.certificate.dump()).hexdigest(),
            "tsa_policy": self.platform.config.tsa_policy,
            "log_key_sha256": hashlib.sha256(self.platform.log_public_key).hexdigest(),
            "anchor_key_sha256": hashlib.sha256(
                self.platform.published.anchor_public_key
            ).hexdigest(),
        }


class _Refused(Exception):
    """A request the service answers with an HTTP error instead of content."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def _named(path: str, prefix: str, suffix: str, names: Mapping[str, object]) -> str:
    name = path[len(prefix) : -len(suffix)]
    if name not in names:
        raise _Refused(HTTPStatus.NOT_FOUND, "no such CA")
    return name


def _get(service: PkiService, path: str) -> tuple[bytes, str]:
    if path == "/health":
        return json.dumps(service.health()).encode(), "application/json"
    if path == "/log/key.der":
        return service.platform.log_public_key, "application/octet-stream"
    if path == "/anchor/key.der":
        return service.platform.published.anchor_public_key, "application/octet-stream"
    if path.startswith("/crl/") and path.endswith(".crl"):
        return service.crl(_named(path, "/crl/", ".crl", service.cas)), "application/pkix-crl"
    if path.startswith("/certs/") and path.endswith(".cer"):
        name = _named(path, "/certs/", ".cer", service.cas)
        return service.certificate(name), "application/pkix-cert"
    if path.startswith("/ocsp/"):
        try:
            request = base64.b64decode(urllib.parse.unquote(path[6:]), validate=True)
        except binascii.Error as exc:
            raise _Refused(HTTPStatus.BAD_REQUEST, "not base64") from exc
        return service.ocsp(request), "application/ocsp-response"
    raise _Refused(HTTPStatus.NOT_FOUND, "not found")


def _post(service: PkiService, path: str, content_type: str, body: bytes) -> tuple[bytes, str]:
    if path == "/tsa":
        if content_type != "application/timestamp-query":
            raise _Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "timestamp-query expected")
        return service.tsa.respond(body), "application/timestamp-reply"
    if path == "/ocsp":
        return service.ocsp(body), "application/ocsp-response"
    raise _Refused(HTTPStatus.NOT_FOUND, "not found")


def _handler(service: PkiService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "econtract-pki"

        def log_message(self, format: str, *args: object) -> None:
            _logger.debug("%s " + format, self.address_string(), *args)

        def _answer(self, produce: Callable[[], tuple[bytes, str]]) -> None:
            try:
                body, content_type = produce()
                status = HTTPStatus.OK
            except _Refused as exc:
                status, body, content_type = exc.status, f"{exc}\n".encode(), "text/plain"
            except EContractError as exc:
                # The token or the store failed: say so briefly, log the detail.
                _logger.error("PKI service: %s", exc)
                status, body, content_type = (
                    HTTPStatus.SERVICE_UNAVAILABLE,
                    b"temporarily unavailable\n",
                    "text/plain",
                )
            except Exception:
                # A bug must cost one request a 500, not the connection or the server thread.
                _logger.exception("PKI service: %s %s", self.command, self.path)
                status, body, content_type = (
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    b"internal error\n",
                    "text/plain",
                )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError as exc:
                raise _Refused(HTTPStatus.LENGTH_REQUIRED, "Content-Length required") from exc
            if not 0 < length <= _MAX_BODY:
                raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body size refused")
            return self.rfile.read(length)

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            self._answer(lambda: _get(service, path))

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            content_type = self.headers.get("Content-Type", "")
            self._answer(lambda: _post(service, path, content_type, self._body()))

    return Handler


def serve(service: PkiService, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Start serving in a daemon thread; ``server.server_address`` tells the port."""
    server = ThreadingHTTPServer((host, port), _handler(service))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="econtract-pki", daemon=True).start()
    return server
