"""The live-log audit names the first event that no longer matches what the log key signed."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from econtract.ledger.audit import audit_log
from econtract.ledger.heads import SignedTreeHead, TreeHead, sign_tree_head
from econtract.ledger.merkle import MemoryTree, NodeKey, leaf_hash
from econtract.pki.keys import SoftwareKey


@dataclass
class Store:
    """A node store an attacker can edit: a dict over the honest tree's nodes."""

    nodes_by_key: dict[NodeKey, bytes] = field(default_factory=dict)

    def nodes(self, keys):  # type: ignore[no-untyped-def]
        return {key: self.nodes_by_key[key] for key in keys}


@pytest.fixture
def log() -> tuple[list[bytes], Store, list[SignedTreeHead], bytes]:
    key = SoftwareKey()
    leaves = [leaf_hash(f"event {i}".encode()) for i in range(40)]
    tree = MemoryTree.of(leaves)
    store = Store(
        {
            (level, i): tree.nodes([(level, i)])[(level, i)]
            for level, row in enumerate(tree.levels)
            for i in range(len(row) // 32)
        }
    )
    heads = [
        sign_tree_head(TreeHead(size, tree.root(size), 1_700_000_000_000 + size), key)
        for size in (16, 33)
    ]
    return leaves, store, heads, key.public_key.dump()


def test_an_intact_log_has_no_findings(log) -> None:  # type: ignore[no-untyped-def]
    leaves, store, heads, key = log
    assert audit_log(leaves=leaves, stored=store, heads=heads, public_key_der=key) == []


def test_changed_event_is_named(log) -> None:  # type: ignore[no-untyped-def]
    leaves, store, heads, key = log
    leaves[21] = leaf_hash(b"changed")
    (finding,) = audit_log(leaves=leaves, stored=store, heads=heads, public_key_der=key)
    assert finding.first_bad_index == 21


def test_reordered_events_name_the_earlier_one(log) -> None:  # type: ignore[no-untyped-def]
    leaves, store, heads, key = log
    leaves[5], leaves[9] = leaves[9], leaves[5]
    (finding,) = audit_log(leaves=leaves, stored=store, heads=heads, public_key_der=key)
    assert finding.first_bad_index == 5


def test_rewritten_node_store_still_names_the_event(log) -> None:  # type: ignore[no-untyped-def]
    leaves, store, heads, key = log
    leaves[21] = leaf_hash(b"changed")
    rewritten = MemoryTree.of(leaves)
    for node_key in list(store.nodes_by_key):
        store.nodes_by_key[node_key] = rewritten.nodes([node_key])[node_key]
    (finding,) = audit_log(leaves=leaves, stored=store, heads=heads, public_key_der=key)
    # Nothing stored is honest any more: the audit bounds the damage by the last good head.
    assert finding.first_bad_index == 16
    assert "rewritten" in finding.message


def test_removed_events_are_found(log) -> None:  # type: ignore[no-untyped-def]
    leaves, store, heads, key = log
    (finding,) = audit_log(leaves=leaves[:30], stored=store, heads=heads, public_key_der=key)
    assert finding.first_bad_index == 30


def test_replaced_head_is_found(log) -> None:  # type: ignore[no-untyped-def]
    leaves, store, heads, key = log
    forged = SignedTreeHead(
        TreeHead(33, leaf_hash(b"other root"), heads[1].head.timestamp),
        heads[1].key_id,
        heads[1].signature,
    )
    findings = audit_log(leaves=leaves, stored=store, heads=[heads[0], forged], public_key_der=key)
    assert [f.message for f in findings] == [
        "tree head record: the signature of the head of 33 leaves does not verify"
    ]


def test_unsealed_tail_is_checked_against_stored_hashes(log) -> None:  # type: ignore[no-untyped-def]
    leaves, store, heads, key = log
    leaves[37] = leaf_hash(b"changed after the last head")
    (finding,) = audit_log(leaves=leaves, stored=store, heads=heads, public_key_der=key)
    assert finding.first_bad_index == 37


def _stored_events(count: int) -> list[tuple[int, str]]:
    from datetime import UTC, datetime

    from econtract.ledger.events import Event

    when = datetime(2026, 11, 30, tzinfo=UTC)
    return [
        (i, Event("contract.updated", when, {}, {"id": i}).canonical_text()) for i in range(count)
    ]


def test_audit_of_stored_events() -> None:
    from econtract.ledger.audit import audit_events

    key = SoftwareKey()
    entries = _stored_events(12)
    tree = MemoryTree.of(leaf_hash(text.encode()) for _i, text in entries)
    store = Store({(0, i): tree.leaf(i) for i in range(12)})
    store.nodes_by_key.update(tree.nodes([k for k in [(1, i) for i in range(6)]]))
    store.nodes_by_key.update(tree.nodes([(2, 0), (2, 1), (2, 2), (3, 0)]))
    head = sign_tree_head(TreeHead(12, tree.root(), 1), key)
    public = key.public_key.dump()

    def audit(items):  # type: ignore[no-untyped-def]
        return audit_events(items, stored=store, heads=[head], public_key_der=public)

    assert audit(entries) == []
    (gap,) = audit(entries[:4] + entries[5:])
    assert (gap.first_bad_index, gap.message) == (4, "event 4 is missing")
    spaced = [*entries]
    spaced[6] = (6, spaced[6][1].replace(",", ", ", 1))  # same JSON, not canonical
    (loose,) = audit(spaced)
    assert loose.first_bad_index == 6 and "canonical" in loose.message
