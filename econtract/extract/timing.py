"""When a clause says something is due: dates (2026年12月31日, 2026-12-31, 31 December
2026), deadlines after an event (签订之日起30日内, 验收合格后15个工作日内, within 30 days
after delivery) and recurring days (每月15日, 每季度首月5日前, on the 5th of each month).

A date that opens or closes a period (自2026年1月1日起, 2026年1月1日至2028年12月31日) is
a term, not a deadline, and is not reported.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence

from .model import AfterEvent, Event, OnDate, Recurring, Span, Unit, When
from .numbers import CHINESE_NUMBER, parse_chinese_integer

__all__ = ["find_times"]

_NUM = rf"(?:\d{{1,4}}|{CHINESE_NUMBER})"
_YEAR = r"(?:\d{4}|[二〇零一三四五六七八九]{4})"
_MONTH_NAMES = {
    name: index
    for index, names in enumerate(
        (
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_DATES = [
    re.compile(rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_NUM})\s*月\s*(?P<d>{_NUM})\s*[日号]"),
    re.compile(r"(?<![\d.])(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?![\d])"),
    re.compile(
        rf"\b(?P<mn>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I
    ),
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn>{_MONTH})\.?,?\s+(?P<y>\d{{4}})\b",
        re.I,
    ),
]
#: Before a date: it starts a period (自2026年1月1日起, from 1 January 2026).
_STARTS_BEFORE = re.compile(
    r"(?:自|从|起始于|commencing(?:\s+on)?|from|starting(?:\s+on)?|effective)\s*$", re.I
)
_STARTS_AFTER = re.compile(r"^\s*(?:起|开始|起算|生效)")
#: Between two dates: a term (至, 到, to, through, until).
_RANGE = re.compile(r"^\s*(?:起?至|到|—|–|-|~|～|to|through|until|till)\s*$", re.I)
#: A date that states when something happened (签订日期, dated, 签订于): not a deadline.
_PAST_BEFORE = re.compile(
    r"(?:签订于|签署于|签订日期[:：]?|签署日期[:：]?|dated|signed\s+on)\s*$", re.I
)

_EVENTS_ZH = [
    (Event.PERIOD_START, r"每期(?:租金)?(?:开始|起始日|起租日)"),
    (
        Event.SIGNING,
        r"(?:本合同|合同|协议|本协议)?(?:双方)?(?:签订|签署|签字盖章|签字|签约|订立)(?:本合同|本协议)?",
    ),
    (Event.EFFECTIVE, r"(?:本合同|合同|协议|本协议)?生效"),
    (Event.ACCEPTANCE, r"(?:最终|终|初)?验收(?:合格|通过|完成)?"),
    (Event.INVOICE, r"收到[^，,。；;]{0,12}?发票|(?:开具|提供)[^，,。；;]{0,8}?发票|发票开具"),
    (Event.DELIVERY, r"交付|交货|货到|到货|收到货物|收货|送达|发货"),
    (Event.WARRANTY_END, r"(?:质保期|质量保证期|保修期)(?:满|届满|结束)"),
    (Event.END, r"(?:租期|租赁期|合同期|本合同期限|合同)(?:届满|期满|满|到期|终止)|本合同终止"),
]
_EVENT_ZH = "|".join(f"(?P<e{i}>{pattern})" for i, (_e, pattern) in enumerate(_EVENTS_ZH))
_UNITS_ZH = {
    "个工作日": Unit.WORKING_DAYS, "工作日": Unit.WORKING_DAYS, "个自然日": Unit.DAYS,
    "自然日": Unit.DAYS, "日": Unit.DAYS, "天": Unit.DAYS, "个月": Unit.MONTHS, "月": Unit.MONTHS,
    "周": Unit.WEEKS, "个星期": Unit.WEEKS, "星期": Unit.WEEKS,
}  # fmt: skip
_UNIT_ZH = "|".join(sorted(map(re.escape, _UNITS_ZH), key=len, reverse=True))
# 签订之日起30日内 / 验收合格后15个工作日内 / 收到发票后30天内 / 每期开始前五个工作日
_RELATIVE_ZH = re.compile(
    rf"(?:{_EVENT_ZH})(?:之日|当日|之后|以后|后|起|之前|以前|前)*\s*(?:起)?\s*"
    rf"(?P<n>{_NUM})\s*(?P<unit>{_UNIT_ZH})(?:内|以内|之内|前|之前)?"
)
# 余款于质保期满后支付 / 交货时付清 / 签订当日 — on the event itself
_ON_EVENT_ZH = re.compile(rf"(?:于|在|待)?(?:{_EVENT_ZH})(?:之日|当日|时|后|之后|以后)")

_EVENTS_EN = [
    (Event.SIGNING, (
        r"(?:the\s+)?(?:signing|execution)(?:\s+(?:date|of\s+this\s+(?:agreement|contract|lease)))?",
        r"(?:the\s+)?date\s+(?:hereof|of\s+(?:signing|execution))",
        r"signature",
    )),
    (Event.EFFECTIVE, (r"(?:the\s+)?effective\s+date",)),
    (Event.ACCEPTANCE, (r"(?:the\s+)?(?:final\s+)?acceptance(?:\s+of\s+the\s+\w+)?",)),
    (Event.INVOICE, (
        r"(?:the\s+)?receipt\s+of\s+(?:a|the|an)\s+(?:valid\s+|correct\s+|undisputed\s+)?invoice",
        r"(?:the\s+)?invoice\s+date",
        r"invoicing",
    )),
    (Event.DELIVERY, (
        r"(?:the\s+)?delivery(?:\s+of\s+the\s+\w+)?",
        r"(?:the\s+)?receipt\s+of\s+the\s+goods",
    )),
    (Event.WARRANTY_END, (
        r"(?:the\s+)?(?:expiry|expiration|end)\s+of\s+the\s+warranty(?:\s+period)?",
    )),
    (Event.END, (
        r"(?:the\s+)?(?:expiry|expiration|end|termination)\s+of\s+(?:the|this)\s+"
        r"(?:term|lease|agreement|contract)",
        r"(?:the\s+)?termination",
    )),
]  # fmt: skip
_EVENT_EN = "|".join(f"(?P<e{i}>{'|'.join(p)})" for i, (_e, p) in enumerate(_EVENTS_EN))
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty-five": 45, "forty": 40, "sixty": 60, "ninety": 90,
}  # fmt: skip
_NUM_EN = r"(?:\d{1,4}|" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?:\s*\(\d{1,4}\))?"
_UNIT_EN = r"(?P<unit>business\s+days?|working\s+days?|calendar\s+days?|days?|weeks?|months?)"
_RELATIVE_EN = re.compile(
    rf"(?:within|no\s+later\s+than|not\s+later\s+than|by)?\s*(?P<n>{_NUM_EN})\s+{_UNIT_EN}\s+"
    rf"(?:after|of|from|following|upon)\s+(?:{_EVENT_EN})"
    rf"|(?P<n2>{_NUM_EN})\s+{_UNIT_EN.replace('unit', 'unit2')}\s+(?P<before>before|prior\s+to)\s+"
    rf"(?:the\s+(?:start|beginning|first\s+day)\s+of\s+each\s+(?:period|month|quarter))",
    re.I,
)
_ON_EVENT_EN = re.compile(rf"\b(?:upon|on|at|after)\s+(?:{_EVENT_EN})", re.I)

_PERIODS_ZH = {"月": "month", "季度": "quarter", "季": "quarter", "半年": "half_year", "年": "year"}
_WHICH_ZH = {"首": 1, "第一个": 1, "第二个": 2, "第三个": 3, "末": 3}
_RECURRING_ZH = re.compile(
    rf"每(?P<p>季度|半年|月|季|年)(?:的)?(?:(?P<which>首|第一个|第二个|第三个|末)(?:个)?月)?"
    rf"(?:(?P<m>{_NUM})\s*月)?(?:的)?(?:(?P<d>{_NUM})\s*[日号]|(?P<last>最后一[日天]|末日?|底))"
)
_PERIODS_EN = {"month": "month", "quarter": "quarter", "year": "year"}
_RECURRING_EN = re.compile(
    r"(?:on\s+or\s+before|by|before|no\s+later\s+than|on)\s+the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    r"(?:\s+day)?\s+of\s+(?:(?P<which>the\s+first|the\s+second|the\s+third)\s+month\s+of\s+)?"
    r"(?:each|every)\s+(?:calendar\s+)?(?P<p>month|quarter|year)",
    re.I,
)
_WHICH_EN = {"the first": 1, "the second": 2, "the third": 3}


def _number(text: str) -> int | None:
    text = re.sub(r"\s*\(\d+\)", "", text.strip()).lower()
    if text.isdigit():
        return int(text)
    return _WORDS.get(text, parse_chinese_integer(text))


def _event(match: re.Match[str], events: Sequence[tuple[Event, object]]) -> Event:
    # The last event named wins: 货到验收合格后 counts from acceptance.
    named = [
        (match.start(f"e{i}"), event) for i, (event, _p) in enumerate(events) if match[f"e{i}"]
    ]
    return max(named)[1]


def _span(base: int, match: re.Match[str]) -> Span:
    return Span(base + match.start(), base + match.end(), match.group(0))


def _dates(text: str, base: int) -> list[tuple[int, int, OnDate]]:
    found: list[tuple[int, int, OnDate]] = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e, _d in found):
                continue
            year = _number(match["y"]) if not match["y"].isdigit() else int(match["y"])
            month = (
                _MONTH_NAMES[match["mn"].lower()]
                if match.groupdict().get("mn")
                else _number(match["m"])
            )
            day = _number(match["d"])
            try:
                date = datetime.date(year or 0, month or 0, day or 0)
            except ValueError:
                continue  # 2026年2月30日: not a date
            found.append((match.start(), match.end(), OnDate(date, _span(base, match))))
    found.sort(key=lambda item: item[0])
    deadlines = []
    for index, (start, end, on) in enumerate(found):
        before, after = text[:start], text[end:]
        if (
            _STARTS_BEFORE.search(before)
            or _STARTS_AFTER.match(after)
            or _PAST_BEFORE.search(before)
        ):
            continue
        neighbours = [found[index - 1]] if index else []
        neighbours += found[index + 1 : index + 2]
        if any(_RANGE.match(text[min(end, e2) : max(start, s2)]) for s2, e2, _o in neighbours):
            continue  # one end of a term
        deadlines.append((start, end, on))
    return deadlines


_Reader = Callable[[re.Match[str], int], "When | None"]


def _recurring_zh(match: re.Match[str], _base: int) -> tuple[str, int, int] | None:
    period = _PERIODS_ZH[match["p"]]
    month = _WHICH_ZH.get(match["which"] or "", 1)
    if match["m"]:
        if period != "year":
            return None
        month = _number(match["m"]) or 0
    day = 31 if match["last"] else _number(match["d"] or "") or 0
    return (period, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def _recurring_en(match: re.Match[str], _base: int) -> tuple[str, int, int] | None:
    day = int(match["d"])
    month = _WHICH_EN.get(re.sub(r"\s+", " ", (match["which"] or "").lower()), 1)
    return (_PERIODS_EN[match["p"].lower()], month, day) if 1 <= day <= 31 else None


def _english_unit(text: str) -> Unit:
    text = text.lower()
    if text.startswith(("business", "working")):
        return Unit.WORKING_DAYS
    if text.startswith("week"):
        return Unit.WEEKS
    return Unit.MONTHS if text.startswith("month") else Unit.DAYS


def _relative_zh(match: re.Match[str], base: int) -> When | None:
    count = _number(match["n"])
    if count is None:
        return None
    event = _event(match, _EVENTS_ZH)
    if event is Event.PERIOD_START:
        count = -count  # 每期开始前五个工作日: before each period
    return AfterEvent(event, count, _UNITS_ZH[match["unit"]], _span(base, match))


def _relative_en(match: re.Match[str], base: int) -> When | None:
    count = _number(match["n"] or match["n2"])
    if count is None:
        return None
    unit = _english_unit(match["unit"] or match["unit2"])
    if match["before"]:
        return AfterEvent(Event.PERIOD_START, -count, unit, _span(base, match))
    return AfterEvent(_event(match, _EVENTS_EN), count, unit, _span(base, match))


def _on_event(events: Sequence[tuple[Event, object]]) -> _Reader:
    def read(match: re.Match[str], base: int) -> When | None:
        event = _event(match, events)
        if event is Event.PERIOD_START:
            return None
        return AfterEvent(event, 0, Unit.DAYS, _span(base, match))

    return read


def _recurring(reader: Callable[[re.Match[str], int], tuple[str, int, int] | None]) -> _Reader:
    def read(match: re.Match[str], base: int) -> When | None:
        found = reader(match, base)
        return None if found is None else Recurring(*found, _span(base, match))

    return read


#: Readers in the order they claim text: a recurring day before a relative deadline before
#: a date before the bare mention of an event.
_READERS: list[tuple[re.Pattern[str], _Reader]] = [
    (_RECURRING_ZH, _recurring(_recurring_zh)),
    (_RECURRING_EN, _recurring(_recurring_en)),
    (_RELATIVE_ZH, _relative_zh),
    (_RELATIVE_EN, _relative_en),
]
_EVENT_READERS = [(_ON_EVENT_ZH, _on_event(_EVENTS_ZH)), (_ON_EVENT_EN, _on_event(_EVENTS_EN))]


def find_times(text: str, base: int = 0) -> list[When]:
    """Every due time ``text`` (a part of a clause starting at ``base``) states, in order."""
    found: list[tuple[int, int, When]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b, _w in found)

    def claim(readers: list[tuple[re.Pattern[str], _Reader]]) -> None:
        for pattern, read in readers:
            for match in pattern.finditer(text):
                when = read(match, base) if free(*match.span()) else None
                if when is not None:
                    found.append((match.start(), match.end(), when))

    claim(_READERS)
    found.extend(item for item in _dates(text, base) if free(item[0], item[1]))
    claim(_EVENT_READERS)
    found.sort(key=lambda item: item[0])
    return [when for _s, _e, when in found]
