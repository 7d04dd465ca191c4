"""Amounts in clause text: figures with a currency (人民币16,000元, ¥16,000, 1.2万元,
RMB 16,000, USD 5,000.00), capital numerals (壹万陆仟元整), Chinese numerals (五万元), and
shares of the contract amount (预付30%, 合同总价的百分之三十, 30% of the Contract Price).
"""

from __future__ import annotations

import re
from decimal import Decimal

from econtract.amounts import parse_capital_amount
from econtract.errors import AmountError

from .model import LateFee, Money, Share, Span
from .numbers import CHINESE_NUMBER, FIGURES, parse_number

__all__ = ["find_amounts", "find_late_fee"]

_CAPITAL = re.compile(
    r"(?:人民币)?(?:大写)?[:：]?\s*([零壹贰叁肆伍陆柒捌玖拾佰仟万亿]+[元圆][零壹贰叁肆伍陆柒捌玖角分整正]*)"
)
_SCALE = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1000)}
_CURRENCY_WORDS = {
    "人民币": "CNY", "rmb": "CNY", "cny": "CNY", "¥": "CNY", "￥": "CNY", "元": "CNY",
    "usd": "USD", "us$": "USD", "$": "USD", "美元": "USD", "eur": "EUR", "€": "EUR",
    "欧元": "EUR", "hkd": "HKD", "港币": "HKD", "港元": "HKD",
}  # fmt: skip
# 人民币16,000元 / ¥16,000 / 1.2万元 / 16000元 / 五万元
_CHINESE_FIGURES = re.compile(
    rf"(?P<pre>人民币|RMB|CNY|[¥￥$€]|USD|EUR|HKD)?\s*"
    rf"(?P<num>{FIGURES}|{CHINESE_NUMBER})\s*(?P<scale>[万亿千])?\s*"
    rf"(?P<unit>元|圆|美元|欧元|港币|港元)(?![零壹贰叁肆伍陆柒捌玖角分])",
    re.IGNORECASE,
)
# RMB 16,000 / USD 5,000.00 / ¥16,000 / RMB 1.2 million — a currency before, no 元 after.
_PREFIXED = re.compile(
    rf"(?P<pre>人民币|RMB|CNY|USD|EUR|HKD|US\$|[¥￥$€])\s*(?P<num>{FIGURES})"
    r"(?:\s*(?P<scale>million|thousand|万|亿))?(?!\s*[0-9元万亿])",
    re.IGNORECASE,
)
_CENT = Decimal("0.01")
_ENGLISH_SCALE = {"million": Decimal(1_000_000), "thousand": Decimal(1000)}
# 30% / 30％ / 百分之三十 — a share when it is of the contract amount or a payment stage.
_PERCENT = re.compile(rf"(?:(?P<fig>{FIGURES})\s*[%％]|百分之(?P<zh>{CHINESE_NUMBER}|{FIGURES}))")
_OF_TOTAL = re.compile(
    r"(?:合同|协议)?(?:总价款?|总金额|总额|价款|金额|总价|货款总额|含税总价)的?\s*$"
    r"|(?:预付|首付|支付|付|余款|尾款|进度款|预付款|质保金|保证金|剩余|余下|其余|另)\s*(?:款|金额|的)?\s*$"
    r"|\b(?:pay|paid|remaining|balance\s+of|remainder\s+of|further|another)\s*$",
    re.I,
)
_OF_TOTAL_EN = re.compile(
    r"^\s*(?:of\s+the\s+(?:total\s+)?(?:contract\s+(?:price|amount|sum|value)|purchase\s+price|"
    r"price|fees?|total\s+amount))",
    re.IGNORECASE,
)


def _span(base: int, match: re.Match[str]) -> Span:
    return Span(base + match.start(), base + match.end(), match.group(0))


def _figures(match: re.Match[str]) -> Decimal | None:
    number = parse_number(match["num"])
    if number is None:
        return None
    scale = (match["scale"] or "").lower()
    return (number * _SCALE.get(scale, _ENGLISH_SCALE.get(scale, Decimal(1)))).quantize(_CENT)


def _currency(prefix: str | None, unit: str | None) -> str:
    for word in (prefix, unit):
        if word and word.lower() in _CURRENCY_WORDS and word not in ("元", "圆"):
            return _CURRENCY_WORDS[word.lower()]
    return "CNY"


