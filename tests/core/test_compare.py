import pytest
from hypothesis import given
from hypothesis import strategies as st

from econtract.compare import (
    MAX_PAIRS,
    MAX_TOKENS,
    ChangeKind,
    ClauseText,
    ComparisonError,
    compare_clauses,
    compare_text,
    tokenize,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("甲方支付货款", ["甲", "方", "支", "付", "货", "款"]),
        ("pay the price", ["pay", " ", "the", " ", "price"]),
        ("人民币1,234.50元", ["人", "民", "币", "1,234.50", "元"]),
        ("交付日期2026-12-04。", ["交", "付", "日", "期", "2026-12-04", "。"]),
        ("乙方（ABC Ltd.）", ["乙", "方", "（", "ABC", " ", "Ltd", ".", "）"]),
        ("the buyer's well-known", ["the", " ", "buyer's", " ", "well-known"]),
        ("", []),
    ],
)
def test_tokens(text, tokens):
    assert tokenize(text) == tokens


@given(st.text())
def test_tokens_join_back(text):
    import unicodedata

    assert "".join(tokenize(text)) == unicodedata.normalize("NFC", text)


@given(st.text(alphabet="甲乙方付款元 ab1,."), st.text(alphabet="甲乙方付款元 ab1,."))
def test_sides_give_back_both_texts(old, new):
    diff = compare_text(old, new)
    assert "".join(s.old for s in diff.segments) == old
    assert "".join(s.new for s in diff.segments) == new
    assert diff.changed == (old != new)


def test_chinese_change_is_one_word_not_the_sentence():
    diff = compare_text(
        "乙方应于签订后十日内支付人民币伍万元。", "乙方应于签订后三十日内支付人民币陆万伍仟元。"
    )
    changes = [(s.old, s.new) for s in diff.changes]
    assert changes == [("", "三"), ("伍万", "陆万伍仟")]
    assert diff.new_html() == "乙方应于签订后<ins>三</ins>十日内支付人民币<ins>陆万伍仟</ins>元。"
    assert diff.old_html() == "乙方应于签订后十日内支付人民币<del>伍万</del>元。"


def test_english_words():
    diff = compare_text(
        "Payment within 10 days of delivery.", "Payment within 30 days of acceptance."
    )
    assert [(s.old, s.new) for s in diff.changes] == [("10", "30"), ("delivery", "acceptance")]


def test_number_is_one_token():
    diff = compare_text("总价 1,234.50 元", "总价 1,284.50 元")
    assert [(s.old, s.new) for s in diff.changes] == [("1,234.50", "1,284.50")]


def test_html_is_escaped():
    diff = compare_text("a <b> & c", "a <i> & c")
    assert "<script" not in diff.new_html()
    assert diff.new_html() == "a &lt;<ins>i</ins>&gt; &amp; c"


def test_composed_and_decomposed_compare_equal():
    assert not compare_text("café", "cafe\u0301").changed


def test_long_texts_are_compared_line_by_line_first():
    lines = [f"第{i}行内容不变。\n" for i in range(MAX_TOKENS // 4)]
    changed = list(lines)
    changed[100] = "第100行内容已经改变。\n"
    diff = compare_text("".join(lines), "".join(changed))
    assert [(s.old, s.new) for s in diff.changes] == [("不", "已经改")]
    assert "".join(s.new for s in diff.segments) == "".join(changed)


def test_not_text():
    with pytest.raises(ComparisonError):
        compare_text(b"bytes", "text")  # type: ignore[arg-type]


def clause(key, title, text):
    return ClauseText(key, title, text)


def test_clauses_replaced_added_removed():
    old = [
        clause("1", "标的", "货物为服务器十台。"),
        clause("2", "价款", "总价人民币伍万元。"),
        clause("3", "交付", "十日内交付。"),
    ]
    new = [
        clause("1", "标的", "货物为服务器十台。"),
        clause("2", "价款", "总价人民币陆万元。"),
        clause("new", "保修", "保修三年。"),
    ]
    changes = compare_clauses(old, new)
    assert [(c.key, c.kind) for c in changes] == [
        ("1", ChangeKind.EQUAL),
        ("2", ChangeKind.REPLACED),
        ("new", ChangeKind.INSERTED),
        ("3", ChangeKind.DELETED),
    ]
    assert [(s.old, s.new) for s in changes[1].text.changes] == [("伍", "陆")]
    assert changes[3].text.old_html() == "<del>十日内交付。</del>"


def test_removed_clause_stays_where_it_stood():
    old = [clause("a", "A", "x"), clause("b", "B", "y"), clause("c", "C", "z")]
    new = [clause("a", "A", "x"), clause("c", "C", "z")]
    assert [(c.key, c.kind) for c in compare_clauses(old, new)] == [
        ("a", ChangeKind.EQUAL),
        ("b", ChangeKind.DELETED),
        ("c", ChangeKind.EQUAL),
    ]


def test_retitled_clause_is_replaced():
    changes = compare_clauses([clause("a", "Price", "x")], [clause("a", "Price and Payment", "x")])
    assert changes[0].kind is ChangeKind.REPLACED
    assert changes[0].title.changed and not changes[0].text.changed


def test_duplicate_keys():
    with pytest.raises(ComparisonError, match="twice"):
        compare_clauses([clause("a", "A", "x"), clause("a", "B", "y")], [])


def test_the_work_is_bounded():
    # Past the bound, the two sides are one replacement: the matcher never weighs more
    # than MAX_PAIRS token pairs (the figures are `make bench`'s, not a test's).
    old = "甲" * 3_000
    new = "乙" * 1_500 + "甲" * 1_500
    assert len(old) * len(new) > MAX_PAIRS
    diff = compare_text(old, new)
    assert [s.kind for s in diff.segments] == [ChangeKind.REPLACED]
    assert (diff.segments[0].old, diff.segments[0].new) == (old, new)
    # Under it, the same kind of texts compare word by word.
    diff = compare_text(old[:1_000], new[:500] + old[:500])
    assert any(s.kind is ChangeKind.EQUAL and len(s.old) >= 500 for s in diff.segments)
