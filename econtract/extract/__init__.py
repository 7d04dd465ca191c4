"""Obligations read from contract clauses, in Chinese and English, by rules.

`extract_obligations` finds who owes what, how much and when in a clause; `due_date` and
`occurrences` turn the times it finds into dates once the events they count from are known
(working days by the PRC calendar, `workdays`); `find_late_fee` reads a breach clause's
daily rate for dunning letters. Deterministic: the same text always gives the same result,
and text it cannot read gives nothing.
"""

from .model import (
    AfterEvent,
    Due,
    Event,
    Kind,
    LateFee,
    Money,
    Obligation,
    OnDate,
    Recurring,
    Share,
    Span,
    Unit,
    When,
    count_from,
    due_date,
    occurrences,
)
from .money import find_amounts, find_late_fee
from .obligations import extract_obligations
from .parties import aliases, side
from .timing import find_times
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
    "add_working_days",
    "aliases",
    "count_from",
    "due_date",
    "extract_obligations",
    "find_amounts",
    "find_late_fee",
    "find_times",
    "is_working_day",
    "occurrences",
    "side",
]
