import pytest

from econtract.errors import EContractError
from econtract.numerals import chinese_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (21, "二十一"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (9999, "九千九百九十九"),
    ],
)
def test_article_numbers(value: int, text: str) -> None:
    assert chinese_number(value) == text


@pytest.mark.parametrize("value", [0, -1, 10000, True])
def test_out_of_range(value: int) -> None:
    with pytest.raises(EContractError, match="1 to 9999"):
        chinese_number(value)
