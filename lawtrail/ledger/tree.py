"""The Merkle tree over the event log, stored as perfect nodes (RFC 6962).

Leaves are ``Event.leaf_hash`` (level 0); every completed perfect subtree above them is a
``Node``. Any subtree hash a proof needs is a combination of O(log n) perfect nodes, fetched in
two queries however large the log is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connections

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
    """Keep every completed perfect node above the leaves (plain executemany, as for events)."""
    rows = []
    for start, end, h in nodes:
        level = (end - start).bit_length() - 1
        if level:
            rows.append((Node.key_for(level, start >> level), h))
    if rows:
        db = connections[Node.objects.db]
        quote = db.ops.quote_name
        with db.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(Node._meta.db_table)} ({quote('key')}, {quote('hash')}) "
                "VALUES (%s, %s)",
                rows,
            )


def fetch_perfect(ranges: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Hashes of the given perfect ranges: leaves from Event, the rest from Node.

    One round trip of plain SQL: a proof needs only O(log n) rows by primary or unique key,
    and compiling two ORM queries would cost several times the lookups themselves.
    """
    leaves: dict[int, tuple[int, int]] = {}
    keys: dict[int, tuple[int, int]] = {}
    for start, end in ranges:
        level = (end - start).bit_length() - 1
        if level == 0:
            leaves[start] = (start, end)
        else:
            keys[Node.key_for(level, start >> level)] = (start, end)
    found: dict[tuple[int, int], bytes] = {}
    if leaves or keys:
        db = connections[Event.objects.db]
        with db.cursor() as cursor:
            sql = perfect_sql(
                db.ops.quote_name, len(leaves), len(keys), as_blob=db.vendor == "sqlite"
            )
            cursor.execute(sql, [*leaves, *keys])
            for is_node, key, h in cursor.fetchall():
                if h is None or len(h) != merkle.HASH_SIZE:
                    what = f"node {key}" if is_node else f"leaf hash of event #{key}"
                    raise ValueError(f"stored {what} is not 32 bytes")
                found[(keys if is_node else leaves)[key]] = bytes(h)
    missing = (set(leaves.values()) | set(keys.values())) - set(found)
    if missing:
        raise LookupError(f"tree nodes missing for leaf ranges {sorted(missing)[:3]}")
    return found


def perfect_sql(
    quote: Callable[[str], str], leaves: int, nodes: int, *, as_blob: bool = True
) -> str:
    """SELECT (is_node, key, hash) for ``leaves`` sequence numbers, then ``nodes`` keys.

    ``as_blob`` (SQLite) reads each hash with CAST(... AS BLOB): a hash rewritten by hand as
    text, even text that is not UTF-8, then comes back as the bytes stored and is refused
    for its length instead of failing the whole query.
    """
    selects = []
    for is_node, count, table, key, value in (
        (0, leaves, Event._meta.db_table, "seq", "leaf_hash"),
        (1, nodes, Node._meta.db_table, "key", "hash"),
    ):
        if count:
            marks = ", ".join(["%s"] * count)
            column = f"CAST({quote(value)} AS BLOB)" if as_blob else quote(value)
            selects.append(
                f"SELECT {is_node}, {quote(key)}, {column} FROM {quote(table)} "
                f"WHERE {quote(key)} IN ({marks})"
            )
    return " UNION ALL ".join(selects)


def subtree_hashes(ranges: list[tuple[int, int]]) -> list[bytes]:
    """MTH of each range, from one batched fetch of the perfect nodes under them.

    MTH splits at the largest power of two, so a range's perfect pieces (largest first)
    combine right to left — what merkle.subtree_hash_from_perfect does, without decomposing
    every range a second time.
    """
    parts = [merkle.perfect_ranges(start, end) for start, end in ranges]
    perfect = fetch_perfect(piece for pieces in parts for piece in pieces)
    node_hash = merkle.node_hash
    hashes = []
    for pieces in parts:
        result = perfect[pieces[-1]]
        for piece in reversed(pieces[:-1]):
            result = node_hash(perfect[piece], result)
        hashes.append(result)
    return hashes


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return subtree_hashes(merkle.inclusion_proof_ranges(index, size))


def consistency_proof(size1: int, size2: int) -> list[bytes]:
    return subtree_hashes(merkle.consistency_proof_ranges(size1, size2))


def root_at(size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return subtree_hashes([(0, size)])[0]
