"""Rent schedules of lease contracts.

A lease states a rent per period (monthly, quarterly…), a term, and often a yearly
escalation. The schedule lists every period with its due date and amount: periods follow
each other from the start date; a last period cut short by the end of the term pays in
proportion to its days; the rent rises by the escalation rate on each anniversary of the
start. Amounts are rounded to the cent, half up, period by period.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from econtract.errors import EContractError

__all__ = ["LeaseError", "RentPeriod", "add_months", "rent_schedule"]

_CENT = Decimal("0.01")
MAX_PERIODS = 1200
"""A hundred years of monthly rent: anything longer is a data-entry error."""


class LeaseError(EContractError):
    """Lease terms that do not make a schedule (end before start, no rent period…)."""


@dataclass(frozen=True)
class RentPeriod:
    """One period of rent."""

    start: datetime.date
    end: datetime.date
    """Last day of the period, inclusive."""
    due: datetime.date
    """When the rent of the period is due: its first day (rent is paid in advance)."""
    amount: Decimal


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by whole months, clamped to the end of shorter months (Jan 31 → Feb 28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def rent_schedule(
    start: datetime.date,
    end: datetime.date,
    rent: Decimal,
    *,
    months_per_period: int,
    escalation_percent: Decimal = Decimal(0),
) -> list[RentPeriod]:
    """The rent periods from ``start`` to ``end`` (inclusive).

    :param rent: rent of one full period in the first lease year.
    :param escalation_percent: yearly rise, compounded on each anniversary of ``start``.
    :raises LeaseError: for an end before the start, a period shorter than a month, a
        negative rent or escalation, or more than `MAX_PERIODS` periods.
    """
    if end < start:
        raise LeaseError(f"the lease ends ({end}) before it starts ({start})")
    if months_per_period < 1:
        raise LeaseError("a rent period lasts at least one month")
    if rent < 0 or escalation_percent < 0:
        raise LeaseError("rent and escalation cannot be negative")
    factor = 1 + escalation_percent / 100
    periods: list[RentPeriod] = []
    index = 0
    period_start = start
    while period_start <= end:
        if len(periods) >= MAX_PERIODS:
            raise LeaseError(f"the lease has more than {MAX_PERIODS} rent periods")
        index += 1
        next_start = add_months(start, index * months_per_period)
        period_end = min(next_start - datetime.timedelta(days=1), end)
        years = _whole_years(start, period_start)
        amount = rent * factor**years
        full_days = (next_start - period_start).days
        days = (period_end - period_start).days + 1
        if days < full_days:
            amount = amount * days / full_days
        periods.append(
            RentPeriod(
                period_start,
                period_end,
                period_start,
                amount.quantize(_CENT, rounding=ROUND_HALF_UP),
            )
        )
        period_start = next_start
    return periods


def _whole_years(start: datetime.date, day: datetime.date) -> int:
    years = day.year - start.year
    return years - 1 if add_months(start, 12 * years) > day else years
