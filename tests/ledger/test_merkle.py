"""RFC 9162 Merkle trees: Certificate Transparency's published vectors, our own store, and
proofs an adversarial server could hand out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econtract.ledger.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    ProofError,
    append_leaves,
    consistency_proof,
    frontier_keys,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_frontier,
    verify_consistency,
    verify_inclusion,
)

# Test vectors published with the Certificate Transparency reference implementation and
# kept by transparency-dev/merkle (testonly/constants.go, proof/verify_test.go), as data.
LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (leaf index, tree size, audit path)
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [  # (old size, new size, proof)
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


@pytest.fixture(scope="module")
def reference() -> MemoryTree:
    return MemoryTree.of(leaf_hash(bytes.fromhex(leaf)) for leaf in LEAVES)


def test_roots_match_the_published_ones(reference: MemoryTree) -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    for size, expected in enumerate(ROOTS):
        assert reference.root(size).hex() == expected


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_published_ones(
    reference: MemoryTree, index: int, size: int, path: list[str]
) -> None:
    proof = inclusion_proof(reference, index, size)
    assert [node.hex() for node in proof] == path
    verify_inclusion(index, size, reference.leaf(index), proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_published_ones(
    reference: MemoryTree, old: int, new: int, path: list[str]
) -> None:
    proof = consistency_proof(reference, old, new)
    assert [node.hex() for node in proof] == path
    verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), proof)


def _flip(node: bytes, bit: int = 3) -> bytes:
    return bytes([node[0] ^ (1 << bit)]) + node[1:]


def _inclusion_forgeries(index: int, size: int, path: list[bytes], root: bytes, leaf: bytes):
    """The probes transparency-dev/merkle runs against a verifier, and a few more."""
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    yield "index - 1", (index - 1, size, leaf, path, root)
    yield "index + 1", (index + 1, size, leaf, path, root)
    yield "index ^ 2", (index ^ 2, size, leaf, path, root)
    yield "size * 2", (index, size * 2, leaf, path, root)
    yield "size / 2", (index, size // 2, leaf, path, root)
    yield "wrong leaf", (index, size, leaf_hash(b"WrongLeaf"), path, root)
    yield "empty root", (index, size, leaf, path, EMPTY_ROOT)
    yield "random root", (index, size, leaf, path, some)
    yield "trailing root", (index, size, leaf, [*path, root], root)
    yield "preceding root", (index, size, leaf, [root, *path], root)
    yield "short element", (index, size, leaf, [*path[:-1], path[-1][:31]], root)
    for position in range(len(path)):
        flipped = [*path]
        flipped[position] = _flip(flipped[position])
        yield f"bit flipped in {position}", (index, size, leaf, flipped, root)
    yield "truncated", (index, size, leaf, path[:-1], root)
    if len(path) > 1:
        yield "inserted", (index, size, leaf, [path[0], some, *path[1:]], root)


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_forged_inclusion_proofs_are_rejected(
    reference: MemoryTree, index: int, size: int, path: list[str]
) -> None:
    proof = [bytes.fromhex(node) for node in path]
    root = bytes.fromhex(ROOTS[size])
    for name, probe in _inclusion_forgeries(index, size, proof, root, reference.leaf(index)):
        with pytest.raises(ProofError):
            verify_inclusion(*probe)
            pytest.fail(f"forgery accepted: {name}")


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_forged_consistency_proofs_are_rejected(old: int, new: int, path: list[str]) -> None:
    proof = [bytes.fromhex(node) for node in path]
    root1, root2 = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    probes = {
        "old - 1": (old - 1, new, root1, root2, proof),
        "old + 1": (old + 1, new, root1, root2, proof),
        "old ^ 2": (old ^ 2, new, root1, root2, proof),
        "new * 2": (old, new * 2, root1, root2, proof),
        "new / 2": (old, new // 2, root1, root2, proof),
        "wrong old root": (old, new, EMPTY_ROOT, root2, proof),
        "wrong new root": (old, new, root1, EMPTY_ROOT, proof),
        "swapped roots": (old, new, root2, root1, proof),
        "empty proof": (old, new, root1, root2, []),
        "trailing root": (old, new, root1, root2, [*proof, root2]),
        "preceding root": (old, new, root1, root2, [root1, *proof]),
        "preceding proof[0]": (old, new, root1, root2, [proof[0], *proof]),
        "truncated": (old, new, root1, root2, proof[:-1]),
        "time travel": (new, old, root2, root1, proof),
    }
    for position in range(len(proof)):
        flipped = [*proof]
        flipped[position] = _flip(flipped[position], 4)
        probes[f"bit flipped in {position}"] = (old, new, root1, root2, flipped)
    for name, probe in probes.items():
        with pytest.raises(ProofError):
            verify_consistency(*probe)
            pytest.fail(f"forgery accepted: {name}")


def test_trivial_consistency_cases() -> None:
    root = leaf_hash(b"x")
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, root, [])
    verify_consistency(3, 3, root, root, [])
    with pytest.raises(ProofError):
        verify_consistency(3, 3, root, EMPTY_ROOT, [])
    with pytest.raises(ProofError):
        verify_consistency(3, 3, root, root, [root])


def test_single_leaf_tree() -> None:
    leaf = leaf_hash(b"data")
    verify_inclusion(0, 1, leaf, [], leaf)
    for index, size in [(0, 0), (1, 1), (2, 1)]:
        with pytest.raises(ProofError):
            verify_inclusion(index, size, leaf, [], leaf)
    with pytest.raises(ProofError):
        inclusion_proof(MemoryTree.of([leaf]), 1, 1)


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, recursively: the definition, for comparison."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_every_proof_from_the_store_verifies(size: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    tree = MemoryTree.of(leaves)
    assert tree.root() == _reference_root(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    verify_inclusion(index, size, leaves[index], inclusion_proof(tree, index, size), tree.root())
    old = data.draw(st.integers(min_value=0, max_value=size))
    proof = consistency_proof(tree, old, size)
    verify_consistency(old, size, tree.root(old), tree.root(), proof)
    if proof:
        with pytest.raises(ProofError):
            verify_consistency(old, size, tree.root(old), tree.root(), proof[:-1])


def test_appending_in_batches_equals_appending_one_by_one() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(77)]
    frontier: list[bytes] = []
    size = 0
    stored = {}
    for start in range(0, 77, 10):
        added, frontier, size = append_leaves(frontier, size, leaves[start : start + 10])
        stored.update(added)
        assert root_from_frontier(frontier) == _reference_root(leaves[:size])
    assert stored == MemoryTree.of(leaves).nodes(list(stored))
    assert [key for key in frontier_keys(77)] == [(6, 0), (3, 8), (2, 18), (0, 76)]


def test_append_refuses_a_wrong_frontier() -> None:
    with pytest.raises(ValueError, match="frontier"):
        append_leaves([], 3, [leaf_hash(b"x")])
