"""The Merkle tree over the event log, stored as perfect nodes (RFC 6962).

Leaves are ``Event.leaf_hash`` (level 0); every completed perfect subtree above them is a
``Node``. Any subtree hash a proof needs is a combination of O(log n) perfect nodes, fetched in
two queries however large the log is.
"""

from __future__ import annotations

from collections.abc import Iterable

from lawtrail.ledger import merkle
from lawtrail.ledger.models import Event, Node

LEVEL_BYTES = 1


def dump_frontier(frontier: merkle.Frontier) -> bytes:
    return b"".join(bytes([level]) + h for level, h in frontier.to_list())


def load_frontier(blob: bytes | memoryview) -> merkle.Frontier:
    raw = bytes(blob)
    step = LEVEL_BYTES + merkle.HASH_SIZE
    if len(raw) % step:
        raise ValueError("stored frontier is corrupt")
    return merkle.Frontier.from_list(
        (raw[i], raw[i + 1 : i + step]) for i in range(0, len(raw), step)
    )


def store_nodes(nodes: Iterable[merkle.PerfectNode]) -> None:
    """Keep every completed perfect node above the leaves."""
    rows = [Node(key=Node.key_for(n.level, n.position), hash=n.hash) for n in nodes if n.level]
    if rows:
        Node.objects.bulk_create(rows)


def fetch_perfect(ranges: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Hashes of the given perfect ranges: leaves from Event, the rest from Node."""
    leaves: dict[int, tuple[int, int]] = {}
    keys: dict[int, tuple[int, int]] = {}
    for start, end in ranges:
        level = (end - start).bit_length() - 1
        if level == 0:
            leaves[start] = (start, end)
        else:
            keys[Node.key_for(level, start >> level)] = (start, end)
    found: dict[tuple[int, int], bytes] = {}
    for seq, leaf in Event.objects.filter(seq__in=list(leaves)).values_list("seq", "leaf_hash"):
        found[leaves[seq]] = bytes(leaf)
    for key, h in Node.objects.filter(key__in=list(keys)).values_list("key", "hash"):
        found[keys[key]] = bytes(h)
    missing = (set(leaves.values()) | set(keys.values())) - set(found)
    if missing:
        raise LookupError(f"tree nodes missing for leaf ranges {sorted(missing)[:3]}")
    return found


def subtree_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, from one batched fetch of the perfect nodes under them."""
    parts = {r: merkle.perfect_ranges(*r) for r in ranges}
    perfect = fetch_perfect(p for rs in parts.values() for p in rs)
    return [
        merkle.subtree_hash_from_perfect(start, end, lambda s, e: perfect[(s, e)])
        for start, end in ranges
    ]


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return subtree_hashes(merkle.inclusion_proof_ranges(index, size))


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    return subtree_hashes(merkle.consistency_proof_ranges(size1, size2))


def root_at(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return subtree_hashes([(0, size)])[0]