def _capital(match: re.Match[str], base: int, _text: str, _shares: bool) -> Money | None:
    try:
        amount = parse_capital_amount(match.group(1))
    except AmountError:
        return None
    return Money(amount, "CNY", _span(base, match))


def _money(match: re.Match[str], base: int, _text: str, _shares: bool) -> Money | None:
    amount = _figures(match)
    if amount is None or amount <= 0:
        return None
    return Money(amount, _currency(match["pre"], match.groupdict().get("unit")), _span(base, match))


def _share(match: re.Match[str], base: int, text: str, shares: bool) -> Share | None:
    before, after = text[: match.start()], text[match.end() :]
    opens = shares and not before.strip(" \t，,：:")
    if not (opens or _OF_TOTAL.search(before[-16:]) or _OF_TOTAL_EN.match(after)):
        return None
    number = parse_number(match["fig"] or match["zh"])
    return Share(number, _span(base, match)) if number is not None and 0 < number <= 100 else None


#: Readers in the order they claim text: capitals, figures with 元, a currency first, shares.
_READERS = [
    (_CAPITAL, _capital),
    (_CHINESE_FIGURES, _money),
    (_PREFIXED, _money),
    (_PERCENT, _share),
]


def find_amounts(text: str, base: int = 0, *, shares: bool = False) -> list[Money | Share]:
    """Every amount and share in ``text`` (a part of a clause starting at ``base``), in
    order; an amount in capitals that repeats the figures before it is one amount.

    A percentage is a share of the contract amount when the text says so (合同总价的30%,
    预付30%, 30% of the Contract Price) or, with ``shares``, when it opens the text (the
    next stage of a payment schedule already in shares: …，60%于验收后支付).
    """
    found: list[tuple[int, Money | Share]] = []
    taken: list[tuple[int, int]] = []
    for pattern, read in _READERS:
        for match in pattern.finditer(text):
            if any(match.start() < b and a < match.end() for a, b in taken):
                continue
            value = read(match, base, text, shares)
            if value is not None:
                taken.append(match.span())
                found.append((match.start(), value))
    found.sort(key=lambda item: item[0])
    merged: list[Money | Share] = []
    for _start, value in found:
        previous = merged[-1] if merged else None
        if (
            isinstance(previous, Money)
            and isinstance(value, Money)
            and previous.amount == value.amount
            and _between_is_restatement(text, previous.span.end - base, value.span.start - base)
        ):
            continue  # 人民币16,000元（大写：壹万陆仟元整）: one amount, written twice
        merged.append(value)
    return merged


def _between_is_restatement(text: str, end: int, start: int) -> bool:
    return bool(
        re.fullmatch(r"[\s（(，,：:]*(?:大写|小写|即|in words)?[\s：:]*", text[end:start], re.I)
    )


#: Per day: 每日, 按日, 每逾期一日 (a comma may follow before the rate).
_DAILY = r"每日|每天|按日|日|每(?:逾期|迟延|延迟|延期)(?:一)?[日天]"
_RATE = re.compile(
    rf"(?:{_DAILY})[^。；;]{{0,30}}?(?P<kind>万分之|千分之|百分之)(?P<zh>{CHINESE_NUMBER}|{FIGURES})"
    rf"|(?:{_DAILY})[^。；;]{{0,30}}?(?P<fig>{FIGURES})\s*[%％‰]"
    rf"|(?P<en>{FIGURES})\s*%\s*(?:per\s+day|a\s+day|daily|for\s+each\s+day)"
    rf"|daily\s+(?:rate\s+of\s+)?(?P<en2>{FIGURES})\s*%",
    re.IGNORECASE,
)
_PARTS = {"万分之": Decimal(10_000), "千分之": Decimal(1000), "百分之": Decimal(100)}


def find_late_fee(text: str) -> LateFee | None:
    """The daily late-payment rate a breach clause states, as a fraction per day
    (每日万分之五 → 0.0005, 0.05% per day → 0.0005), or None."""
    for match in _RATE.finditer(text):
        if match["kind"]:
            number = parse_number(match["zh"])
            divisor = _PARTS[match["kind"]]
        else:
            raw = match["fig"] or match["en"] or match["en2"]
            number = parse_number(raw)
            divisor = Decimal(1000) if match.group(0).rstrip().endswith("‰") else Decimal(100)
        if number is None or number <= 0:
            continue
        rate = number / divisor
        if rate >= Decimal("0.1"):  # ten per cent a day is a misreading, not a rate
            continue
        return LateFee(rate, Span(match.start(), match.end(), match.group(0)))
    return None
