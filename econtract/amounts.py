"""Amounts in Chinese capital numerals (大写金额).

Contracts, invoices and cheques in China state every amount twice, in figures and in
capital numerals that cannot be altered by adding a stroke (壹 for 一, 贰 for 二…). The
writing rules followed here are those of the People's Bank of China for settlement
documents (《正确填写票据和结算凭证的基本规定》):

- figures go up to 分 (cents); an amount ending at 元 is closed with 整;
- zeros between figures are written 零, several in a row as one 零;
- when the 元 digit is zero but 角 is not, 零 follows 元 (壹仟陆佰捌拾元零叁角贰分),
  and when 角 is zero but 分 is not, 零 stands in its place (叁佰贰拾伍元零肆分);
- 拾 is always preceded by its digit (壹拾元整, never 拾元整).

Where the rules allow two spellings, `format_capital_amount` writes the first one given
in the rules; `parse_capital_amount` reads both, and the common variants 圆 and 正.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ._sections import write_section
from .errors import AmountError

__all__ = ["MAX_AMOUNT", "format_capital_amount", "parse_capital_amount"]

MAX_AMOUNT = Decimal("9999999999999999.99")
"""The largest amount written here: sixteen integer digits (up to 仟万亿)."""

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_CENT = Decimal("0.01")


def _to_cents(amount: Decimal | int | float | str) -> int:
    if isinstance(amount, bool):
        raise AmountError(f"not an amount: {amount!r}")
    try:
        # repr() of a float is its shortest round-tripping decimal: 0.1 reads as 0.1.
        value = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise AmountError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise AmountError(f"not a finite amount: {amount!r}")
    if value != value.quantize(_CENT):
        raise AmountError(f"amount {amount} has fractions of a cent (分)")
    if value < 0:
        raise AmountError(f"amount {amount} is negative: capital numerals state sums owed")
    if value > MAX_AMOUNT:
        raise AmountError(f"amount {amount} exceeds the largest supported, {MAX_AMOUNT}")
    return int(value * 100)


def _section(value: int) -> str:
    """Write 1–9999 in capital numerals."""
    return write_section(value, DIGITS, _UNITS)


def _integer(value: int) -> str:
    """Write a positive integer below 10^16 with the 万 and 亿 sections."""
    for size, name in ((10**8, "亿"), (10**4, "万")):
        if value >= size:
            high, rest = divmod(value, size)
            text = _integer(high) + name
            if rest:
                # A gap before the first digit of the rest is read as 零: 壹万零伍佰.
                text += ("零" if rest < size // 10 else "") + _integer(rest)
            return text
    return _section(value)


def format_capital_amount(amount: Decimal | int | float | str) -> str:
    """Write ``amount`` (in 元) in Chinese capital numerals.

    >>> format_capital_amount(Decimal("123456.78"))
    '壹拾贰万叁仟肆佰伍拾陆元柒角捌分'

    :raises AmountError: for fractions of a cent, negative, non-finite or too large amounts.
    """
    cents = _to_cents(amount)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    parts = []
    if yuan or not rest:
        parts += [_integer(yuan) if yuan else "零", "元"]
    if not rest:
        parts.append("整")
    elif jiao:
        if yuan and yuan % 10 == 0:
            parts.append("零")
        parts.append(DIGITS[jiao] + "角")
    elif yuan:
        parts.append("零")
    if fen:
        parts.append(DIGITS[fen] + "分")
    return "".join(parts)


_FRACTION = re.compile(
    r"零?(?:(?P<jiao>[壹贰叁肆伍陆柒捌玖])角)?零?(?:(?P<fen>[壹贰叁肆伍陆柒捌玖])分)?"
)
_SECTION_UNITS = {"拾": 1, "佰": 2, "仟": 3}


def _parse_section(text: str, original: str) -> int:
    """Read 0–9999 written with 拾佰仟 (a leading 拾 alone means 壹拾)."""
    value = 0
    last_position = 4
    digit: int | None = None
    zero = False
    for char in text:
        if char in _SECTION_UNITS:
            position = _SECTION_UNITS[char]
            if position >= last_position:
                raise AmountError(f"misplaced {char} in {original!r}")
            if digit is None:
                if value or zero:
                    raise AmountError(f"{char} without a digit before it in {original!r}")
                digit = 1
            value += digit * 10**position
            last_position, digit, zero = position, None, False
        elif char == "零":
            if digit is not None:
                raise AmountError(f"零 after a digit in {original!r}")
            zero = True
        elif char in DIGITS:
            if digit is not None:
                raise AmountError(f"two digits in a row in {original!r}")
            digit = DIGITS.index(char)
        else:
            raise AmountError(f"unexpected character {char!r} in {original!r}")
    if digit is not None:
        # 壹仟玖 could mean 1900 or 1009: the rules require 壹仟玖佰 or 壹仟零玖.
        if value and last_position > 1 and not zero:
            raise AmountError(f"ambiguous trailing digit in {original!r}")
        value += digit
    return value


def _parse_integer(text: str, original: str) -> int:
    for size, name in ((10**8, "亿"), (10**4, "万")):
        high, found, rest = text.rpartition(name) if name == "亿" else text.partition(name)
        if found:
            if not high.strip("零"):
                raise AmountError(f"{name} without a number before it in {original!r}")
            low = _parse_integer(rest, original) if rest else 0
            if low >= size:
                raise AmountError(f"malformed {name} section in {original!r}")
            return _parse_integer(high, original) * size + low
    return _parse_section(text, original)


def parse_capital_amount(text: str) -> Decimal:
    """Read an amount written in Chinese capital numerals, as written by hand or by us.

    Like `format_capital_amount`, it knows no negative amounts.

    Accepts an optional 人民币 prefix, 圆 for 元 and 正 for 整.

    >>> parse_capital_amount("人民币壹仟陆佰捌拾元叁角贰分")
    Decimal('1680.32')

    :raises AmountError: when ``text`` is not a well-formed capital amount.
    """
    original = text
    body = re.sub(r"\s+", "", text).removeprefix("人民币").lstrip("：:")
    body = body.replace("圆", "元").replace("正", "整").removesuffix("整")
    if body.startswith("负"):
        raise AmountError(f"negative amount in {original!r}: capital numerals state sums owed")
    if not body:
        raise AmountError(f"no amount in {original!r}")
    integer_text, has_yuan, fraction_text = body.rpartition("元")
    if not has_yuan:
        integer_text, fraction_text = "", body
    fraction = _FRACTION.fullmatch(fraction_text)
    if not fraction:
        raise AmountError(f"malformed 角/分 part {fraction_text!r} in {original!r}")
    if not has_yuan and not fraction_text.strip("零"):
        raise AmountError(f"no 元, 角 or 分 in {original!r}")
    yuan = _parse_integer(integer_text, original) if integer_text.strip("零") else 0
    if has_yuan and not integer_text:
        raise AmountError(f"元 without a number before it in {original!r}")
    cents = yuan * 100
    cents += 10 * DIGITS.index(fraction["jiao"]) if fraction["jiao"] else 0
    cents += DIGITS.index(fraction["fen"]) if fraction["fen"] else 0
    result = Decimal(cents) / 100
    if abs(result) > MAX_AMOUNT:
        raise AmountError(f"amount in {original!r} exceeds {MAX_AMOUNT}")
    return result.quantize(_CENT)
