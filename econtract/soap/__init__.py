"""SOAP 1.1 without the classic XML attacks: reading envelopes, writing answers and faults,
and a zeep transport that only goes where a webhook may.

`xmlsafe.parse` is the only way this project reads XML that arrives over the network: no
DTD, so no entities (internal or external) and no "billion laughs"; no network or file
access while parsing; no processing instructions; a cap on the size, the depth and the
number of elements. `envelope` splits a SOAP 1.1 envelope into its header blocks and its
body's operation element, and writes answers and faults.
"""

from .envelope import (
    SOAP_ENV,
    Envelope,
    EnvelopeError,
    VersionMismatch,
    answer,
    fault,
    read_envelope,
    xml_text,
)
from .xmlsafe import (
    DEFAULT_LIMITS,
    Limits,
    MalformedXml,
    XmlForbidden,
    XmlRefused,
    XmlTooLarge,
    parse,
)

__all__ = [
    "DEFAULT_LIMITS",
    "SOAP_ENV",
    "Envelope",
    "EnvelopeError",
    "Limits",
    "MalformedXml",
    "VersionMismatch",
    "XmlForbidden",
    "XmlRefused",
    "XmlTooLarge",
    "answer",
    "fault",
    "parse",
    "read_envelope",
    "xml_text",
]
