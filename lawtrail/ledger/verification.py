"""Full verification of the event log against every signed checkpoint (第二十六条).

Two streaming passes over the events check everything: the row pass recomputes every leaf
hash from the stored canonical bytes and compares the queryable columns with them; the tree
pass rebuilds the tree from the leaf hashes and compares every stored tree node, the log
head's frontier and the root of every checkpoint whose signature verifies. Together they catch
an event row changed, deleted, inserted, reordered or truncated directly in the database and a
stored node hash with a flipped bit, and name the first event that differs.

``findings.py`` turns what the passes found into named events or named corrupt nodes.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from lawtrail.ledger import merkle, note, tree
from lawtrail.ledger.events import LOG_NAME
from lawtrail.ledger.findings import Problem, Report, Scan, explain
from lawtrail.ledger.models import Checkpoint, Event, LogHead, Node

CHUNK = 5000


def body_matches_columns(seq: int, body: bytes, columns: dict[str, object]) -> str | None:
    """The queryable columns must say what the hashed body says."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return "its canonical bytes are not JSON"
    if not isinstance(parsed, dict):
        return "its canonical bytes are not a JSON object"
    expected = {
        "seq": seq,
        "action": columns["action"],
        "actor": columns["actor"],
        "object": f"{columns['object_type']}/{columns['object_id']}",
        "context": columns["context"],
    }
    for key, value in expected.items():
        if parsed.get(key) != value:
            return (
                f"its column {key} ({value!r}) differs from its hashed bytes ({parsed.get(key)!r})"
            )
    return None


_quote = json.encoder.encode_basestring  # the string form canonical.py writes (no \\u escapes)


class ColumnCheck:
    """Fast path of ``body_matches_columns`` for version-1 canonical bytes.

    Canonical bytes sort their keys, so they must read exactly
    ``{"action":A,"actor":B,"at":"…","context":C,"object":"T/I","payload":…,"seq":N,"v":1}``.
    Comparing that frame, with the parts that repeat from event to event encoded once, saves
    parsing a million JSON documents. ``False`` sends the row to the slow path, which parses it
    and says what differs.
    """

    LIMIT = 10_000  # distinct frames kept; a province has a few thousand actors

    def __init__(self) -> None:
        self.heads: dict[tuple[str, str], bytes] = {}
        self.middles: dict[tuple[str, str], bytes] = {}

    def agree(
        self,
        seq: int,
        body: bytes,
        action: str,
        actor: str,
        object_type: str,
        object_id: str,
        context: str,
    ) -> bool:
        try:
            head = self.heads.get((action, actor))
            if head is None:
                head = f'{{"action":{_quote(action)},"actor":{_quote(actor)},"at":"'.encode()
                self.remember(self.heads, (action, actor), head)
            middle = self.middles.get((context, object_type))
            if middle is None:
                # Up to the object's id: the quoted "type/" without its closing quote.
                text = f'","context":{_quote(context)},"object":{_quote(object_type + "/")}'
                middle = text[:-1].encode()
                self.remember(self.middles, (context, object_type), middle)
            rest = f'{_quote(object_id)[1:]},"payload":'.encode()
        except (TypeError, UnicodeEncodeError):  # a column that is not (UTF-8) text
            return False
        if not body.startswith(head) or not body.endswith(b',"seq":%d,"v":1}' % seq):
            return False
        at_end = body.find(b'"', len(head))
        return (
            at_end > 0
            and body.startswith(middle, at_end)
            and body.startswith(rest, at_end + len(middle))
        )

    def remember(
        self, cache: dict[tuple[str, str], bytes], key: tuple[str, str], value: bytes
    ) -> None:
        if len(cache) >= self.LIMIT:
            cache.clear()
        cache[key] = value


def check_checkpoints(verifier: note.Verifier, report: Report) -> dict[int, bytes]:
    """Check every checkpoint's signature; return the signed root of each size.

    Only what the signature covers is trusted: a row whose columns were edited is reported,
    and its signed root, not its column, is compared with the events. Read as bytes, so that a
    note or root rewritten as bad text on SQLite is reported rather than stopping the run.
    """
    db = connections[Checkpoint.objects.db]
    quote = db.ops.quote_name
    columns = ", ".join([quote("size"), as_blob(db, "root_hash"), as_blob(db, "note")])
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {quote(Checkpoint._meta.db_table)} ORDER BY {quote('size')}"
        )
        rows = cursor.fetchall()
    signed: dict[int, bytes] = {}
    for size, root_hash, text in rows:
        report.checkpoints += 1
        try:
            parsed, _opened = note.open_checkpoint(
                text if isinstance(text, str) else bytes(text), [verifier]
            )
        except note.NoteError as error:
            report.problems.append(Problem("checkpoint_signature", f"checkpoint {size}: {error}"))
            continue
        if parsed.size != size or parsed.root_hash != as_bytes(root_hash):
            report.problems.append(
                Problem(
                    "checkpoint_columns",
                    f"checkpoint {size}: its columns differ from its signed note",
                )
            )
        signed[parsed.size] = parsed.root_hash
    return signed


