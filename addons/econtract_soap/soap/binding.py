"""The service's XML, derived from pydantic models: one description, three uses.

Each operation's request and answer are pydantic models (most of them the REST API's own).
From them this module writes the XML Schema the WSDL carries, reads a request element into
the values pydantic then validates, and writes an answer element. Because all three come
from the same models, the WSDL cannot drift from what the service reads and writes.

The mapping: a field ``sign_requests`` is the element ``signRequest`` (camelCase; a list
is its element repeated, named in the singular); ``int`` is ``xs:long``, ``Decimal``
``xs:decimal`` (written in plain notation), ``date`` and ``datetime`` their XSD types,
``bytes`` ``xs:base64Binary``, a ``Literal`` an enumeration. A field that may be None is
optional (``minOccurs="0"``), and left out when it is None. Elements are qualified in the
service's namespace; unknown or repeated elements are refused, as the REST API refuses
unknown members.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from lxml import etree
from pydantic import BaseModel

from econtract.soap.envelope import xml_text

NS = "urn:econtract:soap:v1"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

SCALARS: dict[type, str] = {
    bool: "xs:boolean",
    int: "xs:long",
    float: "xs:double",
    str: "xs:string",
    Decimal: "xs:decimal",
    dt.datetime: "xs:dateTime",
    dt.date: "xs:date",
    bytes: "xs:base64Binary",
}


class BindingError(ValueError):
    """A request element that the models cannot read; ``location`` is the path to it."""

    def __init__(self, location: list[str], message: str) -> None:
        super().__init__(message)
        self.location = location


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


@dataclass(frozen=True)
class Slot:
    """One field of a model, as XML sees it."""

    name: str  # the python name
    element: str  # the element's local name
    base: typing.Any  # a scalar type, a model class, or a Literal
    many: bool
    optional: bool


def _unwrap(annotation) -> tuple[typing.Any, bool, bool]:
    """(base type, is a list, may be None) of a field's annotation."""
    optional = many = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                raise TypeError(f"{annotation} is not one type; XML needs one")
            optional, annotation = True, args[0]
        elif origin is list:
            many, annotation = True, typing.get_args(annotation)[0]
        else:
            return annotation, many, optional


@cache
def slots(model: type[BaseModel]) -> tuple[Slot, ...]:
    found = []
    for name, info in model.model_fields.items():
        base, many, optional = _unwrap(info.annotation)
        if typing.get_origin(base) is not typing.Literal and not (
            base in SCALARS or (isinstance(base, type) and issubclass(base, BaseModel))
        ):
            raise TypeError(f"{model.__name__}.{name}: {base} has no XML form")
        element = camel(singular(name) if many else name)
        found.append(Slot(name, element, base, many, optional or not info.is_required()))
    return tuple(found)


def _is_model(base) -> bool:
    return isinstance(base, type) and issubclass(base, BaseModel)


# ------------------------------------------------------------------------ schema


def _xs(parent, tag: str, **attributes) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", {k: str(v) for k, v in attributes.items()})


def schema(elements: dict[str, type[BaseModel]], scalars: dict[str, str]) -> etree._Element:
    """An ``xs:schema`` declaring ``elements`` (name → model) and ``scalars`` (name → XSD
    type), with a complex type per model they reach, named after the model."""
    root = etree.Element(
        f"{{{XS}}}schema",
        {"targetNamespace": NS, "elementFormDefault": "qualified"},
        nsmap={"xs": XS, "tns": NS},
    )
    done: dict[str, type[BaseModel]] = {}

    def complex_type(model: type[BaseModel]) -> None:
        if model.__name__ in done:
            if done[model.__name__] is not model:
                raise TypeError(f"two models are named {model.__name__}")
            return
        done[model.__name__] = model
        sequence = _xs(_xs(root, "complexType", name=model.__name__), "sequence")
        for slot in slots(model):
            attributes = {"name": slot.element}
            if slot.optional or slot.many:
                attributes["minOccurs"] = "0"
            if slot.many:
                attributes["maxOccurs"] = "unbounded"
            element = _xs(sequence, "element", **attributes)
            if typing.get_origin(slot.base) is typing.Literal:
                restriction = _xs(_xs(element, "simpleType"), "restriction", base="xs:string")
                for value in typing.get_args(slot.base):
                    _xs(restriction, "enumeration", value=value)
            elif _is_model(slot.base):
                element.set("type", f"tns:{slot.base.__name__}")
                complex_type(slot.base)
            else:
                element.set("type", SCALARS[slot.base])

    for name, xsd_type in scalars.items():
        _xs(root, "element", name=name, type=xsd_type)
    for name, model in elements.items():
        _xs(root, "element", name=name, type=f"tns:{model.__name__}")
        complex_type(model)
    return root


# ------------------------------------------------------------------------ reading


def read(model: type[BaseModel], element: etree._Element, location: tuple[str, ...] = ()):
    """The values of ``element`` for ``model`` (to validate with it); `BindingError` for
    an element the model does not have, a repeated single one, or a malformed value."""
    by_element = {slot.element: slot for slot in slots(model)}
    values: dict[str, typing.Any] = {}
    if (element.text or "").strip():
        raise BindingError(list(location), "Text where elements are expected.")
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        here = (*location, qname.localname)
        slot = by_element.get(qname.localname) if qname.namespace == NS else None
        if slot is None:
            raise BindingError(list(here), f"{qname.text} is not an element of {model.__name__}.")
        value = _read_value(slot, child, here)
        if slot.many:
            values.setdefault(slot.name, []).append(value)
        elif slot.name in values:
            raise BindingError(list(here), f"{slot.element} is given twice.")
        else:
            values[slot.name] = value
    return values


def _read_value(slot: Slot, child: etree._Element, here: tuple[str, ...]):
    if child.get(f"{{{XSI}}}nil") in ("true", "1"):
        return None
    if _is_model(slot.base):
        return read(slot.base, child, here)
    if len(child):
        raise BindingError(list(here), f"{slot.element} holds a value, not elements.")
    text = child.text or ""
    if slot.base is bytes:
        try:
            return base64.b64decode("".join(text.split()), validate=True)
        except binascii.Error as exc:
            raise BindingError(list(here), f"{slot.element} is not base64.") from exc
    if slot.base is bool:
        text = text.strip()
        if text not in ("true", "false", "1", "0"):
            raise BindingError(list(here), f"{slot.element} is not true or false.")
        return text in ("true", "1")
    return text if slot.base is str else text.strip()


# ------------------------------------------------------------------------ writing


def _text(value) -> str:
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def write(parent: etree._Element | None, tag: str, document: BaseModel) -> etree._Element:
    """``document`` as the element ``tag`` (a local name in the service's namespace), under
    ``parent`` if given."""
    qualified = f"{{{NS}}}{tag}"
    element = (
        etree.Element(qualified, nsmap={None: NS})
        if parent is None
        else etree.SubElement(parent, qualified)
    )
    for slot in slots(type(document)):
        value = getattr(document, slot.name)
        for item in value if slot.many else [value]:
            if item is None:
                continue
            if isinstance(item, BaseModel):
                write(element, slot.element, item)
            else:
                etree.SubElement(element, f"{{{NS}}}{slot.element}").text = _text(item)
    return element
