"""The SMS gateway client against a gateway running on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from econtract.identity.sms import (
    SmsGateway,
    SmsRejected,
    SmsUnavailable,
    normalise_phone,
    send_sms,
)


class _Gateway(ThreadingHTTPServer):
    """Records what it receives; answers with ``status`` and ``body``."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[dict[str, str], dict[str, object]]] = []
        self.status = 200
        self.body = b'{"id": "msg-1"}'


class _Handler(BaseHTTPRequestHandler):
    server: _Gateway

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.received.append((dict(self.headers), json.loads(self.rfile.read(length))))
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[_Gateway]:
    server = _Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _config(server: _Gateway, **extra: object) -> SmsGateway:
    return SmsGateway(f"http://127.0.0.1:{server.server_address[1]}/sms", **extra)  # type: ignore[arg-type]


def test_message_is_sent_with_token_and_sender(gateway: _Gateway) -> None:
    text = "【星河贸易】您的签署验证码为 482913，10 分钟内有效。"
    message_id = send_sms(
        _config(gateway, token="s3cret", sender="XINGHE"), "+86 138-0013-8000", text
    )
    assert message_id == "msg-1"
    headers, body = gateway.received[0]
    assert body == {"to": "+8613800138000", "text": text, "from": "XINGHE"}
    assert headers["Authorization"] == "Bearer s3cret"


def test_refusals_and_failures_are_told_apart(gateway: _Gateway) -> None:
    gateway.status, gateway.body = 422, b'{"error": "blocked number"}'
    with pytest.raises(SmsRejected, match=r"422.*blocked number"):
        send_sms(_config(gateway), "+8613800138000", "code")
    gateway.status, gateway.body = 503, b"busy"
    with pytest.raises(SmsUnavailable, match="503"):
        send_sms(_config(gateway), "+8613800138000", "code")
    gateway.status, gateway.body = 200, b"{}"
    with pytest.raises(SmsUnavailable, match="without a message id"):
        send_sms(_config(gateway), "+8613800138000", "code")


def test_unreachable_gateway() -> None:
    with pytest.raises(SmsUnavailable, match="unreachable"):
        send_sms(SmsGateway("http://127.0.0.1:9/sms", timeout=2), "+8613800138000", "code")


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("+86 138 0013 8000", "+8613800138000"), ("0044 20 7946 0958", "+442079460958")],
)
def test_phone_numbers_in_international_form(raw: str, normal: str) -> None:
    assert normalise_phone(raw) == normal


@pytest.mark.parametrize("raw", ["13800138000", "+0123456789", "+86 12", "", "+86 138 0013 800x"])
def test_other_numbers_are_refused_before_sending(raw: str, gateway: _Gateway) -> None:
    with pytest.raises(SmsRejected, match="international form"):
        send_sms(_config(gateway), raw, "code")
    assert gateway.received == []


def test_gateway_url_must_be_http(gateway: _Gateway) -> None:
    with pytest.raises(SmsRejected, match="http"):
        send_sms(SmsGateway("file:///etc/passwd"), "+8613800138000", "code")
