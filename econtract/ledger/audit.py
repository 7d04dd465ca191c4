"""Auditing a live log: do the stored events still add up to the heads the log key signed?

The database keeps each event's content and, separately, the perfect-subtree hashes proofs
are served from. Someone with superuser access can change either, but cannot sign a new tree
head. So the audit recomputes every leaf from the stored content and holds the result against
the signed heads; where they disagree it walks down the stored node hashes (if those still
match the signed root) to the first leaf that differs, and otherwise compares leaf by leaf.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .events import Event, EventError
from .heads import HeadSignatureError, SignedTreeHead
from .merkle import MemoryTree, NodeKey, NodeSource, frontier_keys, root_hash

__all__ = ["Finding", "audit_events", "audit_log"]


@dataclass(frozen=True)
class Finding:
    """Something the audit found wrong."""

    message: str
    first_bad_index: int | None = None


def _descend(recomputed: MemoryTree, stored: NodeSource, size: int) -> int | None:
    """The first leaf where ``recomputed`` and ``stored`` disagree, if ``stored`` is intact
    above it; None when no stored perfect subtree of the tree of ``size`` differs."""

    def differs(key: NodeKey) -> bool:
        try:
            return stored.nodes([key])[key] != recomputed.nodes([key])[key]
        except KeyError:
            return True

    for level, index in frontier_keys(size):
        if not differs((level, index)):
            continue
        while level:
            left = (level - 1, 2 * index)
            level, index = left if differs(left) else (level - 1, 2 * index + 1)
        return index
    return None


_CHUNK = 4096  # leaf hashes fetched per round trip when comparing leaf by leaf


def _first_stored_difference(recomputed: MemoryTree, stored: NodeSource, start: int) -> int | None:
    for chunk in range(start, recomputed.size, _CHUNK):
        indexes = range(chunk, min(chunk + _CHUNK, recomputed.size))
        try:
            found = stored.nodes([(0, index) for index in indexes])
        except KeyError:  # some are missing: find the first, one at a time
            found = {}
            for index in indexes:
                try:
                    found.update(stored.nodes([(0, index)]))
                except KeyError:
                    break
        for index in indexes:
            if found.get((0, index)) != recomputed.leaf(index):
                return index
    return None


def audit_log(
    *,
    leaves: Sequence[bytes],
    stored: NodeSource,
    heads: Sequence[SignedTreeHead],
    public_key_der: bytes,
) -> list[Finding]:
    """What is wrong with a log whose events hash to ``leaves`` (index order, no gaps).

    ``stored`` is the node store the server answers proofs from; ``heads`` the signed tree
    heads it kept. An empty list means: every signed head is authentic and matches the
    events, and the stored nodes match the events too.
    """
    findings: list[Finding] = []
    recomputed = MemoryTree.of(leaves)
    good: list[SignedTreeHead] = []
    for head in sorted(heads, key=lambda h: h.head.size):
        try:
            head.verify(public_key_der)
        except HeadSignatureError as error:
            findings.append(Finding(f"tree head record: {error}"))
            continue
        good.append(head)
    previous = 0
    for head in good:
        size = head.head.size
        if size > recomputed.size:
            findings.append(
                Finding(
                    f"the log holds {recomputed.size} events but a signed head covers {size}: "
                    "events were removed",
                    recomputed.size,
                )
            )
            break
        if recomputed.root(size) == head.head.root:
            previous = size
            continue
        try:
            stored_intact = root_hash(stored, size) == head.head.root
        except KeyError:
            stored_intact = False
        index = _descend(recomputed, stored, size) if stored_intact else None
        if index is None:
            index = _first_stored_difference(recomputed, stored, previous)
        if index is None:
            findings.append(
                Finding(
                    f"events {previous}–{size - 1} no longer match the head of {size} events "
                    f"signed {head.head.time.isoformat()}, and the stored hashes were rewritten "
                    "to match them; the first changed event is at or after this index",
                    previous,
                )
            )
        else:
            findings.append(
                Finding(
                    f"event {index} is not the one the head of {size} events signed "
                    f"{head.head.time.isoformat()} contains",
                    index,
                )
            )
        return findings
    index = _first_stored_difference(recomputed, stored, previous)
    if index is not None:
        findings.append(
            Finding(f"event {index} no longer matches its stored leaf hash (not yet sealed)", index)
        )
    return findings


def audit_events(
    entries: Iterable[tuple[int, str]],
    *,
    stored: NodeSource,
    heads: Sequence[SignedTreeHead],
    public_key_der: bytes,
) -> list[Finding]:
    """`audit_log` for stored events: ``(index, canonical text)`` in index order.

    Each event is parsed and must be in canonical form; a gap in the indexes is a removed
    event. Entries may be a stream: only their leaf hashes are kept.
    """
    leaves: list[bytes] = []
    for expected, (index, text) in enumerate(entries):
        if index != expected:
            return [Finding(f"event {expected} is missing", expected)]
        try:
            leaves.append(Event.from_canonical(text).leaf_hash())
        except EventError as error:
            return [Finding(f"event {expected}: {error}", expected)]
    return audit_log(leaves=leaves, stored=stored, heads=heads, public_key_der=public_key_der)
