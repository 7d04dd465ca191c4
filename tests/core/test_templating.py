import datetime
import html
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econtract.errors import MissingValuesError, TemplateError
from econtract.templating import (
    Amount,
    Partner,
    Percentage,
    Table,
    find_placeholders,
    format_date,
    render_placeholders,
)

PRICE = Amount(Decimal("123456.78"), "CNY", "¥")
SIGNED = datetime.date(2026, 3, 8)


def test_placeholders_are_found_in_order() -> None:
    found = find_placeholders("<p>{{ buyer }} pays {{amount|capital}} by {{ due }}.</p>")
    assert [(p.name, p.format) for p in found] == [
        ("buyer", None),
        ("amount", "capital"),
        ("due", None),
    ]


@pytest.mark.parametrize(
    ("template", "value", "language", "expected"),
    [
        ("{{ v }}", PRICE, "zh", "¥123,456.78"),
        ("{{ v }}", Amount(Decimal("1000"), "USD"), "en", "USD 1,000.00"),
        ("{{ v|number }}", PRICE, "zh", "123,456.78"),
        ("{{ v|capital }}", PRICE, "zh", "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
        ("{{ v|capital }}", Amount(Decimal("0"), "CNY"), "zh", "零元整"),
        ("{{ v }}", SIGNED, "zh", "2026年3月8日"),
        ("{{ v }}", SIGNED, "en", "8 March 2026"),
        ("{{ v|iso }}", SIGNED, "en", "2026-03-08"),
        ("{{ v }}", Percentage(Decimal("12.50")), "zh", "12.5%"),
        ("{{ v }}", Percentage(Decimal("100")), "zh", "100%"),
        ("{{ v }}", Partner("上海供应商有限公司", "上海市浦东新区"), "zh", "上海供应商有限公司"),
        ("{{ v|address }}", Partner("ACME", "1 Main St"), "en", "1 Main St"),
        ("{{ v }}", "Tom & <Jerry>", "en", "Tom &amp; &lt;Jerry&gt;"),
    ],
)
def test_values_are_formatted_by_type_and_language(
    template: str, value: object, language: str, expected: str
) -> None:
    assert render_placeholders(template, {"v": value}, language=language) == expected  # type: ignore[arg-type]


def test_tables_become_escaped_html_tables() -> None:
    lines = Table(("品名", "数量"), (("办公桌", "10"), ("<script>", "2")))
    out = render_placeholders("<div>{{ lines }}</div>", {"lines": lines})
    assert out == (
        '<div><table class="econtract-table"><thead><tr><th>品名</th><th>数量</th></tr>'
        "</thead><tbody><tr><td>办公桌</td><td>10</td></tr>"
        "<tr><td>&lt;script&gt;</td><td>2</td></tr></tbody></table></div>"
    )


def test_text_around_placeholders_is_kept() -> None:
    out = render_placeholders(
        "<p>甲方：{{ buyer }}</p><p>合同金额：{{ amount }}（大写：{{ amount|capital }}）</p>",
        {"buyer": Partner("某某科技有限公司"), "amount": PRICE},
    )
    assert out == (
        "<p>甲方：某某科技有限公司</p><p>合同金额：¥123,456.78"
        "（大写：壹拾贰万叁仟肆佰伍拾陆元柒角捌分）</p>"
    )


def test_every_missing_value_is_listed_once_in_order() -> None:
    with pytest.raises(MissingValuesError) as caught:
        render_placeholders(
            "{{ seller }} {{ buyer }} {{ seller }} {{ price }}", {"buyer": "B", "price": None}
        )
    assert caught.value.names == ["seller", "price"]
    assert str(caught.value) == "missing values for: seller, price"


@pytest.mark.parametrize(
    "template",
    [
        "{{ __import__('os').system('id') }}",
        "{{ env['res.users'] }}",
        "{{ object.partner_id.name }}",
        "{{ amount + 1 }}",
        "{{ amount|capital|upper }}",
        "{{ Amount }}",
        "{{ }}",
        "{{ price",
    ],
)
def test_anything_but_a_name_is_refused(template: str) -> None:
    with pytest.raises(TemplateError, match=r"not allowed|never closed"):
        render_placeholders(f"<p>{template}</p>", {"amount": PRICE, "price": PRICE})


@pytest.mark.parametrize(
    ("template", "value", "message"),
    [
        ("{{ v|capital }}", Amount(Decimal("5"), "USD"), "for CNY amounts"),
        ("{{ v|capital }}", Amount(Decimal("0.001"), "CNY"), "fractions of a cent"),
        ("{{ v|bold }}", PRICE, "no format 'bold'"),
        ("{{ v|iso }}", "text", "text has no format"),
        ("{{ v|capital }}", SIGNED, "dates have no format"),
        ("{{ v|x }}", Table(("a",), ()), "tables have no format"),
    ],
)
def test_formats_a_value_does_not_have_are_refused(
    template: str, value: object, message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        render_placeholders(template, {"v": value})  # type: ignore[dict-item]


@given(st.text())
def test_text_values_never_inject_markup(text: str) -> None:
    out = render_placeholders("<p>{{ v }}</p>", {"v": text})
    inner = out.removeprefix("<p>").removesuffix("</p>")
    assert not re.search(r"[<>]", inner)
    assert html.unescape(inner) == text


def test_format_date_words_a_date_as_a_placeholder_does():
    day = datetime.date(2026, 12, 4)
    assert format_date(day, "zh") == "2026年12月4日"
    assert format_date(day, "en") == "4 December 2026"
    assert format_date(day, "zh") == render_placeholders("{{ d }}", {"d": day}, language="zh")
