"""Extraction over the corpus: every obligation found as expected, none invented."""

from __future__ import annotations

import pytest

from econtract.extract import (
    AfterEvent,
    Money,
    Obligation,
    OnDate,
    Recurring,
    Share,
    extract_obligations,
)

from .corpus import CORPUS


def _amount(value: Money | Share | None) -> str | None:
    if isinstance(value, Money):
        return f"{value.currency} {value.amount}"
    if isinstance(value, Share):
        return f"{value.percent.normalize():f}%"
    return None


def _when(obligation: Obligation) -> str | None:
    when = obligation.when
    if when is None:
        return "conflict" if obligation.conflicts else None
    if isinstance(when, OnDate):
        return f"date {when.day.isoformat()}"
    if isinstance(when, AfterEvent):
        return f"{when.event.value} {when.count:+d} {when.unit.value}"
    assert isinstance(when, Recurring)
    return f"every {when.every} {when.month}/{when.day}"


def describe(obligation: Obligation) -> tuple[str, str | None, str | None, str | None]:
    return obligation.kind.value, obligation.debtor, _amount(obligation.amount), _when(obligation)


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 60
    assert sum(not expected for _c, expected in CORPUS) >= 15  # clauses that state none


@pytest.mark.parametrize(("clause", "expected"), CORPUS, ids=[c[:24] for c, _e in CORPUS])
def test_extraction(
    clause: str, expected: list[tuple[str, str | None, str | None, str | None]]
) -> None:
    found = extract_obligations(clause)
    assert [describe(o) for o in found] == expected
    for obligation in found:
        span = obligation.span
        assert clause[span.start : span.end] == span.text  # the exact text it came from
        assert obligation.clause == clause
        for part in (obligation.when, obligation.amount, *obligation.conflicts):
            if part is not None:
                assert clause[part.span.start : part.span.end] == part.span.text
                assert span.start <= part.span.start and part.span.end <= span.end
