"""Webhook signatures and delivery, against real sockets on loopback (plain and TLS)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from econtract.webhooks import (
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    AddressRefused,
    DeliveryError,
    SignatureError,
    SignatureExpired,
    backoff,
    check_url,
    post,
    sign,
    verify,
)

SECRET = "whsec-测试-0123456789"
BODY = json.dumps({"type": "contract.signed", "title": "采购合同"}, ensure_ascii=False).encode()


# Signatures ----------------------------------------------------------------------------


def test_a_signed_body_verifies():
    headers = sign(SECRET, BODY, timestamp=1_800_000_000, nonce="abc")
    assert headers[HEADER_SIGNATURE].startswith("v1=")
    verify(SECRET, headers, BODY, now=1_800_000_010)


def test_headers_are_read_whatever_their_case():
    headers = {k.lower(): v for k, v in sign(SECRET, BODY).items()}
    verify(SECRET, headers, BODY)


@pytest.mark.parametrize(
    "change",
    [
        lambda h, b: (h, b + b" "),
        lambda h, b: ({**h, HEADER_NONCE: "other"}, b),
        lambda h, b: ({**h, HEADER_TIMESTAMP: str(int(h[HEADER_TIMESTAMP]) + 1)}, b),
        lambda h, b: ({**h, HEADER_SIGNATURE: "v1=" + "0" * 64}, b),
        lambda h, b: ({**h, HEADER_SIGNATURE: h[HEADER_SIGNATURE].replace("v1", "v0")}, b),
    ],
    ids=["body", "nonce", "timestamp", "signature", "scheme"],
)
def test_any_change_breaks_the_signature(change):
    headers, body = change(sign(SECRET, BODY), BODY)
    with pytest.raises(SignatureError):
        verify(SECRET, headers, body)


def test_another_secret_does_not_verify():
    with pytest.raises(SignatureError, match="does not match"):
        verify("another", sign(SECRET, BODY), BODY)


def test_an_old_signature_is_expired():
    headers = sign(SECRET, BODY, timestamp=1_800_000_000)
    with pytest.raises(SignatureExpired):
        verify(SECRET, headers, BODY, now=1_800_000_000 + 301)
    verify(SECRET, headers, BODY, now=1_800_000_000 + 301, tolerance=400)


def test_a_timestamp_in_other_digits_is_malformed_not_a_crash():
    headers = {**sign(SECRET, BODY), HEADER_TIMESTAMP: "\u0661\u0668\u0660\u0660"}
    with pytest.raises(SignatureError, match="malformed"):
        verify(SECRET, headers, BODY)


def test_a_missing_header_is_named():
    headers = sign(SECRET, BODY)
    del headers[HEADER_NONCE]
    with pytest.raises(SignatureError, match=HEADER_NONCE):
        verify(SECRET, headers, BODY)


def test_any_of_several_signatures_may_match_during_a_rotation():
    headers = sign(SECRET, BODY)
    old = sign(
        "old secret", BODY, timestamp=int(headers[HEADER_TIMESTAMP]), nonce=headers[HEADER_NONCE]
    )
    both = {**headers, HEADER_SIGNATURE: f"{old[HEADER_SIGNATURE]}, {headers[HEADER_SIGNATURE]}"}
    verify(SECRET, both, BODY)
    verify("old secret", both, BODY)


def test_each_attempt_has_its_own_nonce():
    assert sign(SECRET, BODY)[HEADER_NONCE] != sign(SECRET, BODY)[HEADER_NONCE]


# Delivery ------------------------------------------------------------------------------


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.answer = b"ok"
        self.headers: dict[str, str] = {}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            receiver.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
            )
            self.send_response(receiver.status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(receiver.answer)))
            self.end_headers()
            self.wfile.write(receiver.answer)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_delivery_reaches_the_receiver_signed(receiver):
    state, url = receiver
    outcome = post(f"{url}/hooks?source=econtract", BODY, sign(SECRET, BODY), allow_private=True)
    assert outcome.delivered and outcome.status == 200 and outcome.excerpt == "ok"
    [request] = state.requests
    assert request["path"] == "/hooks?source=econtract"
    assert request["body"] == BODY
    assert request["headers"]["Content-Type"].startswith("application/json")
    verify(SECRET, request["headers"], request["body"])


def test_private_addresses_are_refused_unless_allowed(receiver):
    state, url = receiver
    with pytest.raises(AddressRefused, match="not a public address"):
        post(url.replace("http:", "https:"), BODY, {})
    with pytest.raises(AddressRefused, match="https"):
        post(url, BODY, {})
    assert state.requests == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/", "https://user:pw@example.com/", "https:///nohost", "https://[::1"],
)
def test_urls_webhooks_cannot_go_to(url):
    with pytest.raises(AddressRefused):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "[::ffff:192.168.1.1]", "0.0.0.0"]
)
def test_internal_addresses_are_not_public(host):
    with pytest.raises(AddressRefused, match="not a public address"):
        post(f"https://{host}/", BODY, {}, timeout=1)


def test_an_internal_address_in_the_url_is_refused_before_any_lookup():
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.8 is not a public address"):
        check_url("https://10.0.0.8/hooks")
    check_url("https://10.0.0.8/hooks", allow_private=True)
    check_url("https://hooks.example.com/x")


def test_a_redirect_is_an_answer_not_a_new_destination(receiver):
    state, url = receiver
    state.status, state.headers = 302, {"Location": "http://169.254.169.254/latest"}
    outcome = post(url, BODY, {}, allow_private=True)
    assert outcome.status == 302 and not outcome.delivered
    assert len(state.requests) == 1


def test_only_the_start_of_a_long_answer_is_kept(receiver):
    state, url = receiver
    state.status, state.answer = 500, "错".encode() * 100_000
    outcome = post(url, BODY, {}, allow_private=True)
    assert outcome.status == 500 and len(outcome.excerpt) == 2000


def test_no_answer_is_a_delivery_error():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError, match="ConnectionRefused"):
        post(f"http://127.0.0.1:{port}/", BODY, {}, allow_private=True, timeout=2)


def test_a_receiver_that_drips_its_answer_is_cut_at_the_timeout():
    """The timeout is the attempt's, not each read's: one byte every 0.2 s is not an
    answer that may take for ever."""
    import socket
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def drip() -> None:
        conn, _address = server.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                if stop.is_set():
                    return
                with contextlib.suppress(OSError):
                    conn.sendall(bytes([byte]))
                time.sleep(0.2)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryError, match="within 1 s"):
            post(f"http://127.0.0.1:{server.getsockname()[1]}/", BODY, {},
                 allow_private=True, timeout=1)  # fmt: skip
        assert time.monotonic() - started < 3
    finally:
        stop.set()
        thread.join(5)
        server.close()


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_is_checked_against_the_host_name_not_the_address(tmp_path):
    cert_path, key_path = _certificate(tmp_path)
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(cert_path, key_path)
    server.socket = served.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        trusting = ssl.create_default_context(cafile=str(cert_path))
        outcome = post(
            f"https://localhost:{port}/tls", BODY, {}, allow_private=True, context=trusting
        )
        assert outcome.delivered and state.requests[0]["headers"]["Host"] == f"localhost:{port}"
        with pytest.raises(DeliveryError, match="SSL"):
            post(f"https://localhost:{port}/tls", BODY, {}, allow_private=True, timeout=2)
    finally:
        server.shutdown()
        server.server_close()


def test_backoff_doubles_up_to_its_cap_with_jitter():
    assert [backoff(n, jitter=lambda: 1.0) for n in (1, 2, 3)] == [60.0, 120.0, 240.0]
    assert backoff(20, jitter=lambda: 1.0) == 3600.0
    assert backoff(3, jitter=lambda: 0.0) == 120.0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://100.100.100.200/latest/meta-data", "not a public address"),
        ("https://[2002:a00:1::1]/hooks", "not a public address"),
        ("https://[64:ff9b::a9fe:a9fe]/hooks", "not a public address"),
        ("https://[::ffff:169.254.169.254]/hooks", "not a public address"),
        ("https://oa.example.com:0/hooks", "port is 0"),
        ("https://oa.example.com/回调", "ASCII"),
    ],
)
def test_addresses_that_only_look_public_are_refused(url: str, reason: str) -> None:
    with pytest.raises(AddressRefused, match=reason):
        check_url(url)
