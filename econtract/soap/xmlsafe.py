"""Parsing XML from strangers.

libxml2 is fast and correct, and dangerous with its defaults for documents from the
network: a DTD may declare entities that expand to gigabytes ("billion laughs") or that
read files and URLs (XXE), and a document may be nested deep enough to exhaust the stack of
whatever walks it later. SOAP 1.1 says a message MUST NOT contain a DTD, nor processing
instructions, so refusing them costs a legitimate client nothing:

- the parser resolves no entity, loads no DTD, touches no network and keeps libxml2's own
  limits on text and entity sizes (``huge_tree`` off);
- a document that has a DTD (even one that declares nothing) or a processing instruction
  is refused after parsing, before anything reads it;
- the size is checked before parsing, the depth and the number of elements while parsing
  (a megabyte of empty elements is refused at the limit, before it is a tree of hundreds
  of megabytes), in pieces of `CHUNK` bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from econtract.errors import EContractError

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "MalformedXml",
    "XmlForbidden",
    "XmlRefused",
    "XmlTooLarge",
    "parse",
]


class XmlRefused(EContractError):
    """The document is not read; the subclass says why."""


class MalformedXml(XmlRefused):
    """The bytes are not a well-formed XML document."""


class XmlForbidden(XmlRefused):
    """The document uses what SOAP forbids and attacks rely on: a DTD, an entity, a
    processing instruction."""


class XmlTooLarge(XmlRefused):
    """The document is larger, deeper or has more elements than allowed."""


@dataclass(frozen=True)
class Limits:
    """What one document may be. The defaults suit SOAP requests carrying a PDF in base64
    (libxml2 keeps a single text node under 10 MB unless ``huge_tree`` is on, which it is
    not here: about 7 MB of file)."""

    max_bytes: int = 10 * 1024 * 1024
    max_depth: int = 24
    max_elements: int = 20_000


DEFAULT_LIMITS = Limits()
CHUNK = 64 * 1024


class _NoExternals(etree.Resolver):  # type: ignore[misc]
    """Asked for any external document (a DTD, an entity), it refuses: parsing stops."""

    def resolve(self, url: str | None, pubid: str | None, context: object) -> None:
        raise XmlForbidden(f"The document refers to an external resource: {url or pubid}.")


def _parser() -> etree.XMLPullParser:
    # Not collect_ids=False: with it, libxml2 2.13 opens a DOCTYPE's external subset (a
    # local file) in spite of load_dtd=False. The resolver is there should another option
    # combination do so again.
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
    )
    parser.resolvers.add(_NoExternals())
    return parser


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """The root element of ``data``, or `XmlRefused` (which subclass says why)."""
    if len(data) > limits.max_bytes:
        raise XmlTooLarge(f"The document has {len(data)} bytes; at most {limits.max_bytes}.")
    if not data.strip():
        raise MalformedXml("The body is empty.")
    try:
        root = _bounded(data, limits)
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(f"The body is not well-formed XML: {exc.msg}.") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlForbidden("The document declares a DTD; SOAP messages have none.")
    _walk(root)
    return root


def _bounded(data: bytes, limits: Limits) -> etree._Element:
    """Parse ``data`` piece by piece, counting depth and elements as they come."""
    parser = _parser()
    depth = elements = 0
    for start in range(0, len(data), CHUNK):
        parser.feed(data[start : start + CHUNK])
        for event, _node in parser.read_events():
            if event == "end":
                depth -= 1
                continue
            depth += 1
            elements += 1
            if depth > limits.max_depth:
                raise XmlTooLarge(f"The document is nested deeper than {limits.max_depth} levels.")
            if elements > limits.max_elements:
                raise XmlTooLarge(f"The document has more than {limits.max_elements} elements.")
    root: etree._Element = parser.close()
    return root


def _walk(root: etree._Element) -> None:
    """Refuse processing instructions (also before or after the root) and entity
    references (depth and size were counted while parsing)."""
    for sibling in (*root.itersiblings(preceding=True), *root.itersiblings()):
        if isinstance(sibling, etree._ProcessingInstruction):
            raise XmlForbidden("The document has a processing instruction.")
    if next(root.iter(etree.ProcessingInstruction), None) is not None:
        raise XmlForbidden("The document has a processing instruction.")
    if next(root.iter(etree.Entity), None) is not None:
        raise XmlForbidden("The document refers to an entity.")
