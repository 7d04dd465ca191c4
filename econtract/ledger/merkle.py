"""Merkle tree hashing, proofs and their verification as RFC 9162 (Certificate Transparency 2.0)
defines them, over a store of *perfect subtree* hashes.

Why a store of perfect subtrees: a tree of n leaves is the fold of at most log2(n) perfect,
aligned subtrees, and every hash an inclusion or consistency proof needs is such a subtree or
the fold of a few of them. A store that keeps, for each level, the hash of every complete
aligned block of 2**level leaves (level 0 being the leaf hashes) therefore answers any proof
with O(log² n) look-ups and no recomputation of the tree — the property that keeps proofs
cheap at millions of events. Appending a leaf adds the nodes it completes and needs only the
current *frontier* (the perfect subtrees of the decomposition of [0, n)).

Nodes are named ``(level, index)``: the hash of leaves ``[index·2**level, (index+1)·2**level)``.
The verifiers take nothing from the store and are what an outside party runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from econtract.errors import LedgerError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryTree",
    "NodeKey",
    "NodeSource",
    "ProofError",
    "append_leaves",
    "consistency_proof",
    "frontier_keys",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_frontier",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey = tuple[int, int]


class ProofError(LedgerError):
    """A proof is malformed, or does not lead to the root it claims."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 ‖ data)``: the hash of one log entry."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 ‖ left ‖ right)``: an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2), where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


class NodeSource(Protocol):
    """Where proofs read perfect subtree hashes from (a database table, memory, …)."""

    def nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """The hashes of ``keys``, all of which exist; one round trip for the whole batch."""
        ...


def frontier_keys(size: int) -> list[NodeKey]:
    """The perfect subtrees whose fold is the tree of ``size`` leaves, largest (leftmost) first."""
    keys: list[NodeKey] = []
    start = 0
    for level in reversed(range(size.bit_length())):
        if size & (1 << level):
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def root_from_frontier(hashes: Sequence[bytes]) -> bytes:
    """The tree head from its frontier's hashes (`frontier_keys` order)."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def append_leaves(
    frontier: Sequence[bytes], size: int, leaves: Iterable[bytes]
) -> tuple[list[tuple[NodeKey, bytes]], list[bytes], int]:
    """Append ``leaves`` (leaf hashes) to a tree of ``size`` leaves with ``frontier``.

    Returns the nodes to store (each leaf at level 0 and every node it completes), the new
    frontier and the new size. Nothing but the frontier is read: appending is O(log n) per leaf.
    """
    if len(frontier) != size.bit_count():
        raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier nodes")
    stack = list(frontier)
    added: list[tuple[NodeKey, bytes]] = []
    for leaf in leaves:
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash has 32 bytes")
        added.append(((0, size), leaf))
        current, level, index = leaf, 0, size
        while index & 1:  # this node is a right child: it completes its parent
            current = node_hash(stack.pop(), current)
            level, index = level + 1, index >> 1
            added.append(((level, index), current))
        stack.append(current)
        size += 1
    return added, stack, size


# The proofs are defined by the recursion of RFC 9162 §2.1.3.1 and §2.1.4.1 on ranges
# [lo, hi) of leaves; these helpers list the ranges in proof order, then resolve each range
# to the perfect subtrees whose fold it is.


def _range_keys(lo: int, hi: int, out: list[NodeKey]) -> None:
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        out.append((n.bit_length() - 1, lo // n))
        return
    k = _split(n)
    _range_keys(lo, lo + k, out)
    _range_keys(lo + k, hi, out)


def _range_hash(lo: int, hi: int, known: Mapping[NodeKey, bytes]) -> bytes:
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        return known[(n.bit_length() - 1, lo // n)]
    k = _split(n)
    return node_hash(_range_hash(lo, lo + k, known), _range_hash(lo + k, hi, known))


def _inclusion_ranges(index: int, lo: int, hi: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo = lo + k
    ranges.reverse()  # RFC order: the sibling next to the leaf first
    return ranges


def _consistency_ranges(old: int, lo: int, hi: int, complete: bool) -> list[tuple[int, int]]:
    # SUBPROOF(m, D[lo:hi], b), unrolled: what the recursion appends after returning.
    after: list[tuple[int, int]] = []
    while True:
        n = hi - lo
        if old == n:
            if not complete:
                after.append((lo, hi))
            break
        k = _split(n)
        if old <= k:
            after.append((lo + k, hi))
            hi = lo + k
        else:
            after.append((lo, lo + k))
            old -= k
            lo += k
            complete = False
    after.reverse()
    return after


def _resolve(source: NodeSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    keys: list[NodeKey] = []
    for lo, hi in ranges:
        _range_keys(lo, hi, keys)
    known = source.nodes(list(dict.fromkeys(keys)))
    return [_range_hash(lo, hi, known) for lo, hi in ranges]


def root_hash(source: NodeSource, size: int) -> bytes:
    """The tree head of the first ``size`` leaves of ``source``."""
    keys = frontier_keys(size)
    known = source.nodes(keys)
    return root_from_frontier([known[key] for key in keys])


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    return _resolve(source, _inclusion_ranges(index, 0, size))


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    """The proof that the tree of ``old_size`` leaves is a prefix of ``new_size`` (§2.1.4.1)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from {old_size} to {new_size} leaves")
    if old_size in (0, new_size):
        return []
    return _resolve(source, _consistency_ranges(old_size, 0, new_size, True))


