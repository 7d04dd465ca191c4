"""The parties of a clause by their roles: 甲方/乙方, 出租方/承租方, 供方/需方, Party A,
the Lessee… and who of them owes a duty.

Roles are keys: Chinese as written (甲方, 承租方), English lower-case without the article
(party a, lessee). A contract may name one party two ways — 出租方（甲方）, Party A (the
"Landlord") — which `aliases` reads, so a caller that knows who 甲方 is knows who the
出租方 is.
"""

from __future__ import annotations

import re

__all__ = ["OURS", "ROLE", "THEIRS", "aliases", "canonical", "roles_in", "side"]

_ZH = (
    "甲方|乙方|丙方|丁方|出租方|承租方|出租人|承租人|供方|需方|供货方|购货方|卖方|买方|供应商|"
    "采购方|采购人|用人单位|劳动者|委托方|受托方|委托人|受托人|发包方|承包方|发包人|承包人|许可方|"
    "被许可方|服务方|客户"
)
_EN = (
    r"party\s+[abcd]|lessor|lessee|landlord|tenant|supplier|buyer|purchaser|seller|vendor|"
    r"customer|client|contractor|employer|employee|licensor|licensee|service\s+provider"
)
#: One role mention; longer names first, so 被许可方 is not read as 许可方.
ROLE = re.compile(
    "(?:"
    + "|".join(sorted(_ZH.split("|"), key=len, reverse=True))
    + rf")|\b(?:the\s+)?(?:{_EN})\b",
    re.I,
)
_ALIAS = re.compile(
    rf"(?P<a>{ROLE.pattern})\s*[（(]\s*(?:以下简称|以下称|下称|hereinafter(?:\s+referred\s+to\s+as)?|the)?"
    rf"\s*[“\"'「]?\s*(?P<b>{ROLE.pattern})\s*[”\"'」]?\s*[)）]",
    re.I,
)


def canonical(role: str) -> str:
    """The key of a role mention: 甲方 stays 甲方; "the  Lessee" is ``lessee``."""
    text = re.sub(r"\s+", " ", role.strip()).lower()
    return text.removeprefix("the ")


def roles_in(text: str) -> list[tuple[int, int, str]]:
    """Each role mention in ``text``: start, end and key."""
    return [(m.start(), m.end(), canonical(m.group(0))) for m in ROLE.finditer(text)]


def aliases(text: str) -> dict[str, str]:
    """Pairs of roles a contract gives one party (出租方（甲方）: both ways)."""
    pairs: dict[str, str] = {}
    for match in _ALIAS.finditer(text):
        first, second = canonical(match["a"]), canonical(match["b"])
        if first != second:
            pairs[first], pairs[second] = second, first
    return pairs


#: The drafting company is 甲方 / Party A in every contract econtract drafts; the other
#: parties are B, C, D… (econtract_base's document parties).
OURS = frozenset({"甲方", "party a"})
THEIRS = frozenset({"乙方", "丙方", "丁方", "party b", "party c", "party d"})


def side(role: str | None, pairs: dict[str, str]) -> str | None:
    """``us`` or ``counterparty`` for a role key, directly or through the alias a preamble
    gives it (出租方（甲方）); None when the contract does not say."""
    for key in (role, pairs.get(role or "")):
        if key in OURS:
            return "us"
        if key in THEIRS:
            return "counterparty"
    return None
