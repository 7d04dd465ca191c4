"""SOAP 1.1 envelopes: read a request's header blocks and operation, write answers and
faults (with the HTTP status WS-I's Basic Profile requires: 500 for every fault)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from econtract.errors import EContractError

__all__ = [
    "FAULT_STATUS",
    "SOAP_ENV",
    "Envelope",
    "EnvelopeError",
    "VersionMismatch",
    "answer",
    "fault",
    "read_envelope",
    "xml_text",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NEXT_ACTOR = "http://schemas.xmlsoap.org/soap/actor/next"
FAULT_STATUS = 500  # WS-I Basic Profile R1126
# What XML 1.0 cannot carry (C0 controls but tab and line ends, surrogates, U+FFFE/F).
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FaultCode = Literal["Client", "Server", "MustUnderstand", "VersionMismatch"]


class EnvelopeError(EContractError):
    """The document is XML but not a SOAP 1.1 request this service can answer."""


class VersionMismatch(EnvelopeError):
    """The envelope is not in SOAP 1.1's namespace (a SOAP 1.2 one, say)."""


@dataclass(frozen=True)
class Envelope:
    """A request: its header blocks, in order, and the one element of its body."""

    headers: tuple[etree._Element, ...]
    operation: etree._Element

    def header(self, tag: str) -> etree._Element | None:
        """The first header block ``{namespace}name``, if the request has one."""
        return next((block for block in self.headers if block.tag == tag), None)

    def not_understood(self, understood: frozenset[str]) -> list[str]:
        """Header blocks meant for this service (no actor, or the "next" one) that demand
        to be understood (``mustUnderstand="1"``) and are not among ``understood``."""
        missing = []
        for block in self.headers:
            actor = block.get(f"{{{SOAP_ENV}}}actor")
            must = block.get(f"{{{SOAP_ENV}}}mustUnderstand", "0").strip()
            if (
                must in ("1", "true")
                and actor in (None, NEXT_ACTOR)
                and block.tag not in understood
            ):
                missing.append(block.tag)
        return missing


def read_envelope(root: etree._Element) -> Envelope:
    """The `Envelope` of a parsed request; `EnvelopeError` if it is not one."""
    qname = etree.QName(root)
    if qname.localname == "Envelope" and qname.namespace == SOAP12_ENV:
        raise VersionMismatch("This is a SOAP 1.2 envelope; the service speaks SOAP 1.1.")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        if qname.localname == "Envelope":
            raise VersionMismatch(f"The envelope's namespace {qname.namespace} is not SOAP 1.1.")
        raise EnvelopeError("The body is not a SOAP envelope.")
    children = [child for child in root if isinstance(child.tag, str)]
    headers: tuple[etree._Element, ...] = ()
    if children and children[0].tag == f"{{{SOAP_ENV}}}Header":
        headers = tuple(block for block in children.pop(0) if isinstance(block.tag, str))
    if not children or children[0].tag != f"{{{SOAP_ENV}}}Body":
        raise EnvelopeError("The envelope has no Body after its Header.")
    if any(child.tag in (f"{{{SOAP_ENV}}}Body", f"{{{SOAP_ENV}}}Header") for child in children[1:]):
        raise EnvelopeError("The envelope has more than one Body or a Header after it.")
    parts = [part for part in children[0] if isinstance(part.tag, str)]
    if len(parts) != 1:
        raise EnvelopeError(
            f"The Body holds {len(parts)} elements; a document/literal request holds one."
        )
    if (children[0].text or "").strip() or (parts[0].tail or "").strip():
        raise EnvelopeError("The Body holds text beside its element.")
    return Envelope(headers, parts[0])


def xml_text(text: str) -> str:
    """``text`` with each character XML 1.0 cannot carry replaced by U+FFFD."""
    return NOT_XML.sub("\ufffd", text)


def _envelope(payload: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body").append(payload)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))


def answer(payload: etree._Element) -> bytes:
    """A response envelope whose body is ``payload``."""
    return _envelope(payload)


def fault(
    code: FaultCode, message: str, *, lang: str | None = None, detail: etree._Element | None = None
) -> bytes:
    """A fault envelope: ``soap:Client`` when the request is at fault (it may be corrected
    and sent again), ``soap:Server`` when the service is; ``detail`` for the application's
    own description (its stable code, in this service)."""
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    code_element = etree.SubElement(element, "faultcode")
    code_element.text = f"soap:{code}"
    string = etree.SubElement(element, "faultstring")
    string.text = xml_text(message)
    if lang:
        string.set(f"{{{XML_NS}}}lang", lang)
    if detail is not None:
        etree.SubElement(element, "detail").append(detail)
    return _envelope(element)
