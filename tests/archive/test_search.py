"""Segmentation, queries and snippets for Chinese and English contract text."""

from __future__ import annotations

import pytest

from econtract.search import index_words, normalise, parse_query, snippet

LEASE = "上海星河贸易有限公司（出租方）与承租方签订房屋租赁合同，承租方应支付押金人民币伍万元整。"


def test_index_holds_long_words_and_the_words_inside_them() -> None:
    words = index_words([LEASE, "Lease Agreement No. EC2026-0001"]).split()
    for word in ("租赁", "押金", "有限公司", "有限", "公司", "lease", "agreement", "ec2026"):
        assert word in words, word
    assert "，" not in words and "（" not in words


def test_full_width_and_case_fold() -> None:
    assert normalise("ＡＢＣ１２３ Deposit") == "abc123 deposit"
    assert index_words(["ＬＥＡＳＥ"]) == "lease"


@pytest.mark.parametrize(
    ("text", "words", "phrases"),
    [
        ("租赁", ("租赁",), ()),
        ("租赁 押金", ("租赁", "押金"), ()),
        ("Lease deposit", ("lease", "deposit"), ()),
        ('"押金人民币"', (), ("押金人民币",)),
        ("“星河贸易”", (), ("星河贸易",)),
        ("甲", (), ("甲",)),
        ("", (), ()),
    ],
)
def test_parse_query(text: str, words: tuple[str, ...], phrases: tuple[str, ...]) -> None:
    query = parse_query(text)
    assert query.words == words
    assert query.phrases == phrases
    assert query.empty == (not words and not phrases)


def test_every_query_word_is_an_index_word() -> None:
    """What a query asks for is spelled the way the index stores it (both segment alike)."""
    indexed = set(index_words([LEASE]).split())
    for query in ("房屋租赁", "押金", "有限公司", "星河贸易"):
        assert set(parse_query(query).words) <= indexed, query


def test_estimate_groups_bound_words_together_and_phrase_words_alone() -> None:
    query = parse_query('租赁 押金 "社会保险"')
    assert query.estimate_groups() == (("租赁", "押金"), ("社会",), ("保险",), ("社会保险",))
    assert query.estimate_groups(per_phrase=1) == (("租赁", "押金"), ("社会",))
    assert parse_query('租赁 "甲"').estimate_groups() is None
    assert parse_query("甲").estimate_groups() is None


def test_snippet_marks_terms_and_escapes_html() -> None:
    text = "<b>注意</b> " + "条款" * 40 + LEASE
    html = snippet(text, parse_query("押金").highlights, width=40)
    assert "<mark>押金</mark>" in html
    assert html.startswith("…")
    assert "<b>" not in snippet("<b>押金</b>", ["押金"])
    assert "&lt;b&gt;" in snippet("<b>押金</b>", ["押金"])


def test_snippet_without_a_hit_is_the_beginning() -> None:
    assert snippet("Lease of the office", ["deposit"], width=8) == "Lease of…"
    assert snippet("Deposit ＡＢＣ", ["abc"]).endswith("<mark>ＡＢＣ</mark>")
