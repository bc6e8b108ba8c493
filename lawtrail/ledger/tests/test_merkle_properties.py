"""Property tests: proofs served from Frontier-reported perfect nodes match a naive RFC 6962
reference and verify; any flipped bit makes verification fail."""

from __future__ import annotations

import hashlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawtrail.ledger import merkle, verifier

MAX_N = 300


# --- naive reference, written straight from RFC 6962 §2.1 ------------------------------


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]  # these are already leaf hashes
    k = 1
    while k * 2 < n:
        k *= 2
    return merkle.node_hash(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], complete), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return ref_subproof(m, leaves, True)


# --- helpers ------------------------------------------------------------------------------


def make_leaves(n: int, salt: int = 0) -> list[bytes]:
    return [merkle.leaf_hash(f"{salt}:{i}".encode()) for i in range(n)]


class Store:
    """What the Django layer does: keep every perfect node the frontier reports."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.frontier = merkle.Frontier()
        self.lookups = 0

    def append(self, leaf: bytes) -> None:
        for node in self.frontier.append(leaf):
            key = (node.start, node.end)
            assert key not in self.nodes, "a perfect node was reported twice"
            self.nodes[key] = node.hash

    def get_perfect(self, start: int, end: int) -> bytes:
        self.lookups += 1
        return self.nodes[(start, end)]

    def subtree_hash(self, start: int, end: int) -> bytes:
        return merkle.subtree_hash_from_perfect(start, end, self.get_perfect)


def build(n: int, salt: int = 0) -> tuple[list[bytes], Store]:
    leaves = make_leaves(n, salt)
    store = Store()
    for leaf in leaves:
        store.append(leaf)
    return leaves, store


def flip(proof: list[bytes], element: int, bit: int) -> list[bytes]:
    out = list(proof)
    raw = bytearray(out[element])
    raw[bit // 8] ^= 1 << (bit % 8)
    out[element] = bytes(raw)
    return out


sizes = st.integers(min_value=1, max_value=MAX_N)
SETTINGS = settings(max_examples=150, deadline=None)


# --- roots and the frontier ---------------------------------------------------------------


def test_roots_agree_for_every_size() -> None:
    leaves = make_leaves(MAX_N)
    frontier = merkle.Frontier()
    assert frontier.root() == merkle.EMPTY_ROOT == merkle.root_from_leaf_hashes([])
    for n in range(1, MAX_N + 1):
        frontier.append(leaves[n - 1])
        expected = ref_mth(leaves[:n])
        assert frontier.root() == expected, n
        assert merkle.root_from_leaf_hashes(leaves[:n]) == expected, n
        assert frontier.size == n


@SETTINGS
@given(sizes)
def test_frontier_reports_exactly_the_perfect_nodes(n: int) -> None:
    leaves, store = build(n)
    expected = {
        (start, start + (1 << level))
        for level in range(n.bit_length())
        for start in range(0, n - (1 << level) + 1, 1 << level)
    }
    assert set(store.nodes) == expected
    for (start, end), h in store.nodes.items():
        assert h == ref_mth(leaves[start:end])


def test_append_reports_leaf_first_then_ancestors() -> None:
    f = merkle.Frontier()
    for i in range(7):
        f.append(merkle.leaf_hash(bytes([i])))
    done = f.append(merkle.leaf_hash(b"\x07"))  # leaf 7 completes [6,8), [4,8), [0,8)
    assert [(d.start, d.end) for d in done] == [(7, 8), (6, 8), (4, 8), (0, 8)]
    assert [(d.level, d.position) for d in done] == [(0, 7), (1, 3), (2, 1), (3, 0)]
    assert done[-1].hash == f.root()


@SETTINGS
@given(sizes, st.integers(min_value=0, max_value=20))
def test_frontier_serialisation(n: int, more: int) -> None:
    leaves, store = build(n + more)
    f = merkle.Frontier()
    f.extend(leaves[:n])
    restored = merkle.Frontier.from_list(f.to_list())
    rebuilt = merkle.Frontier.from_perfect(n, store.get_perfect)
    for g in (restored, rebuilt):
        assert (g.size, g.root(), g.to_list()) == (n, f.root(), f.to_list())
    assert [level for level, _ in f.to_list()] == [
        b for b in range(n.bit_length() - 1, -1, -1) if n >> b & 1
    ]
    # A restored frontier keeps appending exactly like the original.
    assert restored.extend(leaves[n:]) == f.copy().extend(leaves[n:])
    assert restored.root() == ref_mth(leaves)


def test_frontier_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        merkle.Frontier().append(b"short")
    with pytest.raises(ValueError):
        merkle.Frontier.from_list([(0, bytes(32)), (1, bytes(32))])
    with pytest.raises(ValueError):
        merkle.Frontier.from_list([(1, bytes(31))])


# --- inclusion ----------------------------------------------------------------------------


@SETTINGS
@given(sizes, st.data())
def test_inclusion_proofs(n: int, data: st.DataObject) -> None:
    leaves, store = build(n)
    root = store.frontier.root()
    index = data.draw(st.integers(min_value=0, max_value=n - 1), label="index")
    store.lookups = 0
    proof = merkle.inclusion_proof(index, n, store.subtree_hash)
    assert proof == ref_path(index, leaves)
    # O(log n): at most one lookup per proof element plus the pieces of the border range.
    assert store.lookups <= 2 * n.bit_length()
    merkle.verify_inclusion(index, n, leaves[index], proof, root)
    verifier.verify_inclusion(index, n, leaves[index], proof, root)

    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, n, merkle.leaf_hash(b"other"), proof, root)
    if proof:
        element = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="elem")
        bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
        bad = flip(proof, element, bit)
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, n, leaves[index], bad, root)
        with pytest.raises(verifier.VerificationError):
            verifier.verify_inclusion(index, n, leaves[index], bad, root)
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, n, leaves[index], proof[:-1], root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, n, leaves[index], [*proof, root], root)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, n, leaves[index], proof, merkle.leaf_hash(b"root"))


# --- consistency --------------------------------------------------------------------------


@SETTINGS
@given(sizes, st.data())
def test_consistency_proofs(n: int, data: st.DataObject) -> None:
    leaves, store = build(n)
    m = data.draw(st.integers(min_value=1, max_value=n), label="m")
    root1, root2 = ref_mth(leaves[:m]), store.frontier.root()
    store.lookups = 0
    proof = merkle.consistency_proof(m, n, store.subtree_hash)
    assert proof == ref_proof(m, leaves)
    assert store.lookups <= 2 * n.bit_length()
    merkle.verify_consistency(m, n, proof, root1, root2)
    verifier.verify_consistency(m, n, proof, root1, root2)
    assert merkle.root_from_consistency_proof(m, n, proof, root1) == root2

    if proof:
        element = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="elem")
        bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
        bad = flip(proof, element, bit)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(m, n, bad, root1, root2)
        with pytest.raises(verifier.VerificationError):
            verifier.verify_consistency(m, n, bad, root1, root2)
    other = merkle.leaf_hash(b"not a root")
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(m, n, proof, other, root2)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(m, n, proof, root1, other)


def test_consistency_generation_refuses_empty_old_tree() -> None:
    with pytest.raises(ValueError):
        merkle.consistency_proof_ranges(0, 5)
    with pytest.raises(ValueError):
        merkle.consistency_proof_ranges(6, 5)
    assert merkle.consistency_proof_ranges(5, 5) == []


# --- range decomposition ------------------------------------------------------------------


def test_perfect_ranges() -> None:
    assert merkle.perfect_ranges(0, 13) == [(0, 8), (8, 12), (12, 13)]
    assert merkle.perfect_ranges(8, 16) == [(8, 16)]
    assert merkle.perfect_ranges(12, 15) == [(12, 14), (14, 15)]
    for start, end in [(3, 5), (4, 9), (1, 3), (5, 5), (6, 4), (-1, 0)]:
        with pytest.raises(ValueError):
            merkle.perfect_ranges(start, end)


def test_proof_ranges_are_decomposable() -> None:
    for n in range(1, 130):
        for i in range(n):
            for s, e in merkle.inclusion_proof_ranges(i, n):
                merkle.perfect_ranges(s, e)
        for m in range(1, n + 1):
            for s, e in merkle.consistency_proof_ranges(m, n):
                merkle.perfect_ranges(s, e)


def test_large_tree_proofs_are_logarithmic() -> None:
    """A tree far too big to build still answers proofs from O(log n) stored nodes."""
    n = (1 << 40) + 12345

    def fake_perfect(start: int, end: int) -> bytes:
        return hashlib.sha256(f"{start}-{end}".encode()).digest()

    calls = 0

    def subtree(start: int, end: int) -> bytes:
        nonlocal calls
        calls += 1
        return merkle.subtree_hash_from_perfect(start, end, fake_perfect)

    proof = merkle.inclusion_proof(n - 7, n, subtree)
    assert len(proof) == calls <= 41
    assert len(merkle.consistency_proof(n - 1000, n, subtree)) <= 82


# --- performance --------------------------------------------------------------------------


@pytest.mark.slow
def test_root_of_a_million_leaves_is_fast() -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(1_000_000)]
    started = time.perf_counter()
    root = merkle.root_from_leaf_hashes(leaves)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"root over 1M leaves took {elapsed:.1f}s"
    f = merkle.Frontier()
    f.extend(leaves[:4096])
    assert f.root() == merkle.root_from_leaf_hashes(leaves[:4096])
    assert len(root) == 32
