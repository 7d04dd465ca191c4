"""Obligations in clause text, read by rules: who owes what, how much, and when.

A clause is cut into sentences, a sentence into parts at commas. A part may name who owes
(乙方), what is done (支付, 交付, deliver), how much (人民币16,000元, 30%) and when (签订之日
起5日内). Parts are gathered into one obligation until the one that says what is done; a
part with a time of its own starts the next (预付30%…，验收合格后支付60%…，余款…). What a
part leaves unsaid — the debtor, the verb — comes from the sentence it is in.

Nothing is guessed. A sentence is read only when it states a duty (应, 须, shall, must, or
a payment or delivery verb with a due time); conditions (如, 若, 逾期的, if, in the event
of) and prohibitions (不得, shall not) state no planned duty; a duty without a time is not
an obligation a plan can hold; times that disagree are reported, not chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TypeVar

from .model import Kind, Money, Obligation, Share, Span, When
from .money import find_amounts
from .parties import ROLE, canonical
from .timing import find_times

__all__ = ["extract_obligations"]

_T = TypeVar("_T", When, Money | Share)

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?|\n")
_ENGLISH_STOP = re.compile(r"(?<=[a-z0-9)\]])\.\s+(?=[A-Z(])")
_PART = re.compile(
    r"，|(?<!\d),|,(?!\d{3}(?!\d))(?!\s*\d{4}\b)|、(?=(?:并|且|及|于|在))"
    r"|\s+and\s+(?=(?:the\s+)?(?:remaining|balance|rest|\d))",
    re.I,
)
_RESTATEMENT = re.compile(r"^\s*(?:即|也即|亦即|也就是|i\.e\.|namely|that\s+is)", re.I)

_CONDITION = re.compile(
    r"^\s*(?:[（(]?[\d一二三四五六七八九十]+[、.．)）]\s*)?(?:如|若|如果|倘若|假如|假若|一旦|因|由于)"
    r"|(?:违约|逾期|未按|未能|迟延|延迟|拖欠|超过)[^，,。；;]{0,30}?(?:的|时|者)[，,\s]"
    r"|\b(?:if|in\s+the\s+event|in\s+case|unless|failing|should\s+the|where\s+the\s+\w+\s+fails)\b",
    re.I,
)
_PROHIBITION = re.compile(
    r"不得|不应|无需|无须|不必|免于|不再|\b(?:shall|must|need|will)\s+not\b|\bis\s+not\s+required\b",
    re.I,
)
_FACT = re.compile(
    r"(?:已|已经|业已)\s*(?:于[^，,。]{0,20}?)?(?:支付|付清|交付|缴纳|完成|收到|签订)"
    r"|\b(?:has|have)\s+(?:already\s+)?(?:paid|delivered|received)\b",
    re.I,
)
_MODAL = re.compile(
    r"应当|(?<![相响适对反效感答供])应(?!付款?方)|必须|须|需要|负责|承诺|"
    r"\b(?:shall|must|agrees?\s+to|undertakes?\s+to|is\s+to|are\s+to|will)\b",
    re.I,
)
_KINDS = [
    (Kind.DELIVERY, (
        "交付|交货|发货|送货|供货|送达|提交|交给|移交|交还|交回",
        r"\bdeliver(?:s|ed)?\b|\bship(?:s|ped)?\b|\bhand\s+over\b|\bsubmit(?:s)?\b",
    )),
    (Kind.PAYMENT, (
        "支付|付清|付款|付给|预付|缴纳|交纳|缴付|缴交|汇入|汇至|汇款|转账|结清|退还|返还|清偿|偿还|发放",
        "付(?!款方)",
        r"\bpa(?:y|ys|id|yment)\b|\bremit\b|\bsettle\b|\brefund\b|\breimburse\b",
        r"\breturns?\s+(?:the\s+)?(?:security\s+)?deposit\b",
    )),
    (Kind.ACCEPTANCE, (
        "组织验收|验收|检验|验货",
        r"\baccept(?:s|ance)?\b|\binspect(?:s|ion)?\b",
    )),
    (Kind.SERVICE, (
        "提供[^，,。]{0,12}?服务|维护|维修|保养|培训|安装|调试",
        r"\bmaintain\b|\brepair\b|\binstall\b|\btrain\b",
        r"\bprovide\s+(?:the\s+)?(?:services?|support|maintenance)\b|\bperform\s+the\s+services\b",
    )),
]  # fmt: skip
_KIND = re.compile("|".join(f"(?P<k{i}>{'|'.join(p)})" for i, (_k, p) in enumerate(_KINDS)), re.I)
#: A role preceded by these is who is paid or served, not who owes.
_TO = re.compile(r"(?:向|给|予|对|与|付给|支付给|交给|交付给|\bto|\bfrom|\bwith|\bfor)\s*$", re.I)
_BY = re.compile(r"\bby\s*$", re.I)
_PENALTY = re.compile(
    r"违约金|滞纳金|罚金|罚款|赔偿|利息|penalt|liquidated\s+damages|interest|compensation", re.I
)


@dataclass
class _Part:
    start: int
    end: int
    text: str
    times: list[When]
    amounts: list[Money | Share]
    kind: Kind | None
    debtor: str | None
    creditor: str | None
    restates: bool


@dataclass
class _Unit:
    parts: list[_Part] = field(default_factory=list)

    @property
    def times(self) -> list[When]:
        return [t for p in self.parts for t in p.times]

    @property
    def amounts(self) -> list[Money | Share]:
        return [a for p in self.parts for a in p.amounts]

    @property
    def kind(self) -> Kind | None:
        return next((p.kind for p in self.parts if p.kind), None)

    @property
    def debtor(self) -> str | None:
        return next((p.debtor for p in self.parts if p.debtor), None)

    @property
    def creditor(self) -> str | None:
        return next((p.creditor for p in self.parts if p.creditor), None)


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\0" * (end - start)
    return "".join(chars)


def _part(clause: str, start: int, end: int, shares: bool) -> _Part:
    text = clause[start:end]
    times = find_times(text, start)
    amounts = find_amounts(text, start, shares=shares)
    covered = [(w.span.start - start, w.span.end - start) for w in times]
    covered += [(a.span.start - start, a.span.end - start) for a in amounts]
    plain = _masked(text, covered)
    kind_match = _KIND.search(ROLE.sub(lambda m: "\0" * len(m.group(0)), plain))
    kind = None
    if kind_match:
        kind = next(k for i, (k, _p) in enumerate(_KINDS) if kind_match[f"k{i}"])
    debtor = creditor = None
    for match in ROLE.finditer(plain):
        before = plain[: match.start()]
        role = canonical(match.group(0))
        if _BY.search(before):
            debtor = role  # payment shall be made by the Buyer
        elif _TO.search(before) or (kind_match and match.start() > kind_match.start()):
            creditor = creditor or role  # 向甲方支付, 支付乙方工资, pay the Landlord
        elif debtor is None:
            debtor = role
    return _Part(
        start, end, text, times, amounts, kind, debtor, creditor, bool(_RESTATEMENT.match(text))
    )


def _sentences(clause: str) -> list[tuple[int, int]]:
    spans = []
    for match in _SENTENCE.finditer(clause):
        start, end = match.span()
        cut = start
        for stop in _ENGLISH_STOP.finditer(clause, start, end):
            spans.append((cut, stop.start() + 1))
            cut = stop.end()
        spans.append((cut, end))
    return [(s, e) for s, e in spans if clause[s:e].strip()]


def _parts(clause: str, start: int, end: int) -> list[_Part]:
    cuts, cut = [], start
    for match in _PART.finditer(clause, start, end):
        if match.start() > cut:
            cuts.append((cut, match.start()))
        cut = match.end()
    if end > cut:
        cuts.append((cut, end))
    parts: list[_Part] = []
    for part_start, part_end in cuts:
        # Once a stage is a share of the price, a percentage opening a later part is one too.
        shares = any(isinstance(a, Share) for p in parts for a in p.amounts)
        parts.append(_part(clause, part_start, part_end, shares))
    return parts


def _distinct(values: list[_T]) -> list[_T]:
    seen: dict[object, _T] = {}
    for value in values:
        key = tuple((k, v) for k, v in vars(value).items() if k != "span")
        seen.setdefault(key, value)
    return list(seen.values())


def _states_duty(sentence: str) -> bool:
    masked = ROLE.sub(lambda m: "\0" * len(m.group(0)), sentence)
    return not (
        _CONDITION.search(sentence) or _PROHIBITION.search(sentence) or _FACT.search(sentence)
    ) and bool(_MODAL.search(masked) or _KIND.search(masked))


def extract_obligations(clause: str) -> list[Obligation]:
    """The obligations ``clause`` states, in the order it states them."""
    found: list[Obligation] = []
    for start, end in _sentences(clause):
        sentence = clause[start:end]
        if not _states_duty(sentence):
            continue
        parts = _parts(clause, start, end)
        subject = next((p.debtor for p in parts if p.debtor), None)
        sentence_kind = next((p.kind for p in parts if p.kind), None)
        has_modal = bool(_MODAL.search(ROLE.sub(lambda m: "\0" * len(m.group(0)), sentence)))
        units: list[_Unit] = []
        unit = _Unit()
        for part in parts:
            new_time = part.times and unit.times and not part.restates
            # 合同总价为36万元，甲方于7月1日前支付18万元: the total was context, not this stage.
            new_amount = part.amounts and unit.amounts and not unit.times
            if new_time or new_amount:
                units.append(unit)
                unit = _Unit()
            unit.parts.append(part)
            if part.kind and unit.times:
                units.append(unit)
                unit = _Unit()
        if unit.parts:
            units.append(unit)
        pending: list[Money | Share] = []
        last_kind = None
        emitted: Obligation | None = None
        for unit in units:
            kind = unit.kind or last_kind or sentence_kind
            last_kind = unit.kind or last_kind
            amounts = _distinct(unit.amounts) or pending
            if not unit.times:
                restated = _restated_amount(emitted, unit, clause)
                if restated is not None:  # …支付劳动者上月工资，月工资为人民币12,000元
                    found[-1] = emitted = restated
                    continue
                pending = amounts
                continue
            pending = []
            if kind is None and not has_modal:
                continue
            times = _distinct(unit.times)
            first, last = unit.parts[0], unit.parts[-1]
            offset = len(first.text) - len(first.text.lstrip(" ，,"))
            text = clause[first.start + offset : last.end].rstrip(" ，,。；;.")
            emitted = Obligation(
                kind=kind or Kind.OTHER,
                debtor=unit.debtor or subject,
                creditor=unit.creditor,
                amount=amounts[0] if len(amounts) == 1 else None,
                when=times[0] if len(times) == 1 else None,
                span=Span(first.start + offset, first.start + offset + len(text), text),
                clause=clause,
                conflicts=tuple(times) if len(times) > 1 else (),
                amount_conflicts=tuple(amounts) if len(amounts) > 1 else (),
            )
            found.append(emitted)
    return found


def _restated_amount(previous: Obligation | None, unit: _Unit, clause: str) -> Obligation | None:
    """``previous`` with the one amount of a following part that names no verb or time
    and gives the amount of the duty just stated; None when that is not so."""
    amounts = _distinct(unit.amounts)
    if previous is None or previous.amount is not None or len(amounts) != 1 or unit.kind:
        return None
    if _PENALTY.search(" ".join(part.text for part in unit.parts)):
        return None  # …，违约金为人民币5,000元: another sum, not this duty's
    end = unit.parts[-1].end
    text = clause[previous.span.start : end].rstrip(" ，,。；;.")
    span = Span(previous.span.start, previous.span.start + len(text), text)
    return replace(previous, amount=amounts[0], span=span)
