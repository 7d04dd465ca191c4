"""Placeholders in contract text: ``{{ name }}`` and ``{{ name|format }}``, nothing more.

Template and clause authors write contract text in a WYSIWYG editor and mark where values go.
A placeholder names a variable and optionally a format; it is never evaluated, so a template
cannot call code, read attributes or reach the database (``{{ env.user }}`` and
``{{ __import__('os') }}`` are refused, not run). Values come typed from the caller, are
formatted for the contract's language, and are HTML-escaped where they land.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from econtract.amounts import format_capital_amount
from econtract.errors import AmountError, MissingValuesError, TemplateError

__all__ = [
    "Amount",
    "Language",
    "Partner",
    "Percentage",
    "Placeholder",
    "Table",
    "Value",
    "find_placeholders",
    "format_date",
    "render_placeholders",
]

Language = Literal["zh", "en"]

_OPEN = re.compile(r"\{\{")
_BODY = re.compile(r"\s*(?P<name>[a-z][a-z0-9_]{0,62})\s*(?:\|\s*(?P<format>[a-z]+)\s*)?")
_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class Amount:
    """A sum of money."""

    value: Decimal
    currency: str
    """ISO 4217 code, e.g. ``CNY``."""
    symbol: str = ""
    """Printed before the figures (``¥``); the code is printed when empty."""


@dataclass(frozen=True)
class Percentage:
    """A rate, in percent: ``Percentage(Decimal("12.5"))`` is 12.5 %."""

    value: Decimal


@dataclass(frozen=True)
class Partner:
    """A party to the contract."""

    name: str
    address: str = ""
    """One line, as it should appear in the contract."""


@dataclass(frozen=True)
class Table:
    """Rows of cells under column titles, such as the lines of a purchase order."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Value = str | datetime.date | Amount | Percentage | Partner | Table


@dataclass(frozen=True)
class Placeholder:
    """One ``{{ … }}`` in a text."""

    name: str
    format: str | None
    start: int
    """Offset of the opening braces."""
    end: int
    """Offset just after the closing braces."""


def find_placeholders(text: str) -> list[Placeholder]:
    """Every placeholder of ``text``, in order.

    :raises TemplateError: for a placeholder that is not a plain name with an optional
        format, or that is never closed.
    """
    found = []
    position = 0
    while match := _OPEN.search(text, position):
        close = text.find("}}", match.end())
        if close < 0:
            snippet = text[match.start() : match.start() + 40]
            raise TemplateError(f"placeholder never closed: {snippet!r}")
        body = text[match.end() : close]
        parsed = _BODY.fullmatch(body)
        if not parsed:
            raise TemplateError(
                f"{{{{{body}}}}} is not allowed: a placeholder is a variable name, optionally "
                "with a format, such as {{ amount }} or {{ amount|capital }}"
            )
        found.append(Placeholder(parsed["name"], parsed["format"], match.start(), close + 2))
        position = close + 2
    return found


def _format_date(value: datetime.date, fmt: str | None, language: Language) -> str:
    if fmt == "iso":
        return value.isoformat()
    if fmt is None:
        if language == "zh":
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    raise TemplateError(f"dates have no format {fmt!r} (use iso, or none)")


def format_date(value: datetime.date, language: Language) -> str:
    """A date as contract text writes it: 2026年12月4日, or 4 December 2026 — what a
    ``{{ date }}`` placeholder becomes, for text the engine writes itself."""
    return _format_date(value, None, language)


def _format_amount(value: Amount, fmt: str | None, language: Language) -> str:
    figures = f"{value.value:,.2f}"
    if fmt == "number":
        return figures
    if fmt == "capital":
        if value.currency != "CNY":
            raise TemplateError(f"capital numerals are for CNY amounts, not {value.currency}")
        try:
            return format_capital_amount(value.value)
        except AmountError as exc:
            raise TemplateError(f"cannot write {value.value} in capital numerals: {exc}") from exc
    if fmt is None:
        return f"{value.symbol}{figures}" if value.symbol else f"{value.currency} {figures}"
    raise TemplateError(f"amounts have no format {fmt!r} (use number, capital, or none)")


def _format_table(value: Table) -> str:
    def row(cells: Sequence[str], tag: str) -> str:
        return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"

    body = "".join(row(cells, "td") for cells in value.rows)
    return (
        '<table class="econtract-table"><thead>'
        f"{row(value.columns, 'th')}</thead><tbody>{body}</tbody></table>"
    )


def _format(value: Value, fmt: str | None, language: Language) -> str:
    """The HTML for ``value``: escaped text, or the markup of a table."""
    if isinstance(value, Table):
        if fmt is not None:
            raise TemplateError(f"tables have no format {fmt!r}")
        return _format_table(value)
    if isinstance(value, Amount):
        text = _format_amount(value, fmt, language)
    elif isinstance(value, datetime.date):
        text = _format_date(value, fmt, language)
    elif isinstance(value, Percentage):
        if fmt is not None:
            raise TemplateError(f"percentages have no format {fmt!r}")
        text = f"{value.value.normalize():f}%"
    elif isinstance(value, Partner):
        if fmt not in (None, "address"):
            raise TemplateError(f"parties have no format {fmt!r} (use address, or none)")
        text = value.address if fmt == "address" else value.name
    else:
        if fmt is not None:
            raise TemplateError(f"text has no format {fmt!r}")
        text = value
    return html.escape(text)


def render_placeholders(
    text: str, values: Mapping[str, Value | None], *, language: Language = "zh"
) -> str:
    """Replace every placeholder of HTML ``text`` by its formatted, escaped value.

    :raises MissingValuesError: listing every placeholder without a value, in order.
    :raises TemplateError: for a malformed placeholder or a format the value does not have.
    """
    placeholders = find_placeholders(text)
    missing = list(dict.fromkeys(p.name for p in placeholders if values.get(p.name) is None))
    if missing:
        raise MissingValuesError(missing)
    out = []
    position = 0
    for placeholder in placeholders:
        value = values[placeholder.name]
        assert value is not None  # checked above
        out += [text[position : placeholder.start], _format(value, placeholder.format, language)]
        position = placeholder.end
    out.append(text[position:])
    return "".join(out)
