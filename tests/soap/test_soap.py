"""econtract.soap: hostile XML refused, envelopes read and written, the guarded transport."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree

from econtract.soap import (
    SOAP_ENV,
    EnvelopeError,
    Limits,
    MalformedXml,
    VersionMismatch,
    XmlForbidden,
    XmlTooLarge,
    answer,
    fault,
    parse,
    read_envelope,
)
from econtract.soap.transport import GuardedTransport
from econtract.webhooks import AddressRefused, DeliveryError


def envelope(body: str, header: str = "") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:e="urn:e"><s:Header>{header}</s:Header>'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


# ------------------------------------------------------------------------ parsing


def test_chinese_text_and_comments_parse() -> None:
    root = parse('<a xmlns="urn:e"><b>合同编号 EC-2026-0001</b><!-- 注释 --></a>'.encode())
    assert root[0].text == "合同编号 EC-2026-0001"
    assert len(root) == 1, "comments are dropped"


@pytest.mark.parametrize(
    "document",
    [
        b"<!DOCTYPE a><a/>",
        b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>',
        b'<!DOCTYPE a [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]><a>&b;</a>',
        b'<!DOCTYPE a PUBLIC "-//x//y" "http://127.0.0.1:9/x.dtd"><a/>',
        b"<a><?php system('id'); ?></a>",
        b"<?xml-stylesheet href='x.xsl'?><a/>",
        b"<a/><?after x?>",
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE a><a/>'.encode("utf-16"),
    ],
)
def test_dtds_entities_and_processing_instructions_are_refused(document: bytes) -> None:
    with pytest.raises(XmlForbidden):
        parse(document)


def test_an_external_subset_is_never_opened(tmp_path: Path) -> None:
    # Were it opened, this file (not a DTD) would fail the parse as malformed instead.
    subset = tmp_path / "not-a-dtd"
    subset.write_text("this is not a DTD <<<")
    with pytest.raises(XmlForbidden):
        parse(f'<!DOCTYPE a SYSTEM "file://{subset}"><a/>'.encode())


def test_undefined_entities_and_broken_documents_are_malformed() -> None:
    for document in (b"<a>&x;</a>", b"<a><b></a>", b"", b"   ", b"not xml"):
        with pytest.raises(MalformedXml):
            parse(document)


def test_size_depth_and_element_count_are_bounded() -> None:
    limits = Limits(max_bytes=1000, max_depth=5, max_elements=50)
    with pytest.raises(XmlTooLarge, match="bytes"):
        parse(b"<a>" + b"x" * 2000 + b"</a>", limits)
    with pytest.raises(XmlTooLarge, match="deeper"):
        parse(b"<a>" * 6 + b"</a>" * 6, limits)
    with pytest.raises(XmlTooLarge, match="elements"):
        parse(b"<a>" + b"<b/>" * 60 + b"</a>", limits)
    parse(b"<a>" * 5 + b"</a>" * 5, limits)


def test_elements_are_counted_while_parsing_not_after() -> None:
    """Past the limit the rest is not read: a body of many empty elements is refused
    before it is a tree (here the rest is not even well-formed)."""
    limits = Limits(max_elements=50)
    body = b"<a>" + b"<b/>" * 20_000 + b"<unclosed>" * 10
    with pytest.raises(XmlTooLarge, match="elements"):
        parse(body, limits)


# ------------------------------------------------------------------------ envelopes


def test_an_envelope_gives_its_headers_and_its_operation() -> None:
    request = read_envelope(parse(envelope("<e:Op><e:x>1</e:x></e:Op>", "<e:Key>k</e:Key>")))
    assert request.operation.tag == "{urn:e}Op"
    key = request.header("{urn:e}Key")
    assert key is not None and key.text == "k"
    assert request.not_understood(frozenset()) == []


def test_headers_that_must_be_understood() -> None:
    header = f'<e:Audit xmlns:s="{SOAP_ENV}" s:mustUnderstand="1"/>'
    request = read_envelope(parse(envelope("<e:Op/>", header)))
    assert request.not_understood(frozenset()) == ["{urn:e}Audit"]
    assert request.not_understood(frozenset({"{urn:e}Audit"})) == []
    other_actor = f'<e:Audit xmlns:s="{SOAP_ENV}" s:mustUnderstand="1" s:actor="urn:x"/>'
    assert read_envelope(parse(envelope("<e:Op/>", other_actor))).not_understood(frozenset()) == []


@pytest.mark.parametrize(
    ("document", "error"),
    [
        (b"<a/>", EnvelopeError),
        (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>', VersionMismatch),
        (b'<s:Envelope xmlns:s="urn:other"/>', VersionMismatch),
        (f'<s:Envelope xmlns:s="{SOAP_ENV}"/>'.encode(), EnvelopeError),
        (envelope(""), EnvelopeError),
        (envelope("<e:A/><e:B/>"), EnvelopeError),
        (envelope("text<e:A/>"), EnvelopeError),
    ],
)
def test_what_is_not_a_request(document: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        read_envelope(parse(document))


def test_answers_and_faults() -> None:
    payload = etree.Element("{urn:e}OpResponse")
    payload.text = "好"
    root = etree.fromstring(answer(payload))
    assert root.find(f"{{{SOAP_ENV}}}Body/{{urn:e}}OpResponse").text == "好"
    detail = etree.Element("{urn:e}Problem")
    root = etree.fromstring(fault("Client", "模板版本不存在。", lang="zh-CN", detail=detail))
    found = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert found.findtext("faultcode") == "soap:Client"
    string = found.find("faultstring")
    assert string.text == "模板版本不存在。"
    assert string.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert found.find("detail/{urn:e}Problem") is not None


# ------------------------------------------------------------------------ transport


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.end_headers()
                return
            body = b"<definitions/>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_transport_reads_no_file_and_no_private_address(server: str) -> None:
    transport = GuardedTransport()
    for url in ("/etc/passwd", "file:///etc/passwd", "~/.ssh/id_rsa", f"{server}/x.wsdl"):
        with pytest.raises(AddressRefused):
            transport.load(url)
    allowed = GuardedTransport(allow_private=True)
    assert allowed.load(f"{server}/x.wsdl") == b"<definitions/>"
    assert allowed.last_answer.address == "127.0.0.1"


def test_the_transport_bounds_the_whole_exchange(server: str) -> None:
    from econtract.soap import transport as module

    spent = GuardedTransport(allow_private=True, budget=0.001)
    time.sleep(0.01)
    with pytest.raises(DeliveryError, match="in all"):
        spent.load(f"{server}/x.wsdl")
    counted = GuardedTransport(allow_private=True)
    for _n in range(module.MAX_REQUESTS):
        counted.load(f"{server}/x.wsdl")
    with pytest.raises(DeliveryError, match="More than"):
        counted.load(f"{server}/x.wsdl")


def test_the_transport_follows_no_redirect(server: str) -> None:
    from zeep.exceptions import TransportError

    with pytest.raises(TransportError, match="302"):
        GuardedTransport(allow_private=True).load(f"{server}/redirect")
    response = GuardedTransport(allow_private=True).get(f"{server}/redirect", {}, {})
    assert response.status_code == 302
