"""Word-level comparison of contract texts, in Chinese as in English.

Chinese puts no spaces between words, so splitting on white space would make a whole
sentence one "word" and show it replaced when one character changed. Without a dictionary
(whose segmentation would depend on its version, and a comparison must read the same in
court years later) the stable unit for Chinese is the character: each Han character, kana
or Hangul syllable is one token, while a run of Latin letters, of digits (with their
separators: ``1,234.50``), of white space, or one punctuation mark is one token each. The
matcher then works on tokens, and small equal islands between two edits are folded into
the edit, so that ``人民币伍万元`` → ``人民币陆万伍仟元`` reads as one change and not as a
scatter of single characters.

Contracts are compared clause by clause (`compare_clauses`): clauses are matched by a key
that stays with a clause across versions, so a clause moved, reworded, added or removed is
reported as such, and each reworded clause is compared word by word (`compare_text`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from html import escape

from econtract.errors import EContractError

__all__ = [
    "ChangeKind",
    "ClauseChange",
    "ClauseText",
    "ComparisonError",
    "Segment",
    "TextDiff",
    "compare_clauses",
    "compare_text",
    "tokenize",
]

#: Texts longer than this (in tokens) are compared line by line first: the matcher's cost
#: grows with the product of the lengths, and a clause this long is a pasted annex.
MAX_TOKENS = 20_000
#: The most token (or line) pairs one matcher run may weigh: past it, the run's two sides
#: are reported as one replacement. It bounds the time any comparison takes (a fraction
#: of a second), whatever the texts — a reader's screen must not wait on a hostile annex.
MAX_PAIRS = 4_000_000
#: The same bound for lines, which the matcher pairs by hash: a text of 5,000 lines still
#: compares line by line.
MAX_LINE_PAIRS = 50_000_000

_TOKEN = re.compile(
    r"""
    (?P<number>\d+(?:[.,:/\-]\d+)*)       # 1,234.50  2026-12-04  12:30
  | (?P<word>[^\W\d_]+(?:['’\-][^\W\d_]+)*)  # letters, but split below where CJK
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class ComparisonError(EContractError):
    """The texts cannot be compared as given (duplicate clause keys, not text)."""


class ChangeKind(StrEnum):
    """What happened to a piece of text or a clause between two versions."""

    EQUAL = "equal"
    INSERTED = "inserted"
    DELETED = "deleted"
    REPLACED = "replaced"


@dataclass(frozen=True)
class Segment:
    """One run of a comparison: the same in both versions, or changed."""

    kind: ChangeKind
    """What the run is."""

    old: str
    """The run's text in the old version ('' for an insertion)."""

    new: str
    """The run's text in the new version ('' for a deletion)."""


@dataclass(frozen=True)
class TextDiff:
    """Two versions of a text as a sequence of segments."""

    segments: tuple[Segment, ...]

    @property
    def changed(self) -> bool:
        """Whether the texts differ at all."""
        return any(segment.kind is not ChangeKind.EQUAL for segment in self.segments)

    @property
    def changes(self) -> tuple[Segment, ...]:
        """The segments that differ, in order."""
        return tuple(s for s in self.segments if s.kind is not ChangeKind.EQUAL)

    def old_html(self) -> str:
        """The old version as HTML, what was removed or replaced in ``<del>``."""
        return "".join(
            _html(s.old, "del" if s.kind is not ChangeKind.EQUAL else None)
            for s in self.segments
            if s.old
        )

    def new_html(self) -> str:
        """The new version as HTML, what was added or replaced in ``<ins>``."""
        return "".join(
            _html(s.new, "ins" if s.kind is not ChangeKind.EQUAL else None)
            for s in self.segments
            if s.new
        )


@dataclass(frozen=True)
class ClauseText:
    """A clause as compared: the key that follows it across versions, its title and text."""

    key: str
    """Stable across versions of the contract: an amendment's copy of a clause keeps the
    key of the clause it copies, a new clause gets a key of its own."""

    title: str
    text: str


@dataclass(frozen=True)
class ClauseChange:
    """One clause of either version, and what happened to it."""

    kind: ChangeKind
    old: ClauseText | None
    new: ClauseText | None
    title: TextDiff
    text: TextDiff

    @property
    def key(self) -> str:
        clause = self.new or self.old
        assert clause is not None  # one side is always there
        return clause.key


def _is_cjk(char: str) -> bool:
    """Han ideographs, kana, Hangul and CJK symbols: written without spaces between words."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, CJK symbols, kana, Han (with extension A)
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # full-width forms (，。（）)
        or 0x20000 <= code <= 0x3FFFF  # Han extensions B and later
    )


def tokenize(text: str) -> list[str]:
    """Split ``text`` into the units a comparison counts: one per CJK character, per Latin
    word, per number, per run of white space, per other mark. Joining the tokens gives the
    text back unchanged (after NFC normalisation, so that a character typed composed and
    decomposed compares equal)."""
    if not isinstance(text, str):
        raise ComparisonError(f"compare text, not {type(text).__name__}")
    text = unicodedata.normalize("NFC", text)
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if match.lastgroup == "word" and any(_is_cjk(c) for c in token):
            run = ""
            for char in token:
                if _is_cjk(char):
                    if run:
                        tokens.append(run)
                        run = ""
                    tokens.append(char)
                else:
                    run += char
            if run:
                tokens.append(run)
        else:
            tokens.append(token)
    return tokens


def _segments(old: Sequence[str], new: Sequence[str], *, limit: int = MAX_PAIRS) -> list[Segment]:
    if len(old) * len(new) > limit:
        old_text, new_text = "".join(old), "".join(new)
        if old_text == new_text:
            return [Segment(ChangeKind.EQUAL, old_text, new_text)]
        return [Segment(ChangeKind.REPLACED, old_text, new_text)]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        kind = {
            "equal": ChangeKind.EQUAL,
            "insert": ChangeKind.INSERTED,
            "delete": ChangeKind.DELETED,
            "replace": ChangeKind.REPLACED,
        }[tag]
        segments.append(Segment(kind, "".join(old[i1:i2]), "".join(new[j1:j2])))
    return segments


def _fold(segments: list[Segment]) -> list[Segment]:
    """Fold short equal runs lying between two changes into one replacement.

    An equal run is folded when it is at most two tokens of CJK or one short word or white
    space: ``伍万`` → ``陆万伍仟`` matched on the shared ``万`` reads better as one change.
    """
    folded: list[Segment] = []
    for index, segment in enumerate(segments):
        between = 0 < index < len(segments) - 1
        if (
            segment.kind is ChangeKind.EQUAL
            and between
            and folded
            and folded[-1].kind is not ChangeKind.EQUAL
            and segments[index + 1].kind is not ChangeKind.EQUAL
            and _small(segment.old)
        ):
            previous = folded.pop()
            folded.append(
                Segment(ChangeKind.REPLACED, previous.old + segment.old, previous.new + segment.new)
            )
            continue
        if (
            folded
            and segment.kind is not ChangeKind.EQUAL
            and folded[-1].kind is not ChangeKind.EQUAL
        ):
            previous = folded.pop()
            old, new = previous.old + segment.old, previous.new + segment.new
            kind = (
                ChangeKind.REPLACED
                if old and new
                else ChangeKind.INSERTED
                if new
                else ChangeKind.DELETED
            )
            folded.append(Segment(kind, old, new))
            continue
        folded.append(segment)
    return folded


def _small(text: str) -> bool:
    tokens = tokenize(text)
    if all(_is_cjk(token[0]) for token in tokens):
        return len(tokens) <= 2
    return len(tokens) == 1 and len(text) <= 3


def compare_text(old: str, new: str) -> TextDiff:
    """Compare two versions of a text word by word (character by character in CJK).

    Joining the old sides of the segments gives ``old`` back, the new sides ``new``
    (NFC-normalised).
    """
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    if len(old_tokens) + len(new_tokens) > 2 * MAX_TOKENS:
        # Line by line first, then word by word inside the lines that changed.
        segments: list[Segment] = []
        for line in _segments(_lines(old), _lines(new), limit=MAX_LINE_PAIRS):
            if line.kind is ChangeKind.REPLACED:
                segments.extend(_segments(tokenize(line.old), tokenize(line.new)))
            else:
                segments.append(line)
        return TextDiff(tuple(_fold(_merge(segments))))
    return TextDiff(tuple(_fold(_segments(old_tokens, new_tokens))))


def _lines(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).splitlines(keepends=True)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].kind is ChangeKind.EQUAL and segment.kind is ChangeKind.EQUAL:
            previous = merged.pop()
            segment = Segment(
                ChangeKind.EQUAL, previous.old + segment.old, previous.new + segment.new
            )
        merged.append(segment)
    return merged


def compare_clauses(old: Iterable[ClauseText], new: Iterable[ClauseText]) -> list[ClauseChange]:
    """Match the clauses of two versions by key and compare each pair.

    The result follows the new version's order; a clause of the old version that is gone
    is reported where it stood relative to the clauses kept.

    :raises ComparisonError: when a version holds a key twice.
    """
    old_list, new_list = list(old), list(new)
    old_by_key = _by_key(old_list, "old")
    new_keys = set(_by_key(new_list, "new"))
    changes: list[ClauseChange] = []
    # Removed clauses come before the first kept clause that followed them.
    pending_removed: dict[str, list[ClauseText]] = {}
    waiting: list[ClauseText] = []
    for clause in old_list:
        if clause.key in new_keys:
            pending_removed[clause.key] = waiting
            waiting = []
        else:
            waiting.append(clause)
    for clause in new_list:
        for gone in pending_removed.pop(clause.key, []):
            changes.append(_removed(gone))
        before = old_by_key.get(clause.key)
        if before is None:
            changes.append(
                ClauseChange(
                    ChangeKind.INSERTED,
                    None,
                    clause,
                    compare_text("", clause.title),
                    compare_text("", clause.text),
                )
            )
            continue
        title, text = (
            compare_text(before.title, clause.title),
            compare_text(before.text, clause.text),
        )
        kind = ChangeKind.REPLACED if title.changed or text.changed else ChangeKind.EQUAL
        changes.append(ClauseChange(kind, before, clause, title, text))
    changes.extend(_removed(gone) for gone in waiting)
    return changes


def _removed(clause: ClauseText) -> ClauseChange:
    return ClauseChange(
        ChangeKind.DELETED,
        clause,
        None,
        compare_text(clause.title, ""),
        compare_text(clause.text, ""),
    )


def _by_key(clauses: list[ClauseText], side: str) -> dict[str, ClauseText]:
    by_key: dict[str, ClauseText] = {}
    for clause in clauses:
        if clause.key in by_key:
            raise ComparisonError(f"the {side} version holds clause key {clause.key!r} twice")
        by_key[clause.key] = clause
    return by_key


def _html(text: str, tag: str | None) -> str:
    body = escape(text).replace("\n", "<br/>")
    return f"<{tag}>{body}</{tag}>" if tag else body
