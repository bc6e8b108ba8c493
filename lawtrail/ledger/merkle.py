"""RFC 6962 Merkle tree hashing, proofs and an incremental frontier.

Hashes follow RFC 6962 §2.1: ``leaf = SHA-256(0x00 || data)`` and
``node = SHA-256(0x01 || left || right)``; the root of an empty tree is ``SHA-256("")``.

Proof *verification* follows RFC 9162 §2.1.3.2 / §2.1.4.2 (as implemented by
transparency-dev/merkle) and is exactly as strict as the transparency-dev golden vectors.

Proof *generation* works over an abstract node source so the database layer decides storage:

* ``subtree_hash(start, end)`` returns MTH(leaves[start:end]) for the ranges the RFC 6962
  PATH/PROOF recursion asks for. ``inclusion_proof_ranges``/``consistency_proof_ranges`` list
  those ranges up front so a caller can fetch every node in one query.
* Every such range is a concatenation of aligned perfect subtrees (``perfect_ranges``), so a
  store of all perfect nodes - exactly what ``Frontier.append`` reports - answers any proof
  with O(log n) lookups through ``subtree_hash_from_perfect``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "Frontier",
    "PerfectNode",
    "ProofError",
    "consistency_proof",
    "consistency_proof_ranges",
    "inclusion_proof",
    "inclusion_proof_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_ranges",
    "root_from_consistency_proof",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "subtree_hash_from_perfect",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
# Sizes and indices are uint64 in every other implementation; refusing larger values keeps a
# proof meaning the same thing here as in a Go or Rust verifier.
MAX_TREE_SIZE = (1 << 64) - 1
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A Merkle proof, or the sizes and hashes it is checked against, is invalid."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over all leaf hashes, level by level.

    Pairing neighbours and carrying an odd last node up unchanged gives the same root as the
    RFC's split at the largest power of two, without recursion or slicing copies.
    """
    if not hashes:
        return EMPTY_ROOT
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ValueError(f"every leaf hash must be {HASH_SIZE} bytes")
    sha = hashlib.sha256
    level = list(hashes)
    while len(level) > 1:
        odd = level[-1] if len(level) % 2 else None
        it = iter(level)
        level = [sha(b"\x01" + a + b).digest() for a, b in zip(it, it, strict=False)]
        if odd is not None:
            level.append(odd)
    return level[0]


# --- verification -------------------------------------------------------------------------


def _check_size(value: int, what: str) -> None:
    if not 0 <= value <= MAX_TREE_SIZE:
        raise ProofError(f"{what} {value} is outside 0..2^64-1")


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, expected {HASH_SIZE}")


