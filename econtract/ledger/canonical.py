"""RFC 8785 JSON Canonicalization Scheme (JCS): one byte string per JSON value.

Evidence events are hashed into the log, so the bytes that represent an event must not depend
on who serialised it: a verifier in another language re-encodes the event and has to arrive at
the same SHA-256. JCS fixes the three things plain JSON leaves open — member order (by UTF-16
code units), number format (ECMAScript ``Number.prototype.toString``) and string escaping
(``JSON.stringify``'s minimal set) — and forbids what cannot round-trip (NaN, infinities,
integers beyond 2**53, lone surrogates).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from econtract.errors import LedgerError

__all__ = ["CanonicalizationError", "canonical", "canonical_text", "loads"]

_SAFE_INTEGER = 2**53 - 1


class CanonicalizationError(LedgerError, ValueError):
    """A value has no RFC 8785 form: NaN, an infinity, an oversized integer, a lone surrogate,
    a non-string member name, or a type JSON does not know."""


def _number(value: float) -> str:
    """ECMAScript's shortest round-trip form of a double (ECMA-262, Number::toString)."""
    if math.isnan(value) or math.isinf(value):
        raise CanonicalizationError(f"{value!r} has no JSON form")
    if value == 0:
        return "0"  # also -0.0
    sign = "-" if value < 0 else ""
    # repr gives the shortest digit string that reads back as the same double, as ES does.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    exponent += len(digit_tuple) - len(digits)
    k = len(digits)
    n = exponent + k  # the decimal point sits after n digits
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _string(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise CanonicalizationError(f"lone surrogate in {value!r}") from error
    # json.dumps escapes exactly what JSON.stringify does: '"', '\\', and the C0 controls
    # (\b \t \n \f \r short, the rest as lowercase \u00xx); everything else is literal.
    return json.dumps(value, ensure_ascii=False)


def _sort_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _encode_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > _SAFE_INTEGER:
            raise CanonicalizationError(
                f"{value} is beyond 2**53 and would not survive a round trip; send it as a string"
            )
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    raise CanonicalizationError(f"{type(value).__name__} is not a JSON type")


def _encode(value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        for name in value:
            if not isinstance(name, str):
                raise CanonicalizationError(f"member name {name!r} is not a string")
        out.append("{")
        for position, name in enumerate(sorted(value, key=_sort_key)):
            out.append("," if position else "")
            out.append(_string(name) + ":")
            _encode(value[name], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        out.append("[")
        for position, item in enumerate(value):
            out.append("," if position else "")
            _encode(item, out)
        out.append("]")
    else:
        out.append(_encode_scalar(value))


def _parse_int(text: str) -> int | float:
    value = int(text)
    return value if abs(value) <= _SAFE_INTEGER else float(text)


def loads(text: str | bytes) -> Any:
    """Parse JSON as JCS reads it: numbers beyond the safe integers are doubles.

    ``canonical(1e21)`` is ``1e+21`` but ``canonical(2.0**60)`` is ``1152921504606847000``;
    read back with plain `json.loads` the latter is an integer too large to encode again.
    """
    return json.loads(text, parse_int=_parse_int)


def canonical_text(value: Any) -> str:
    """The RFC 8785 serialisation of ``value`` as text."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def canonical(value: Any) -> bytes:
    """The RFC 8785 serialisation of ``value``: UTF-8 bytes, ready to hash."""
    return canonical_text(value).encode("utf-8")
