"""The REST client against a scripted HTTP server on loopback: what it sends, how it reads
answers, when it retries and that a retry never changes its idempotency key. (The client
against the real API runs in econtract_api's Odoo tests.)"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from econtract.client import (
    Client,
    InvalidRequest,
    NotFound,
    RateLimited,
    Refused,
    SignerSpec,
    TransportError,
    Unauthenticated,
)

Answer = tuple[int, dict[str, str], Any]


class Script:
    """The answers the server gives, in order, and the requests it received."""

    def __init__(self) -> None:
        self.answers: list[Answer] = []
        self.requests: list[dict[str, Any]] = []


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            script.requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length),
                }
            )
            status, headers, body = script.answers.pop(0)
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            kind = "application/problem+json" if status >= 400 else "application/json"
            self.send_header("Content-Type", headers.pop("Content-Type", kind))
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[Script, Client, list[float]]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    waits: list[float] = []
    client = Client(
        f"http://127.0.0.1:{httpd.server_address[1]}", "k" * 40, lang="zh-CN", sleep=waits.append
    )
    yield script, client, waits
    httpd.shutdown()
    httpd.server_close()


def problem(code: str, status: int, **extra: Any) -> dict[str, Any]:
    return {"type": f"urn:econtract:problem:{code}", "title": "t", "status": status,
            "code": code, **extra}  # fmt: skip


SUMMARY = {
    "id": 7,
    "reference": "EC2026-00007",
    "title": "办公家具采购",
    "type": "purchase",
    "state": "signed",
    "company": {"id": 1, "name": "星河"},
    "currency": "CNY",
    "amount": "128000.50",
    "date_start": "2027-01-01",
    "date_end": None,
    "updated_at": "2026-12-02T10:00:00",
    "a_member_from_a_newer_server": True,
}


def test_pages_are_followed_and_typed(server: tuple[Script, Client, list[float]]) -> None:
    script, client, _waits = server
    script.answers += [
        (200, {}, {"items": [SUMMARY], "next_cursor": "abc"}),
        (200, {}, {"items": [{**SUMMARY, "id": 6}], "next_cursor": None}),
    ]
    found = list(client.contracts(state=["signed", "approved"], q="家具", page_size=1))
    assert [c.id for c in found] == [7, 6]
    assert found[0].amount == Decimal("128000.50")
    assert found[0].date_start == date(2027, 1, 1)
    first, second = script.requests
    assert "state=signed&state=approved" in first["path"]
    assert "cursor=abc" in second["path"]
    assert first["headers"]["Authorization"] == "Bearer " + "k" * 40
    assert first["headers"]["Accept-Language"] == "zh-CN"


def test_a_retried_post_keeps_its_idempotency_key(
    server: tuple[Script, Client, list[float]],
) -> None:
    script, client, waits = server
    created = {**SUMMARY, "state": "draft", "language": "zh_CN", "owner": {"id": 2, "name": "x"},
               "parties": [], "variables": [{"name": "price", "value": "128,000.50"}],
               "versions": [], "sign_requests": [], "obligations": []}  # fmt: skip
    script.answers += [
        (503, {}, problem("internal_error", 503)),
        (429, {"Retry-After": "2"}, problem("rate_limited", 429, retry_after=2)),
        (201, {}, created),
    ]
    contract = client.create_contract(
        3, "办公家具采购", [5], values={"price": Decimal("128000.50"), "due": date(2027, 1, 31)}
    )
    assert contract.values == {"price": "128,000.50"}
    keys = {r["headers"]["Idempotency-Key"] for r in script.requests}
    assert len(script.requests) == 3 and len(keys) == 1
    assert waits == [0.5, 2.0]
    body = json.loads(script.requests[0]["body"])
    assert body["values"] == {"price": "128000.50", "due": "2027-01-31"}
    assert "amount" not in body


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (401, "unauthenticated", Unauthenticated),
        (404, "not_found", NotFound),
        (422, "invalid_request", InvalidRequest),
        (422, "idempotency_key_reused", InvalidRequest),
        (422, "rejected", Refused),
    ],
)
def test_problems_become_their_errors(
    server: tuple[Script, Client, list[float]], status: int, code: str, error: type[Exception]
) -> None:
    script, client, waits = server
    script.answers.append((status, {}, problem(code, status, detail="合同不存在")))
    with pytest.raises(error) as raised:
        client.contract(1)
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert "合同不存在" in str(raised.value)
    assert waits == [], "refusals are not retried"


def test_rate_limited_after_the_last_retry(server: tuple[Script, Client, list[float]]) -> None:
    script, client, waits = server
    script.answers += [(429, {"Retry-After": "90"}, problem("rate_limited", 429))] * 4
    with pytest.raises(RateLimited) as raised:
        client.me()
    assert raised.value.retry_after == 90
    assert waits == [30.0, 30.0, 30.0], "waits are capped"


def test_an_answer_that_is_not_the_apis(server: tuple[Script, Client, list[float]]) -> None:
    script, client, _waits = server
    script.answers.append((404, {"Content-Type": "text/html"}, b"<html>nginx</html>"))
    with pytest.raises(TransportError):
        client.me()


def test_a_redirect_is_not_followed_with_the_key(
    server: tuple[Script, Client, list[float]],
) -> None:
    script, client, _waits = server
    elsewhere = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(elsewhere))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        target = f"http://127.0.0.1:{httpd.server_address[1]}/steal"
        script.answers.append((302, {"Location": target, "Content-Type": "text/html"}, b""))
        with pytest.raises(TransportError, match="302"):
            client.me()
        assert elsewhere.requests == []
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_an_unreachable_server_is_retried_then_reported() -> None:
    waits: list[float] = []
    client = Client("http://127.0.0.1:9", "k", retries=2, timeout=2, sleep=waits.append)
    with pytest.raises(TransportError):
        client.me()
    assert waits == [0.5, 1.0]


def test_uploads_are_multipart_and_signers_are_sent_as_given(
    server: tuple[Script, Client, list[float]],
) -> None:
    script, client, _waits = server
    script.answers += [
        (200, {}, {"sha256": "ab", "valid": False, "problem": "not a PDF", "signatures": [],
                   "document_problems": []}),
        (201, {}, {"id": 9, "state": "sent", "signers": [
            {"id": 1, "name": "李娜", "order": 1, "identity_method": "sms", "state": "pending"}]}),
    ]  # fmt: skip
    report = client.verify(b"%PDF-1.7 test", "合同.pdf")
    assert (report.valid, report.problem) == (False, "not a PDF")
    upload = script.requests[0]
    assert upload["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b"%PDF-1.7 test" in upload["body"]
    assert b"filename*=UTF-8''%E5%90%88%E5%90%8C.pdf" in upload["body"]
    request = client.send_for_signature(
        4, [SignerSpec(12, identity_method="sms", phone="+8613800138000")]
    )
    assert request.signers[0].name == "李娜"
    sent = json.loads(script.requests[1]["body"])
    assert sent["signers"] == [
        {"partner_id": 12, "order": 1, "identity_method": "sms", "phone": "+8613800138000"}
    ]