def _check_proof(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        _check_hash(h, f"proof element {i}")


def _decomp_incl_proof(index: int, size: int) -> tuple[int, int]:
    """Split an inclusion proof's length into the part below and above where the paths to
    ``index`` and ``size - 1`` meet."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        seed = node_hash(seed, h) if (index >> i) & 1 == 0 else node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    # Only left siblings count: the result is the same subtree at the older tree size.
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def _match(calculated: bytes, expected: bytes, what: str) -> None:
    if not hmac.compare_digest(calculated, expected):
        raise ProofError(
            f"{what} mismatch: proof gives {calculated.hex()}, expected {expected.hex()}"
        )


def root_from_inclusion_proof(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes]
) -> bytes:
    """Root implied by an inclusion proof; raises ProofError if the proof is malformed."""
    _check_size(tree_size, "tree size")
    if tree_size == 0:
        raise ProofError("a tree of size 0 contains no leaves")
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf index {leaf_index} is not below tree size {tree_size}")
    _check_hash(leaf_hash, "leaf hash")
    inner, border = _decomp_incl_proof(leaf_index, tree_size)
    if len(proof) != inner + border:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes, expected {inner + border} "
            f"for leaf {leaf_index} of {tree_size}"
        )
    _check_proof(proof)
    res = _chain_inner(leaf_hash, proof[:inner], leaf_index)
    return _chain_border_right(res, proof[inner:])


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``leaf_index`` of the tree with ``root``."""
    _match(root_from_inclusion_proof(leaf_index, tree_size, leaf_hash, proof), root, "root")


def root_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> bytes:
    """Check ``proof`` against ``root1`` and return the root it implies for ``size2``."""
    _check_size(size1, "size1")
    _check_size(size2, "size2")
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 == 0:
        # The golden vectors reject every consistency check from an empty tree: it proves
        # nothing, so accepting one would only hide a caller's mistake.
        raise ProofError("a consistency proof from an empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("size1 == size2, so the proof must be empty")
        return root1
    if not proof:
        raise ProofError("empty consistency proof for different tree sizes")
    _check_proof(proof)
    _check_hash(root1, "root1")

    inner, border = _decomp_incl_proof(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1  # trailing zero bits of size1
    inner -= shift  # shift < inner because size1 < size2
    # The proof starts with the hash of the size-2^shift subtree that ends at size1, unless
    # that subtree is the whole old tree, whose hash the verifier already has as root1.
    if size1 == 1 << shift:
        seed, start = root1, 0
    else:
        seed, start = proof[0], 1
    if len(proof) != start + inner + border:
        raise ProofError(
            f"consistency proof has {len(proof)} hashes, expected {start + inner + border} "
            f"for sizes {size1} -> {size2}"
        )
    rest = proof[start:]
    mask = (size1 - 1) >> shift
    hash1 = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    _match(hash1, root1, "root1")
    return _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (size2, root2) is an append-only extension of (size1, root1)."""
    _match(root_from_consistency_proof(size1, size2, proof, root1), root2, "root2")


# --- generation ---------------------------------------------------------------------------


def _split(n: int) -> int:
    """Largest power of two strictly below n (n >= 2): RFC 6962's k."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges [start, end) whose MTHs form the RFC 6962 PATH(index, D[size]), in proof
    order (bottom up)."""
    if not 0 <= index < size <= MAX_TREE_SIZE:
        raise ValueError(f"need 0 <= index < size, got index {index}, size {size}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    ranges.reverse()  # the recursion walks top down; the proof lists siblings bottom up
    return ranges


def consistency_proof_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """Leaf ranges [start, end) whose MTHs form RFC 6962 PROOF(size1, D[size2])."""
    if not 0 < size1 <= size2 <= MAX_TREE_SIZE:
        raise ValueError(f"need 0 < size1 <= size2, got {size1}, {size2}")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size2
    complete = True  # SUBPROOF's b: is the current subtree the whole old tree's root?
    while True:
        if size1 == end:
            if not complete:
                ranges.append((start, end))
            break
        mid = start + _split(end - start)
        if size1 <= mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
            complete = False
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """RFC 6962 §2.1.1 inclusion proof; ``subtree_hash(start, end)`` = MTH(D[start:end])."""
    return [subtree_hash(s, e) for s, e in inclusion_proof_ranges(index, size)]


def consistency_proof(size1: int, size2: int, subtree_hash: SubtreeHash) -> list[bytes]:
    """RFC 6962 §2.1.2 consistency proof between sizes 0 < size1 <= size2."""
    return [subtree_hash(s, e) for s, e in consistency_proof_ranges(size1, size2)]


def perfect_ranges(start: int, end: int) -> list[tuple[int, int]]:
    """Aligned perfect subtrees, largest first, that make up MTH(D[start:end]).

    Only ranges lying inside one aligned power-of-two block can be decomposed this way; those
    are exactly the ranges the RFC 6962 proof recursion produces.
    """
    length = end - start
    if start < 0 or length <= 0:
        raise ValueError(f"empty or negative range [{start}, {end})")
    block = 1 << (length - 1).bit_length()
    if start % block:
        raise ValueError(f"range [{start}, {end}) is not an RFC 6962 subtree")
    ranges: list[tuple[int, int]] = []
    for bit in range(length.bit_length() - 1, -1, -1):
        if (length >> bit) & 1:
            ranges.append((start, start + (1 << bit)))
            start += 1 << bit
    return ranges


def subtree_hash_from_perfect(start: int, end: int, get_perfect: SubtreeHash) -> bytes:
    """MTH(D[start:end]) from stored perfect nodes: ``get_perfect(s, e)`` for aligned [s, e).

    MTH splits at the largest power of two, so the pieces combine right to left.
    """
    ranges = perfect_ranges(start, end)
    hashes = [get_perfect(s, e) for s, e in ranges]
    for (s, e), h in zip(ranges, hashes, strict=True):
        if len(h) != HASH_SIZE:
            raise ValueError(f"stored node [{s}, {e}) is {len(h)} bytes")
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


# --- incremental frontier -----------------------------------------------------------------


class PerfectNode(NamedTuple):
    """A complete perfect subtree over leaves [start, end), end - start a power of two and
    start a multiple of it; ``hash`` is its MTH."""

    start: int
    end: int
    hash: bytes

    @property
    def level(self) -> int:
        """Height above the leaves: the node covers 2^level leaves."""
        return (self.end - self.start).bit_length() - 1

    @property
    def position(self) -> int:
        """Index among the nodes of its level (``start >> level``)."""
        return self.start >> self.level


class Frontier:
    """Compact range [0, size): the roots of the perfect subtrees along the right border.

    There is one node per set bit of ``size``, largest (leftmost) first, so appending is
    O(log n) and the root is O(log n) hashes.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf_hash: bytes) -> list[PerfectNode]:
        """Add a leaf; return every perfect node completed by it, the leaf itself first,
        then its ancestors up to the largest newly completed subtree."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash is {len(leaf_hash)} bytes, expected {HASH_SIZE}")
        if self._size >= MAX_TREE_SIZE:
            raise ValueError("tree is full")
        index = self._size
        done = [PerfectNode(index, index + 1, leaf_hash)]
        h, level = leaf_hash, 0
        # Each trailing 1 bit of the old size is a left sibling the new node now completes.
        while (index >> level) & 1:
            h = node_hash(self._hashes.pop(), h)
            level += 1
            start = (index >> level) << level
            done.append(PerfectNode(start, start + (1 << level), h))
        self._hashes.append(h)
        self._size += 1
        return done

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[PerfectNode]:
        """Append many leaves; return all completed perfect nodes in completion order."""
        done: list[PerfectNode] = []
        for h in leaf_hashes:
            done.extend(self.append(h))
        return done

    def root(self) -> bytes:
        """MTH of the leaves so far (SHA-256("") when empty)."""
        if not self._hashes:
            return EMPTY_ROOT
        result = self._hashes[-1]
        for h in reversed(self._hashes[:-1]):
            result = node_hash(h, result)
        return result

    def nodes(self) -> list[PerfectNode]:
        """The frontier's perfect nodes, leftmost first."""
        out: list[PerfectNode] = []
        start = 0
        for level, h in zip(self._levels(), self._hashes, strict=True):
            out.append(PerfectNode(start, start + (1 << level), h))
            start += 1 << level
        return out

    def to_list(self) -> list[tuple[int, bytes]]:
        """Serialise as [(level, hash), ...], largest level first."""
        return list(zip(self._levels(), self._hashes, strict=True))

    @classmethod
    def from_list(cls, entries: Iterable[tuple[int, bytes]]) -> Frontier:
        """Inverse of ``to_list``; levels must strictly decrease and hashes be 32 bytes."""
        f = cls()
        previous: int | None = None
        for level, h in entries:
            if level < 0 or (previous is not None and level >= previous):
                raise ValueError("frontier levels must be non-negative and strictly decrease")
            if len(h) != HASH_SIZE:
                raise ValueError(f"frontier hash is {len(h)} bytes, expected {HASH_SIZE}")
            previous = level
            f._size += 1 << level
            f._hashes.append(bytes(h))
        if f._size > MAX_TREE_SIZE:
            raise ValueError("frontier size exceeds 2^64-1")
        return f

    @classmethod
    def from_perfect(cls, size: int, get_perfect: SubtreeHash) -> Frontier:
        """Rebuild the frontier for ``size`` from stored perfect nodes (O(log n) lookups)."""
        if not 0 <= size <= MAX_TREE_SIZE:
            raise ValueError(f"size {size} is outside 0..2^64-1")
        entries: list[tuple[int, bytes]] = []
        start = 0
        for level in range(size.bit_length() - 1, -1, -1):
            if (size >> level) & 1:
                entries.append((level, get_perfect(start, start + (1 << level))))
                start += 1 << level
        return cls.from_list(entries)

    def copy(self) -> Frontier:
        f = Frontier()
        f._size = self._size
        f._hashes = list(self._hashes)
        return f

    def _levels(self) -> list[int]:
        return [b for b in range(self._size.bit_length() - 1, -1, -1) if (self._size >> b) & 1]

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()})"
