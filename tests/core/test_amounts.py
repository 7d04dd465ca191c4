from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econtract.amounts import MAX_AMOUNT, format_capital_amount, parse_capital_amount
from econtract.errors import AmountError, EContractError

# The examples of the People's Bank of China rules, plus the section and sign edge cases.
WRITTEN = [
    ("123456.78", "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("107000.53", "壹拾万柒仟元零伍角叁分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("10", "壹拾元整"),
    ("100010", "壹拾万零壹拾元整"),
    ("100500", "壹拾万零伍佰元整"),
    ("100000001", "壹亿零壹元整"),
    ("10000000000", "壹佰亿元整"),
    ("1000100000000", "壹万零壹亿元整"),
    ("100000", "壹拾万元整"),
    ("1000000.01", "壹佰万元零壹分"),
    ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
    (
        "1234567890123456.78",
        "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌亿玖仟零壹拾贰万叁仟肆佰伍拾陆元柒角捌分",
    ),
]


@pytest.mark.parametrize(("amount", "text"), WRITTEN)
def test_format_follows_the_rules(amount: str, text: str) -> None:
    assert format_capital_amount(Decimal(amount)) == text


@pytest.mark.parametrize(("amount", "text"), WRITTEN)
def test_parse_reads_what_format_writes(amount: str, text: str) -> None:
    assert parse_capital_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("人民币壹仟陆佰捌拾元叁角贰分", "1680.32"),  # the allowed spelling without 零
        ("壹拾万零柒仟元伍角叁分", "107000.53"),
        ("人民币：叁佰圆正", "300"),
        ("拾元整", "10"),
        ("壹万亿元整", "1000000000000"),
        ("壹仟零玖元", "1009"),
    ],
)
def test_parse_accepts_variants(text: str, amount: str) -> None:
    assert parse_capital_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("value", "text"),
    [(12, "壹拾贰元整"), (0.1, "壹角"), (1234.5, "壹仟贰佰叁拾肆元伍角"), ("88.8", "捌拾捌元捌角")],
)
def test_format_accepts_int_float_and_str(value: int | float | str, text: str) -> None:
    assert format_capital_amount(value) == text


@given(st.integers(min_value=0, max_value=int(MAX_AMOUNT * 100)))
def test_round_trip(cents: int) -> None:
    amount = Decimal(cents) / 100
    text = format_capital_amount(amount)
    assert parse_capital_amount(text) == amount
    assert "零零" not in text
    assert not text.endswith("零")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.005", "fractions of a cent"),
        ("-0.01", "negative"),
        (-100, "negative"),
        (0.1 + 0.2, "fractions of a cent"),
        (MAX_AMOUNT + 1, "exceeds"),
        ("abc", "not an amount"),
        ("NaN", "not a finite amount"),
        (Decimal("Infinity"), "not a finite amount"),
        (True, "not an amount"),
        (None, "not an amount"),
    ],
)
def test_format_rejects_bad_amounts(value: object, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        format_capital_amount(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no amount"),
        ("人民币", "no amount"),
        ("壹仟玖元", "ambiguous"),
        ("壹佰拾元", "without a digit"),
        ("壹贰元", "two digits in a row"),
        ("拾佰元", "misplaced"),
        ("壹万壹万元", "malformed 万"),
        ("万元", "without a number"),
        ("元伍角", "元 without a number"),
        ("壹佰元伍分角", "malformed 角/分"),
        ("一百元", "unexpected character"),
        ("壹亿亿亿元", "exceeds"),
        ("负叁元贰角", "negative"),
    ],
)
def test_parse_rejects_malformed_text(text: str, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        parse_capital_amount(text)


def test_amount_error_is_an_econtract_error() -> None:
    assert issubclass(AmountError, EContractError)