def as_blob(db: BaseDatabaseWrapper, column: str) -> str:
    """``column`` selected as the bytes stored in it.

    SQLite keeps whatever a hand-written UPDATE puts in a BLOB column: text comes back as
    ``str``, and text that is not UTF-8 makes the whole fetch fail. CAST(... AS BLOB) returns
    the stored bytes either way (and costs nothing on a real BLOB); PostgreSQL's bytea can only
    hold bytes.
    """
    quoted = db.ops.quote_name(column)
    return f"CAST({quoted} AS BLOB)" if db.vendor == "sqlite" else quoted


def as_bytes(value: object) -> bytes:
    """A stored BLOB as bytes (memoryview on PostgreSQL); b"" for NULL or a stray value."""
    if type(value) is bytes:
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return b"" if value is None else str(value).encode()


def fetch_nodes(keys: Iterable[int]) -> dict[int, bytes]:
    """Stored hashes of tree nodes: one key-range scan per level, not a huge IN list, because
    the nodes completed by consecutive leaves are consecutive on each level."""
    by_level: dict[int, list[int]] = {}
    for key in keys:
        by_level.setdefault(key >> 56, []).append(key)
    db = connections[Node.objects.db]
    quote = db.ops.quote_name
    sql = (
        f"SELECT {quote('key')}, {as_blob(db, 'hash')} FROM {quote(Node._meta.db_table)} "
        f"WHERE {quote('key')} >= %s AND {quote('key')} <= %s"
    )
    stored: dict[int, bytes] = {}
    with db.cursor() as cursor:
        for level_keys in by_level.values():
            cursor.execute(sql, [min(level_keys), max(level_keys)])
            stored.update((key, as_bytes(h)) for key, h in cursor.fetchall())
    return stored


ROW_COLUMNS = ("seq", "body", "leaf_hash", "action", "actor", "object_type", "object_id", "context")
TREE_COLUMNS = ("seq", "leaf_hash")
BLOB_COLUMNS = frozenset({"body", "leaf_hash"})
TEXT_COLUMNS = frozenset({"action", "actor", "object_type", "object_id", "context"})


def event_rows(below: int | None, columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
    """``columns`` of every event with seq < ``below`` (all if None), in order, CHUNK rows a
    query; ``seq`` must come first. BLOB columns come back as bytes, whatever was stored.

    Keyset pages of plain SQL: the same streaming on SQLite and PostgreSQL, no server-side
    cursor held open for the whole pass, and no ORM work per row.
    """
    db = connections[Event.objects.db]
    quote = db.ops.quote_name
    table = quote(Event._meta.db_table)
    select = f"SELECT {', '.join(column_sql(db, c) for c in columns)} FROM {table}"
    # Only for a page SQLite cannot decode: a text column holding bytes that are not UTF-8.
    raw_select = f"SELECT {', '.join(column_sql(db, c, raw=True) for c in columns)} FROM {table}"
    raw_text = [c in TEXT_COLUMNS for c in columns]
    seq = quote("seq")
    bound = f" AND {seq} < %s" if below is not None else ""
    extra = [below] if below is not None else []
    last: int | None = None
    while True:
        if last is None:
            where = f" WHERE {seq} < %s" if below is not None else ""
            tail, params = f"{where} ORDER BY {seq} LIMIT %s", [*extra, CHUNK]
        else:
            tail = f" WHERE {seq} > %s{bound} ORDER BY {seq} LIMIT %s"
            params = [last, *extra, CHUNK]
        try:
            with db.cursor() as cursor:
                cursor.execute(select + tail, params)
                rows = cursor.fetchall()
        except OperationalError:
            if db.vendor != "sqlite":
                raise
            with db.cursor() as cursor:
                cursor.execute(raw_select + tail, params)
                rows = [decode_text(row, raw_text) for row in cursor.fetchall()]
        yield from rows
        if len(rows) < CHUNK:
            return
        last = rows[-1][0]


def column_sql(db: BaseDatabaseWrapper, column: str, *, raw: bool = False) -> str:
    if column in BLOB_COLUMNS or (raw and column in TEXT_COLUMNS):
        return as_blob(db, column)
    return db.ops.quote_name(column)


def decode_text(row: tuple[Any, ...], text: list[bool]) -> tuple[Any, ...]:
    """Text columns read as bytes, decoded so that bytes that are not UTF-8 survive as lone
    surrogates: they can never equal what a canonical body says, so the row is reported."""
    return tuple(
        value.decode("utf-8", "surrogateescape") if is_text and isinstance(value, bytes) else value
        for value, is_text in zip(row, text, strict=True)
    )


def read_head() -> tuple[int, bytes] | None:
    db = connections[LogHead.objects.db]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('size')}, {as_blob(db, 'frontier')} "
            f"FROM {quote(LogHead._meta.db_table)} "
            f"WHERE {quote('name')} = %s",
            [LOG_NAME],
        )
        row = cursor.fetchone()
    return (int(row[0]), as_bytes(row[1])) if row else None