def _check_hashes(proof: Sequence[bytes], *named: tuple[str, bytes]) -> None:
    for position, item in enumerate(proof):
        if len(item) != HASH_SIZE:
            raise ProofError(f"proof element {position} has {len(item)} bytes, not 32")
    for name, value in named:
        if len(value) != HASH_SIZE:
            raise ProofError(f"{name} has {len(value)} bytes, not 32")


def _climb(
    fn: int, sn: int, result: bytes, left_only: bytes | None, proof: Sequence[bytes]
) -> tuple[bytes, bytes | None]:
    """The walk shared by both verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2).

    ``fn``/``sn`` are the positions of the node and of the last node at the current level;
    ``result`` takes every proof element, ``left_only`` only those joined from the left —
    for a consistency proof that rebuilds the old root alongside the new one.
    """
    for item in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            result = node_hash(item, result)
            if left_only is not None:
                left_only = node_hash(item, left_only)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, item)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path to the root")
    return result, left_only


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is entry ``index`` of the tree of ``size`` leaves with ``root``.

    The algorithm of RFC 9162 §2.1.3.2; raises `ProofError` saying why it fails.
    """
    _check_hashes(proof, ("leaf hash", leaf), ("root hash", root))
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    result, _ = _climb(index, size - 1, leaf, None, proof)
    if result != root:
        raise ProofError(f"leaf {index} does not lead to the root of the tree of {size} leaves")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` leaves is a prefix of the one of ``new_size``.

    The algorithm of RFC 9162 §2.1.4.2; raises `ProofError` saying why it fails.
    """
    _check_hashes(proof, ("old root", old_root), ("new root", new_root))
    if not 0 <= old_size <= new_size:
        raise ProofError(f"a log does not shrink: {old_size} leaves, then {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("two heads of one size need an empty proof")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same {old_size} leaves")
        return
    if old_size == 0:
        if proof:
            raise ProofError("the empty tree is a prefix of every tree; its proof is empty")
        return
    if not proof:
        raise ProofError("the proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    second, first = _climb(fn, sn, path[0], path[0], path[1:])
    if first != old_root:
        raise ProofError(f"the proof does not lead to the old root ({old_size} leaves)")
    if second != new_root:
        raise ProofError(f"the proof does not lead to the new root ({new_size} leaves)")


@dataclass
class MemoryTree:
    """A log held in memory: the reference `NodeSource`, for tests, tools and verifiers.

    Each level is one ``bytearray`` of 32-byte hashes, so a million leaves take ~64 MB.
    """

    levels: list[bytearray] = field(default_factory=list)
    size: int = 0

    @classmethod
    def of(cls, leaves: Iterable[bytes]) -> MemoryTree:
        tree = cls()
        tree.extend(leaves)
        return tree

    def frontier(self) -> list[bytes]:
        keys = frontier_keys(self.size)
        found = self.nodes(keys)
        return [found[key] for key in keys]

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append leaf hashes."""
        added, _frontier, self.size = append_leaves(self.frontier(), self.size, leaves)
        for (level, index), value in added:
            while len(self.levels) <= level:
                self.levels.append(bytearray())
            row = self.levels[level]
            assert len(row) == index * HASH_SIZE
            row += value

    def nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        for level, index in keys:
            start = index * HASH_SIZE
            if level >= len(self.levels) or start + HASH_SIZE > len(self.levels[level]):
                raise KeyError((level, index))
            found[(level, index)] = bytes(self.levels[level][start : start + HASH_SIZE])
        return found

    def leaf(self, index: int) -> bytes:
        return self.nodes([(0, index)])[(0, index)]

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self, self.size if size is None else size)
