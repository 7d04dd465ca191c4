"""Full-text search of contracts in Chinese and English: segmentation, queries, snippets.

PostgreSQL's text search splits words at spaces and punctuation, which Chinese does not
have. So text is segmented here first — jieba's *search mode*, which yields each long word
and the shorter words inside it (租赁合同 → 租赁, 合同, 租赁合同) — and the words are handed
to PostgreSQL space-separated, into a ``tsvector`` of the ``simple`` configuration (no
stemming, no stop words: it would drop Chinese particles and English legal terms alike).
A query is segmented the same way and all its words must match. Terms PostgreSQL cannot
match as words — a quoted phrase, a partial word, a fragment of a number — go to a
trigram-indexed substring match on the raw text instead (`Query.phrases`).
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = ["Query", "index_words", "normalise", "parse_query", "snippet"]

#: A word worth indexing: has a letter or a digit (drops punctuation and spaces).
_WORD = re.compile(r"\w", re.UNICODE)
#: Text between double quotes (ASCII or Chinese quotation marks) in a query: a phrase.
_PHRASE = re.compile(r'"([^"]+)"|“([^”]+)”|「([^」]+)」')
#: Han characters; a query term of only one of them is too short for word search.
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def normalise(text: str) -> str:
    """Full-width forms folded (ＡＢＣ１２３ → ABC123), lower case: how text is compared."""
    return unicodedata.normalize("NFKC", text).lower()


def _words(text: str) -> list[str]:
    return [word for word in _jieba().cut_for_search(normalise(text)) if _WORD.search(word)]


def index_words(parts: Iterable[str]) -> str:
    """The words of ``parts``, space-separated, for ``to_tsvector('simple', …)``."""
    return " ".join(word for part in parts if part for word in _words(part))


@dataclass(frozen=True)
class Query:
    """A search box's text, taken apart."""

    words: tuple[str, ...]
    """Words every result has (its ``tsvector`` matches all of them)."""

    phrases: tuple[str, ...]
    """Substrings every result's text contains (quoted phrases, one-character terms)."""

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def highlights(self) -> tuple[str, ...]:
        """What a snippet marks: phrases first, then words, longest first."""
        return tuple(sorted({*self.phrases, *self.words}, key=len, reverse=True))

    def tsquery_text(self) -> str:
        """The words for ``plainto_tsquery('simple', …)`` (which ANDs them, safely parsed)."""
        return " ".join(self.words)

    def estimate_groups(self, per_phrase: int = 6) -> tuple[tuple[str, ...], ...] | None:
        """Sets of words whose estimated document counts each bound how many texts match:
        all the words together, and each word of each phrase alone (a text holding a phrase
        holds its words, most likely); at most ``per_phrase`` words of a phrase.

        For *estimating* only, never as a condition: inside a sentence jieba may cut the
        same characters differently. None when a phrase has no word to estimate by: single
        Han characters are left out (甲 is found inside 甲方, which the index holds as one
        word), so a one-character phrase gives no estimate.
        """
        groups = [self.words] if self.words else []
        for phrase in self.phrases:
            words = [w for w in _words(phrase) if not (len(w) == 1 and _HAN.match(w))]
            if not words:
                return None
            groups.extend((word,) for word in dict.fromkeys(words[:per_phrase]))
        return tuple(groups)


def parse_query(text: str) -> Query:
    """Words and phrases of a search box's ``text``.

    Quoted text is a phrase. Outside quotes, each space-separated term is segmented; a term
    jieba leaves as one Han character (合, 甲) becomes a substring condition, because a single
    character is rarely a word of its own in the index.
    """
    phrases: list[str] = []

    def take(match: re.Match[str]) -> str:
        phrase = next(group for group in match.groups() if group)
        if phrase.strip():
            phrases.append(normalise(phrase.strip()))
        return " "

    rest = _PHRASE.sub(take, text)
    words: list[str] = []
    for term in rest.split():
        segmented = _words(term)
        if len(segmented) == 1 and len(segmented[0]) == 1 and _HAN.match(segmented[0]):
            phrases.append(segmented[0])
            continue
        words.extend(word for word in segmented if word not in words)
    return Query(tuple(words), tuple(dict.fromkeys(phrases)))


def snippet(text: str, terms: Sequence[str], *, width: int = 80) -> str:
    """HTML: about ``width`` characters of ``text`` around the first term, terms in <mark>.

    Everything else is escaped; with no term found, the beginning of the text.
    """
    flat = " ".join(text.split())
    folded = normalise(flat)
    if len(folded) != len(flat):  # NFKC changed the length (ligatures): match unfolded
        folded = flat.lower()
    wanted = [term for term in terms if term]
    hits = [folded.find(term) for term in wanted]
    found = [position for position in hits if position >= 0]
    start = max(min(found) - width // 3, 0) if found else 0
    end = min(start + width, len(flat))
    window, window_folded = flat[start:end], folded[start:end]
    pieces: list[str] = ["…" if start else ""]
    position = 0
    pattern = "|".join(re.escape(term) for term in wanted)
    if pattern:
        for match in re.finditer(pattern, window_folded):
            pieces.append(html.escape(window[position : match.start()]))
            pieces.append(f"<mark>{html.escape(window[match.start() : match.end()])}</mark>")
            position = match.end()
    pieces.append(html.escape(window[position:]))
    pieces.append("…" if end < len(flat) else "")
    return "".join(pieces)