def highest_seq() -> int | None:
    db = connections[Event.objects.db]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(f"SELECT MAX({quote('seq')}) FROM {quote(Event._meta.db_table)}")
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


@dataclass
class RowCheck:
    """What the row pass found: each event row judged on its own."""

    problems: list[Problem]
    # Rows whose leaf may not be the one signed at their position: a leaf hash that disagrees
    # with its bytes, or bytes that belong to another position (a swap). Every node and root
    # above them differs as a consequence and says nothing more. Columns that disagree with
    # bytes that are in their place change no hash, and are not listed.
    bad_rows: list[int]
    # Those certainly not at their signed position: bytes naming another, a leaf hash that is
    # not a hash.
    misplaced: list[int]


def check_rows(below: int | None) -> RowCheck:
    """Every event's bytes against its leaf hash and against its queryable columns."""
    found = RowCheck([], [], [])
    sha256 = hashlib.sha256
    agree = ColumnCheck().agree
    for seq, body, leaf, action, actor, object_type, object_id, context in event_rows(
        below, ROW_COLUMNS
    ):
        # Bytes on SQLite (read with CAST), memoryview on PostgreSQL; as_bytes for the rest.
        if type(body) is not bytes:
            body = as_bytes(body)
        if type(leaf) is not bytes:
            leaf = as_bytes(leaf)
        if len(leaf) != merkle.HASH_SIZE:
            found.bad_rows.append(seq)
            found.misplaced.append(seq)
            found.problems.append(
                Problem(
                    "changed",
                    f"event #{seq} was changed: its leaf hash is {len(leaf)} bytes, not a "
                    "SHA-256 hash",
                    seq,
                )
            )
        elif sha256(b"\x00" + body).digest() != leaf:
            found.bad_rows.append(seq)
            found.problems.append(
                Problem(
                    "changed",
                    f"event #{seq} was changed: its bytes no longer match its leaf hash",
                    seq,
                )
            )
        if agree(seq, body, action, actor, object_type, object_id, context):
            continue
        columns = {
            "action": action,
            "actor": actor,
            "object_type": object_type,
            "object_id": object_id,
            "context": context,
        }
        mismatch = body_matches_columns(seq, body, columns)
        if mismatch:
            found.problems.append(Problem("columns", f"event #{seq}: {mismatch}", seq))
            hash_agrees = not found.bad_rows or found.bad_rows[-1] != seq
            if hash_agrees and not body.endswith(b',"seq":%d,"v":1}' % seq):
                # The leaf hashes bytes that are not this position's event: it was signed at
                # another position (a swap), or never.
                found.bad_rows.append(seq)
                found.misplaced.append(seq)
    return found


PARALLEL_FROM = 100_000  # events; below this a second process costs more than it saves


def rows_elsewhere(below: int | None, parallel: bool | None) -> Callable[[], RowCheck]:
    """Start the row pass; return a function that waits for its result.

    On a large log it runs in a forked process, so that the two passes use two cores. Never
    inside a transaction: the other process could not see what it has not committed.
    """
    db = connections[Event.objects.db]
    if parallel is None:
        parallel = (below or 0) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1
    in_memory = db.vendor == "sqlite" and db.is_in_memory_db()  # type: ignore[attr-defined]
    if not parallel or db.in_atomic_block or in_memory:
        return lambda: check_rows(below)
    connections.close_all()  # the child must open its own connection, not share ours
    pool = multiprocessing.get_context("fork").Pool(1)
    pending = pool.apply_async(check_rows, (below,))

    def wait() -> RowCheck:
        try:
            return pending.get()
        finally:
            pool.close()
            pool.join()

    return wait


