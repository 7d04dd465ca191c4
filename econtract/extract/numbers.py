"""Numbers as contracts write them: figures with thousands separators, full-width digits,
and Chinese numerals (三十, 一百二十, 两, 二〇二六, 十五) — the lower-case ones of running text.
Capital numerals of amounts (壹万陆仟元整) are `econtract.amounts`'.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["CHINESE_NUMBER", "FIGURES", "parse_chinese_integer", "parse_number"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000}
_GREAT = {"万": 10_000, "亿": 100_000_000}

#: A Chinese integer in running text: 三十, 一百二十, 两千, 二〇二六, 十五.
CHINESE_NUMBER = r"[零〇一二两三四五六七八九十百千万亿]+"
#: Figures: 30, 1,000,000, 16000.00, ３０ (full-width folded by `parse_number`).
FIGURES = r"[0-9０-９]+(?:[,，][0-9０-９]{3})*(?:[.．][0-9０-９]+)?"


def parse_chinese_integer(text: str) -> int | None:
    """The value of a Chinese integer, or None when ``text`` is not one.

    Digit-by-digit forms (二〇二六, 二零二六) read as their digits; positional forms with
    十百千万亿 as their sum (十五 = 15, 一百零五 = 105, 三万五千 = 35000).
    """
    if not text or any(c not in _DIGITS and c not in _UNITS and c not in _GREAT for c in text):
        return None
    if all(c in _DIGITS for c in text):
        if len(text) == 1:
            return _DIGITS[text]
        return int("".join(str(_DIGITS[c]) for c in text)) if "两" not in text else None
    total, section, digit = 0, 0, None
    for char in text:
        if char in _DIGITS:
            if digit is not None and _DIGITS[char] != 0:
                return None  # two digits in a row (三四十): not a number we read
            digit = _DIGITS[char] if _DIGITS[char] else None
        elif char in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            section += digit or 0
            if not section and not total:
                return None
            total = (
                (total + section) * _GREAT[char] if char == "亿" else total + section * _GREAT[char]
            )
            section, digit = 0, None
    return total + section + (digit or 0)


def parse_number(text: str) -> Decimal | None:
    """Figures or a Chinese integer as a `Decimal`; None when ``text`` is neither."""
    folded = unicodedata.normalize("NFKC", text).replace(",", "").replace("，", "").strip()
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", folded):
        try:
            return Decimal(folded)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
    value = parse_chinese_integer(folded)
    return None if value is None else Decimal(value)
