"""Due dates from the times clauses state; working days by the PRC calendar; late fees."""

from __future__ import annotations

import datetime

import pytest

from econtract.extract import (
    AfterEvent,
    Event,
    OnDate,
    Recurring,
    Span,
    Unit,
    add_working_days,
    aliases,
    due_date,
    find_late_fee,
    is_working_day,
    occurrences,
    side,
)

D = datetime.date
SPAN = Span(0, 0, "")


def test_working_days_skip_holidays_and_count_moved_weekends() -> None:
    # National Day 2026: 1–7 October off, Saturday 10 October worked (调休).
    assert is_working_day(D(2026, 10, 1)) == (False, False)
    assert is_working_day(D(2026, 10, 10)) == (True, False)
    assert add_working_days(D(2026, 9, 30), 1).day == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3).day == D(2026, 10, 10)
    assert add_working_days(D(2026, 9, 30), 0).day == D(2026, 9, 30)


def test_a_year_without_an_official_calendar_is_provisional() -> None:
    reached = add_working_days(D(2026, 12, 30), 5)
    assert reached.provisional  # 2027's calendar is published by the State Council later
    assert reached.day.weekday() < 5
    assert not add_working_days(D(2026, 12, 1), 5).provisional


def test_a_deadline_beyond_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="working days"):
        add_working_days(D(2026, 1, 1), 100_000)


def test_due_dates_wait_for_their_event() -> None:
    after_delivery = AfterEvent(Event.DELIVERY, 30, Unit.DAYS, SPAN)
    assert due_date(after_delivery, {}) is None
    assert due_date(after_delivery, {Event.DELIVERY: D(2026, 1, 31)}).day == D(2026, 3, 2)
    months = AfterEvent(Event.SIGNING, 1, Unit.MONTHS, SPAN)
    assert due_date(months, {Event.SIGNING: D(2026, 1, 31)}).day == D(2026, 2, 28)
    weeks = AfterEvent(Event.ACCEPTANCE, 2, Unit.WEEKS, SPAN)
    assert due_date(weeks, {Event.ACCEPTANCE: D(2026, 5, 1)}).day == D(2026, 5, 15)
    assert due_date(OnDate(D(2026, 12, 31), SPAN), {}).day == D(2026, 12, 31)
    assert due_date(Recurring("month", 1, 5, SPAN), {}) is None


def test_working_days_before_an_event() -> None:
    before = AfterEvent(Event.PERIOD_START, -5, Unit.WORKING_DAYS, SPAN)
    # Five working days before Thursday 1 October 2026: the 24th (25–30 are 5 working days
    # back, with Sunday 27 September a moved working day).
    due = due_date(before, {Event.PERIOD_START: D(2026, 10, 1)})
    assert due is not None and not due.provisional
    counted = [
        D(2026, 9, 30) - datetime.timedelta(days=n)
        for n in range((D(2026, 9, 30) - due.day).days + 1)
    ]
    assert sum(is_working_day(day)[0] for day in counted) == 5
    assert is_working_day(due.day)[0]


def test_occurrences_of_recurring_days() -> None:
    quarterly = Recurring("quarter", 1, 5, SPAN)
    assert occurrences(quarterly, D(2026, 2, 1), D(2027, 1, 31)) == [
        D(2026, 4, 5), D(2026, 7, 5), D(2026, 10, 5), D(2027, 1, 5),
    ]  # fmt: skip
    monthly_end = Recurring("month", 1, 31, SPAN)
    assert occurrences(monthly_end, D(2026, 1, 1), D(2026, 3, 31)) == [
        D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31),
    ]  # fmt: skip
    yearly = Recurring("year", 3, 31, SPAN)
    assert occurrences(yearly, D(2026, 1, 1), D(2028, 12, 31)) == [
        D(2026, 3, 31), D(2027, 3, 31), D(2028, 3, 31),
    ]  # fmt: skip
    assert occurrences(Recurring("half_year", 1, 10, SPAN), D(2026, 3, 1), D(2026, 12, 31)) == [
        D(2026, 7, 10)
    ]


@pytest.mark.parametrize(
    ("clause", "rate"),
    [
        ("逾期付款的，每逾期一日，应按应付未付金额的万分之五向甲方支付违约金。", "0.0005"),
        ("每日按欠付租金的千分之一支付滞纳金", "0.001"),
        ("按日计算，每日支付逾期金额0.05%的违约金", "0.0005"),
        ("late payment interest of 0.05% per day on the overdue amount", "0.0005"),
        ("at a daily rate of 0.1%", "0.001"),
    ],
)
def test_late_fee_rates(clause: str, rate: str) -> None:
    fee = find_late_fee(clause)
    assert fee is not None and str(fee.rate_per_day.normalize()) == rate
    assert clause[fee.span.start : fee.span.end] == fee.span.text


def test_no_late_fee_where_none_is_stated() -> None:
    assert find_late_fee("任何一方违约的，应支付合同总金额百分之二十的违约金。") is None
    assert find_late_fee("每日工作八小时") is None


def test_aliases_name_one_party_two_ways() -> None:
    preamble = (
        "出租方（以下简称“甲方”）：上海星河物业有限公司\n"
        '承租方（乙方）：华强科技\nParty B (the "Tenant")'
    )
    assert aliases(preamble) == {
        "出租方": "甲方", "甲方": "出租方", "承租方": "乙方", "乙方": "承租方",
        "party b": "tenant", "tenant": "party b",
    }  # fmt: skip


def test_the_side_of_a_role_directly_or_by_its_alias() -> None:
    pairs = aliases("出租方（甲方）承租方（乙方）")
    assert side("甲方", {}) == "us"
    assert side("party b", {}) == "counterparty"
    assert side("出租方", pairs) == "us"
    assert side("承租方", pairs) == "counterparty"
    assert side("承租方", {}) is None
    assert side(None, pairs) is None