def verify_log(
    verifier: note.Verifier,
    progress: Callable[[int], None] | None = None,
    *,
    parallel: bool | None = None,
) -> Report:
    """Recompute the whole log and check it against every signed checkpoint and stored node.

    Two passes, which together check everything: the row pass recomputes each event's leaf
    hash from its bytes (and checks its columns); the tree pass rebuilds the tree from the
    stored leaf hashes and compares every stored node, the log head and every signed root. On
    a large log they run at once on two cores (``parallel``: None decides by size).

    Safe on a live log: the head is read first and the events it covers are verified; events
    appended meanwhile are left to the next run, not mistaken for insertions.
    """
    report = Report()
    signed = check_checkpoints(verifier, report)
    signed_sizes = sorted(signed)
    head = read_head()
    if head is None and Event.objects.exists():
        report.problems.append(Problem("head", "the log head is missing"))
    below = head[0] if head else None
    row_check = rows_elsewhere(below, parallel)

    scan = Scan(0, merkle.Frontier(), [], {}, [], [])
    pending: dict[int, bytes] = {}  # node key -> recomputed hash, checked in batches
    gap = False

    def flush_nodes() -> None:
        stored = fetch_nodes(pending)
        for key, h in pending.items():
            found = stored.get(key)
            if found != h:
                level, position = key >> 56, key & ((1 << 56) - 1)
                node = merkle.PerfectNode(position << level, (position + 1) << level, h)
                scan.mismatched[key] = (node, "missing" if found is None else "different")
        report.nodes_checked += len(pending)
        pending.clear()

    # The tree is rebuilt here with its own few lines rather than merkle.Frontier: a verifier
    # that shares no code with the appender cannot inherit its bugs, and this loop runs once
    # per event. ``stack`` holds the frontier, largest perfect subtree first.
    sha256 = hashlib.sha256
    stack: list[bytes] = []
    expected = 0
    for seq, leaf in event_rows(below, TREE_COLUMNS):
        if seq != expected:
            gap = True
            report.problems.append(
                Problem(
                    "missing" if seq > expected else "duplicate",
                    f"event #{expected} is missing (next stored is #{seq})"
                    if seq > expected
                    else f"event #{seq} appears again after #{expected - 1}",
                    min(seq, expected),
                )
            )
            break  # the tree after a gap says nothing useful
        h, position, level = leaf if type(leaf) is bytes else as_bytes(leaf), expected, 0
        if len(h) != merkle.HASH_SIZE:
            # The row pass names this event; a stand-in of the right size keeps the tree (and
            # the frontier built from it) well-formed, and every node above it will differ.
            h = sha256(b"\x02" + h).digest()  # 0x02: neither a leaf nor a node hash
        while position & 1:  # each trailing 1 bit is a left sibling this leaf completes
            h = sha256(b"\x01" + stack.pop() + h).digest()
            position >>= 1
            level += 1
            pending[level << 56 | position] = h
        stack.append(h)
        expected += 1
        root = signed.get(expected)
        if root is not None:
            for left in reversed(stack[:-1]):
                h = sha256(b"\x01" + left + h).digest()
            if h == root:
                scan.matched_roots.append(expected)
            else:
                at = bisect.bisect_left(signed_sizes, expected)
                scan.root_mismatches.append((signed_sizes[at - 1] if at else 0, expected))
        if len(pending) >= CHUNK:
            flush_nodes()
        if progress and expected % CHUNK == 0:
            progress(expected)
    flush_nodes()
    report.events = scan.size = expected
    levels = [b for b in range(expected.bit_length() - 1, -1, -1) if expected >> b & 1]
    scan.frontier = merkle.Frontier.from_list(zip(levels, stack, strict=True))

    rows = row_check()
    report.problems.extend(rows.problems)  # rows after a gap are still judged on their own
    scan.bad_rows, scan.misplaced = rows.bad_rows, rows.misplaced

    head_size = head[0] if head else 0
    head_frontier: merkle.Frontier | None = None
    if head is not None and not gap and head_size == expected:
        try:
            head_frontier = tree.load_frontier(head[1])
        except ValueError:
            report.problems.append(Problem("head", "the log head's stored frontier is corrupt"))
        else:
            if head_frontier.size != head_size:
                report.problems.append(Problem("head", "the log head's frontier and size disagree"))
                head_frontier = None
    explain(report, scan, head_frontier)

    if gap:
        return report
    if head is not None and expected < head_size:
        report.problems.append(
            Problem(
                "truncated",
                f"the log head counts {head_size} events but only {expected} are stored",
                expected,
            )
        )
    if head is not None:
        # Read the highest stored event, then the head again: an append commits its events
        # and the head together, so an event the new head does not count was inserted by hand.
        highest = highest_seq()
        now = read_head()
        counted = now[0] if now else 0
        if highest is not None and highest >= counted:
            report.problems.append(
                Problem(
                    "inserted",
                    f"event(s) from #{counted} to #{highest} were stored without going through "
                    "the log head",
                    counted,
                )
            )
    beyond = [s for s in signed_sizes if s > expected]
    if beyond:
        report.problems.append(
            Problem(
                "truncated",
                f"checkpoint {max(beyond)} was signed over more events than the {expected} stored",
                expected,
            )
        )
    return report


__all__ = ["Problem", "Report", "body_matches_columns", "verify_log"]
