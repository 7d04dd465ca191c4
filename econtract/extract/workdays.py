"""Working days of the People's Republic of China (工作日).

Deadlines in working days skip weekends and public holidays, and count the weekend days
the State Council moves work to (调休). The calendar is the one the State Council publishes
each year, as kept by the ``chinesecalendar`` package; for a year it does not know yet
(published each November for the next), Monday to Friday stand in, and the result says so,
so that a plan can show the date as provisional and recompute it once the year is known.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import chinese_calendar

__all__ = ["WorkdayCount", "add_working_days", "is_working_day"]

MAX_WORKING_DAYS = 3660
"""Ten years of working days: a longer deadline is a misreading."""


@dataclass(frozen=True)
class WorkdayCount:
    """A day reached by counting working days."""

    day: datetime.date
    provisional: bool
    """True when a year on the way has no official calendar yet (weekdays stood in)."""


def is_working_day(day: datetime.date) -> tuple[bool, bool]:
    """Whether ``day`` is a working day in China, and whether that is provisional."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:  # a year the package has no calendar for
        return day.weekday() < 5, True


def add_working_days(start: datetime.date, count: int) -> WorkdayCount:
    """The ``count``-th working day after ``start`` (``start`` itself not counted, as in
    验收合格后15个工作日内: the 15th working day after the day of acceptance)."""
    if not 0 <= count <= MAX_WORKING_DAYS:
        raise ValueError(f"{count} working days is not a deadline this calendar counts")
    day, provisional = start, False
    while count:
        day += datetime.timedelta(days=1)
        working, unsure = is_working_day(day)
        provisional |= unsure
        count -= working
    return WorkdayCount(day, provisional)
