"""What extraction finds: obligations, their amounts and times, each with its text span.

Times are kept as the contract states them — a date, so many days after an event, a day
of every month or quarter — and turned into due dates only when the event is known
(`due_date`, `occurrences`): a relative deadline is not a date until delivery happens.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from econtract.lease import add_months

from .workdays import add_working_days, is_working_day

__all__ = [
    "AfterEvent",
    "Due",
    "Event",
    "Kind",
    "LateFee",
    "Money",
    "Obligation",
    "OnDate",
    "Recurring",
    "Share",
    "Span",
    "Unit",
    "When",
    "count_from",
    "due_date",
    "occurrences",
]


class Kind(StrEnum):
    """What is owed."""

    PAYMENT = "payment"
    DELIVERY = "delivery"
    ACCEPTANCE = "acceptance"
    SERVICE = "service"
    OTHER = "other"


class Event(StrEnum):
    """What a relative deadline counts from."""

    SIGNING = "signing"
    EFFECTIVE = "effective"
    DELIVERY = "delivery"
    ACCEPTANCE = "acceptance"
    INVOICE = "invoice"
    WARRANTY_END = "warranty_end"
    END = "end"
    """The end of the contract's term (租期届满, 合同期满, expiry)."""
    PERIOD_START = "period_start"
    """The start of each rent or service period (每期开始前五个工作日内)."""


class Unit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"
    WEEKS = "weeks"
    MONTHS = "months"


@dataclass(frozen=True)
class Span:
    """Where in the clause a finding was read: ``clause[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class OnDate:
    """On or before a calendar date (2026年12月31日前, no later than 31 December 2026)."""

    day: datetime.date
    span: Span


@dataclass(frozen=True)
class AfterEvent:
    """``count`` ``unit`` after ``event`` (before it when negative); 0 means on the event."""

    event: Event
    count: int
    unit: Unit
    span: Span


@dataclass(frozen=True)
class Recurring:
    """On or before ``day`` of month ``month`` of every period (每季度首月5日前: quarter,
    month 1, day 5; 每月15日: month, month 1, day 15; 每年3月31日前: year, month 3, day 31)."""

    every: str
    """``month``, ``quarter``, ``half_year`` or ``year``."""
    month: int
    day: int
    span: Span


When = OnDate | AfterEvent | Recurring


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str
    """ISO 4217 (CNY for 元, 人民币, ¥)."""
    span: Span


@dataclass(frozen=True)
class Share:
    """A share of the contract amount (预付30%, 30% of the Contract Price)."""

    percent: Decimal
    span: Span


@dataclass(frozen=True)
class LateFee:
    """A late-payment rate the contract states (每日万分之五: 0.0005 per day)."""

    rate_per_day: Decimal
    span: Span


@dataclass(frozen=True)
class Obligation:
    """One duty the clause states, with when it is due and what it is worth."""

    kind: Kind
    debtor: str | None
    """Who owes it, as a role key (甲方, 乙方, party a, lessee…; see `parties`), or None
    when the sentence does not say."""
    creditor: str | None
    amount: Money | Share | None
    when: When | None
    """None when the clause gives times that disagree: see ``conflicts``."""
    span: Span
    """The part of the clause the obligation was read from."""
    clause: str
    conflicts: tuple[When, ...] = field(default=())
    """Different times the same part states (2026年1月10日前, 即2026年1月12日): shown to
    the user to choose from, never picked here."""
    amount_conflicts: tuple[Money | Share, ...] = field(default=())
    """Different amounts the same part states (16,000元, 大写壹万伍仟元整)."""


@dataclass(frozen=True)
class Due:
    day: datetime.date
    provisional: bool = False
    """Counted in working days over a year with no official calendar yet."""


def count_from(start: datetime.date, count: int, unit: Unit) -> Due:
    """``count`` ``unit`` after ``start`` (before it when negative); working days by the PRC
    calendar, months clamped to the end of shorter months."""
    if unit is Unit.WORKING_DAYS:
        if count >= 0:
            reached = add_working_days(start, count)
            return Due(reached.day, reached.provisional)
        day, provisional, left = start, False, -count
        while left:
            day -= datetime.timedelta(days=1)
            working, unsure = is_working_day(day)
            provisional |= unsure
            left -= working
        return Due(day, provisional)
    if unit is Unit.MONTHS:
        return Due(add_months(start, count))
    if unit is Unit.WEEKS:
        return Due(start + datetime.timedelta(weeks=count))
    return Due(start + datetime.timedelta(days=count))


def due_date(when: When, events: dict[Event, datetime.date]) -> Due | None:
    """When ``when`` falls, given the dates of the events that happened; None while its
    event has not (delivery not yet made) or for a recurring time (see `occurrences`)."""
    if isinstance(when, OnDate):
        return Due(when.day)
    if isinstance(when, AfterEvent):
        start = events.get(when.event)
        return None if start is None else count_from(start, when.count, when.unit)
    return None


_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def occurrences(when: Recurring, start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Each due date of a recurring time between ``start`` and ``end`` (inclusive).

    Periods are calendar periods (quarters begin in January, April, July, October); a
    day past the month's end is its last day (每月31日 in February: the 28th or 29th).
    """
    months = _PERIOD_MONTHS[when.every]
    first = (
        datetime.date(start.year, 1, 1)
        if months == 12
        else datetime.date(start.year, (start.month - 1) // months * months + 1, 1)
    )
    days = []
    period = first
    while period <= end:
        month_start = add_months(period, when.month - 1)
        last = calendar.monthrange(month_start.year, month_start.month)[1]
        day = month_start.replace(day=min(when.day, last))
        if start <= day <= end:
            days.append(day)
        period = add_months(period, months)
    return days
