"""The service's WSDL 1.1: SOAP 1.1, document/literal wrapped, one port.

Its types are written from the operations' models (`binding.schema`), so they are what the
service reads and answers. The address is the one the WSDL was fetched from, so that a
client pointed at ``…/soap/econtract?wsdl`` calls the same server.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import quoteattr

from lxml import etree

from . import binding
from .operations import OPERATIONS, Problem

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP_HTTP = "http://schemas.xmlsoap.org/soap/http"
ADDRESS = "urn:econtract:address"  # replaced by the service's URL when served
HEADERS = {"ApiKey": "xs:string", "IdempotencyKey": "xs:string"}


def action(name: str) -> str:
    return f"{binding.NS}#{name}"


def _w(parent, tag: str, namespace: str = WSDL, **attributes) -> etree._Element:
    return etree.SubElement(parent, f"{{{namespace}}}{tag}", attributes)


def _doc(parent, text: str) -> None:
    _w(parent, "documentation").text = text


@cache
def _template() -> bytes:
    ns = binding.NS
    root = etree.Element(
        f"{{{WSDL}}}definitions",
        {"name": "EContract", "targetNamespace": ns},
        nsmap={"wsdl": WSDL, "soap": WSDL_SOAP, "tns": ns, "xs": binding.XS},
    )
    _doc(
        root,
        "econtract: contracts drafted from templates, approved, signed (PAdES) and fulfilled. "
        "Authenticate with an Odoo API key in the ApiKey header, as a WS-Security "
        "UsernameToken (the user's login, the key as PasswordText) or as an HTTP bearer "
        "token. Faults carry a Problem with the REST API's stable code.",
    )
    _w(root, "types").append(schema_element())

    def message(name: str, part: str, element: str) -> None:
        _w(_w(root, "message", name=name), "part", name=part, element=f"tns:{element}")

    for op in OPERATIONS.values():
        message(f"{op.name}Request", "parameters", op.name)
        message(f"{op.name}Response", "parameters", f"{op.name}Response")
    for header in HEADERS:
        message(f"{header}Header", header, header)
    message("Fault", "Problem", "Problem")

    port_type = _w(root, "portType", name="EContractPortType")
    for op in OPERATIONS.values():
        operation = _w(port_type, "operation", name=op.name)
        _doc(operation, op.doc)
        _w(operation, "input", message=f"tns:{op.name}Request")
        _w(operation, "output", message=f"tns:{op.name}Response")
        _w(operation, "fault", name="Problem", message="tns:Fault")

    soap_binding = _w(root, "binding", name="EContractBinding", type="tns:EContractPortType")
    _w(soap_binding, "binding", WSDL_SOAP, style="document", transport=SOAP_HTTP)
    for op in OPERATIONS.values():
        operation = _w(soap_binding, "operation", name=op.name)
        _w(operation, "operation", WSDL_SOAP, soapAction=action(op.name), style="document")
        given = _w(operation, "input")
        headers = ["ApiKey", "IdempotencyKey"] if op.writes else ["ApiKey"]
        for header in headers:
            _w(given, "header", WSDL_SOAP, message=f"tns:{header}Header", part=header,
               use="literal")  # fmt: skip
        _w(given, "body", WSDL_SOAP, use="literal", parts="parameters")
        _w(_w(operation, "output"), "body", WSDL_SOAP, use="literal")
        _w(_w(operation, "fault", name="Problem"), "fault", WSDL_SOAP, name="Problem",
           use="literal")  # fmt: skip

    service = _w(root, "service", name="EContractService")
    port = _w(service, "port", name="EContractPort", binding="tns:EContractBinding")
    _w(port, "address", WSDL_SOAP, location=ADDRESS)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def wsdl(address: str) -> bytes:
    """The WSDL, with the service at ``address``."""
    return _template().replace(f'"{ADDRESS}"'.encode(), quoteattr(address).encode())


def schema_element() -> etree._Element:
    """The WSDL's ``xs:schema``: the operations' elements, the headers, the fault."""
    elements: dict = {}
    for op in OPERATIONS.values():
        elements[op.name] = op.request
        elements[f"{op.name}Response"] = op.answer
    elements["Problem"] = Problem
    return binding.schema(elements, HEADERS)
