import datetime
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econtract.lease import LeaseError, add_months, rent_schedule

D = datetime.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2027, 11, 15), 3, D(2028, 2, 15)),
        (D(2027, 3, 31), 12, D(2028, 3, 31)),
    ],
)
def test_add_months_clamps_to_month_end(day: D, months: int, expected: D) -> None:
    assert add_months(day, months) == expected


def test_monthly_schedule_for_a_year() -> None:
    periods = rent_schedule(D(2027, 1, 1), D(2027, 12, 31), Decimal("8000"), months_per_period=1)
    assert len(periods) == 12
    assert periods[0].start == periods[0].due == D(2027, 1, 1)
    assert periods[0].end == D(2027, 1, 31)
    assert periods[1].start == D(2027, 2, 1)
    assert periods[-1].end == D(2027, 12, 31)
    assert {p.amount for p in periods} == {Decimal("8000.00")}


def test_quarterly_with_yearly_escalation() -> None:
    periods = rent_schedule(
        D(2027, 4, 1),
        D(2030, 3, 31),
        Decimal("30000"),
        months_per_period=3,
        escalation_percent=Decimal("5"),
    )
    assert len(periods) == 12
    amounts = [p.amount for p in periods]
    assert amounts[:4] == [Decimal("30000.00")] * 4
    assert amounts[4:8] == [Decimal("31500.00")] * 4
    assert amounts[8:] == [Decimal("33075.00")] * 4


def test_last_period_is_prorated_by_days() -> None:
    periods = rent_schedule(D(2027, 1, 1), D(2027, 2, 14), Decimal("2800"), months_per_period=1)
    assert [(p.start, p.end) for p in periods] == [
        (D(2027, 1, 1), D(2027, 1, 31)),
        (D(2027, 2, 1), D(2027, 2, 14)),
    ]
    assert periods[1].amount == Decimal("1400.00")  # 14 of February's 28 days


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": D(2027, 2, 1), "end": D(2027, 1, 1)}, "ends"),
        ({"months_per_period": 0}, "at least one month"),
        ({"rent": Decimal("-1")}, "negative"),
        ({"escalation_percent": Decimal("-3")}, "negative"),
        ({"end": D(2200, 1, 1)}, "more than 1200"),
    ],
)
def test_bad_terms_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "start": D(2027, 1, 1),
        "end": D(2027, 12, 31),
        "rent": Decimal("100"),
        "months_per_period": 1,
    }
    args.update(kwargs)
    with pytest.raises(LeaseError, match=message):
        rent_schedule(**args)  # type: ignore[arg-type]


@given(
    st.dates(min_value=D(2000, 1, 1), max_value=D(2060, 12, 31)),
    st.integers(min_value=0, max_value=3000),
    st.sampled_from([1, 3, 6, 12]),
)
def test_periods_tile_the_term(start: D, days: int, months: int) -> None:
    end = start + datetime.timedelta(days=days)
    periods = rent_schedule(start, end, Decimal("1000"), months_per_period=months)
    assert periods[0].start == start
    assert periods[-1].end == end
    for before, after in itertools.pairwise(periods):
        assert after.start == before.end + datetime.timedelta(days=1)
    assert all(Decimal(0) <= p.amount <= Decimal("1000") for p in periods)
