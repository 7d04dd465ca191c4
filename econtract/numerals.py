"""Whole numbers in Chinese numerals, as used to number articles (第一条, 第十二条)."""

from __future__ import annotations

from econtract._sections import write_section
from econtract.errors import EContractError

__all__ = ["chinese_number"]

_DIGITS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千")


def chinese_number(value: int) -> str:
    """Write 1–9999 in everyday Chinese numerals: 1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五.

    A leading 一十 is written 十 (十二, not 一十二), as in article numbers.

    :raises EContractError: outside 1–9999.
    """
    if isinstance(value, bool) or not 1 <= value <= 9999:
        raise EContractError(f"chinese_number() takes 1 to 9999, not {value!r}")
    text = write_section(value, _DIGITS, _UNITS)
    return text[1:] if text.startswith("一十") else text
