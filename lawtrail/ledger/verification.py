"""Full verification of the event log against every signed checkpoint (第二十六条).

One streaming pass recomputes every leaf from the stored canonical bytes, rebuilds the tree,
compares every stored tree node, the log head's frontier and every checkpoint root, and checks
every checkpoint's signature. It catches an event row changed, deleted, inserted, reordered or
truncated directly in the database and a stored node hash with a flipped bit, and names the
first event that differs.

How a difference is told apart from a corrupt node: every leaf is committed to three times
over — by the stored perfect nodes above it, by the log head's frontier (a second, separate copy
of the topmost nodes) and by every signed checkpoint that covers it. A node that disagrees with
the events while one of its stored ancestors (or the head) agrees is itself corrupt; when the
whole chain up to the head disagrees, the events below it were rewritten together with their
leaf hashes, and the lowest disagreeing node pins them to two neighbours.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connections

from lawtrail.ledger import merkle, note, tree
from lawtrail.ledger.events import LOG_NAME
from lawtrail.ledger.models import Checkpoint, Event, LogHead, Node

CHUNK = 5000


@dataclass
class Problem:
    kind: str
    message: str
    seq: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "seq": self.seq, "message": self.message}


@dataclass
class Report:
    events: int = 0
    nodes_checked: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_event(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "events": self.events,
            "nodes_checked": self.nodes_checked,
            "checkpoints": self.checkpoints,
            "first_bad_event": self.first_bad_event,
            "problems": [p.as_dict() for p in self.problems],
        }


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
        except TypeError:  # a column that is not text
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
    and its signed root, not its column, is compared with the events.
    """
    signed: dict[int, bytes] = {}
    for checkpoint in Checkpoint.objects.order_by("size"):
        report.checkpoints += 1
        try:
            parsed, _opened = note.open_checkpoint(checkpoint.note, [verifier])
        except note.NoteError as error:
            report.problems.append(
                Problem("checkpoint_signature", f"checkpoint {checkpoint.size}: {error}")
            )
            continue
        if parsed.size != checkpoint.size or parsed.root_hash != bytes(checkpoint.root_hash):
            report.problems.append(
                Problem(
                    "checkpoint_columns",
                    f"checkpoint {checkpoint.size}: its columns differ from its signed note",
                )
            )
        signed[parsed.size] = parsed.root_hash
    return signed


def fetch_nodes(keys: Iterable[int]) -> dict[int, bytes]:
    """Stored hashes of tree nodes: one key-range scan per level, not a huge IN list, because
    the nodes completed by consecutive leaves are consecutive on each level."""
    by_level: dict[int, list[int]] = {}
    for key in keys:
        by_level.setdefault(key >> 56, []).append(key)
    db = connections[Node.objects.db]
    quote = db.ops.quote_name
    sql = (
        f"SELECT {quote('key')}, {quote('hash')} FROM {quote(Node._meta.db_table)} "
        f"WHERE {quote('key')} >= %s AND {quote('key')} <= %s"
    )
    stored: dict[int, bytes] = {}
    with db.cursor() as cursor:
        for level_keys in by_level.values():
            cursor.execute(sql, [min(level_keys), max(level_keys)])
            stored.update((key, bytes(h)) for key, h in cursor.fetchall())
    return stored


EVENT_COLUMNS = (
    "seq",
    "body",
    "leaf_hash",
    "action",
    "actor",
    "object_type",
    "object_id",
    "context",
)


def event_rows(below: int | None) -> Iterator[tuple[Any, ...]]:
    """Every event row with seq < ``below`` (all if None), in order, CHUNK rows a query.

    Keyset pages of plain SQL: the same streaming on SQLite and PostgreSQL, no server-side
    cursor held open for the whole pass, and no ORM work per row.
    """
    db = connections[Event.objects.db]
    quote = db.ops.quote_name
    select = (
        f"SELECT {', '.join(quote(c) for c in EVENT_COLUMNS)} FROM {quote(Event._meta.db_table)}"
    )
    seq = quote("seq")
    bound = f" AND {seq} < %s" if below is not None else ""
    extra = [below] if below is not None else []
    last: int | None = None
    while True:
        with db.cursor() as cursor:
            if last is None:
                where = f" WHERE {seq} < %s" if below is not None else ""
                cursor.execute(f"{select}{where} ORDER BY {seq} LIMIT %s", [*extra, CHUNK])
            else:
                cursor.execute(
                    f"{select} WHERE {seq} > %s{bound} ORDER BY {seq} LIMIT %s",
                    [last, *extra, CHUNK],
                )
            rows = cursor.fetchall()
        yield from rows
        if len(rows) < CHUNK:
            return
        last = rows[-1][0]


def read_head() -> tuple[int, bytes] | None:
    db = connections[LogHead.objects.db]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('size')}, {quote('frontier')} FROM {quote(LogHead._meta.db_table)} "
            f"WHERE {quote('name')} = %s",
            [LOG_NAME],
        )
        row = cursor.fetchone()
    return (int(row[0]), bytes(row[1])) if row else None


def highest_seq() -> int | None:
    db = connections[Event.objects.db]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(f"SELECT MAX({quote('seq')}) FROM {quote(Event._meta.db_table)}")
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


def node_key(node: merkle.PerfectNode) -> int:
    return Node.key_for(node.level, node.position)


@dataclass
class Scan:
    """What the streaming pass found, for ``explain`` to turn into named problems."""

    size: int
    frontier: merkle.Frontier
    # Rows that are inconsistent on their own (bytes vs leaf hash, bytes vs columns): every
    # node and root above them is expected to differ and says nothing more.
    bad_rows: list[int]
    mismatched: dict[int, tuple[merkle.PerfectNode, str]]
    # (previous signed size, size) of each signed root the events do not reproduce.
    root_mismatches: list[tuple[int, int]]
    matched_roots: list[int]


def verify_log(verifier: note.Verifier, progress: Callable[[int], None] | None = None) -> Report:
    """Recompute the whole log and check it against every signed checkpoint and stored node.

    Safe on a live log: the head is read first and the events it covers are verified; events
    appended meanwhile are left to the next run, not mistaken for insertions.
    """
    report = Report()
    signed = check_checkpoints(verifier, report)
    signed_sizes = sorted(signed)
    head = read_head()
    if head is None and Event.objects.exists():
        report.problems.append(Problem("head", "the log head is missing"))
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
    agree = ColumnCheck().agree
    stack: list[bytes] = []
    expected = 0
    for seq, body, leaf, action, actor, object_type, object_id, context in event_rows(
        head[0] if head else None
    ):
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
        # A row rewritten by hand may come back as text; hash what is stored either way.
        if type(body) is not bytes:
            body = body.encode() if isinstance(body, str) else bytes(body)
        recomputed = sha256(b"\x00" + body).digest()
        if recomputed != leaf and recomputed != bytes(leaf):
            scan.bad_rows.append(seq)
            report.problems.append(
                Problem(
                    "changed",
                    f"event #{seq} was changed: its bytes no longer match its leaf hash",
                    seq,
                )
            )
        if not agree(seq, body, action, actor, object_type, object_id, context):
            mismatch = body_matches_columns(
                seq,
                body,
                {
                    "action": action,
                    "actor": actor,
                    "object_type": object_type,
                    "object_id": object_id,
                    "context": context,
                },
            )
            if mismatch:
                if not scan.bad_rows or scan.bad_rows[-1] != seq:
                    scan.bad_rows.append(seq)
                report.problems.append(Problem("columns", f"event #{seq}: {mismatch}", seq))
        h, position, level = recomputed, expected, 0
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


def covers(bad: list[int], start: int, end: int) -> bool:
    """Does the sorted list ``bad`` hold a sequence number in [start, end)?"""
    at = bisect.bisect_left(bad, start)
    return at < len(bad) and bad[at] < end


def explain(report: Report, scan: Scan, head_frontier: merkle.Frontier | None) -> None:
    """Turn node, head and root mismatches into named events or named corrupt nodes."""
    mismatched = {
        key: item
        for key, item in scan.mismatched.items()
        if not covers(scan.bad_rows, item[0].start, item[0].end)
    }
    head_tops = {(n.start, n.end): n.hash for n in head_frontier.nodes()} if head_frontier else {}
    rewritten: list[int] = []  # first events of the ranges found rewritten

    def exists(level: int, position: int) -> bool:
        return (position + 1) << level <= scan.size

    def signed_verdict(end: int) -> bool | None:
        """False: a signed root that the events reproduce covers leaves [0, end), so they are
        intact; True: only signed roots that disagree cover them; None: nothing signed does."""
        if any(size >= end for size in scan.matched_roots):
            return False
        if any(size >= end for _previous, size in scan.root_mismatches):
            return True
        return None

    for key in sorted(mismatched, key=lambda k: (mismatched[k][0].level, k)):
        node, _state = mismatched[key]
        child = Node.key_for(node.level - 1, node.position * 2)
        if node.level > 1 and (child in mismatched or child + 1 in mismatched):
            continue  # not the lowest of its chain; the chain is judged from below
        chain = [node]
        level, position = node.level + 1, node.position >> 1
        while exists(level, position) and Node.key_for(level, position) in mismatched:
            chain.append(mismatched[Node.key_for(level, position)][0])
            level, position = level + 1, position >> 1
        top = chain[-1]
        changed: bool | None
        if exists(level, position):
            changed = False  # a stored ancestor agrees with the events below it
        elif signed_verdict(node.end) is False:
            changed = False
        elif (top.start, top.end) in head_tops:
            changed = head_tops[(top.start, top.end)] != top.hash
        else:
            changed = signed_verdict(node.end)
        names = " or ".join(f"#{i}" for i in range(node.start, node.end))
        if changed:
            rewritten.append(node.start)
            report.problems.append(
                Problem(
                    "changed",
                    f"event {names} was rewritten together with its leaf hash: the stored "
                    f"tree node over events #{node.start}–#{node.end - 1} and everything "
                    "stored or signed above it disagree with the stored events",
                    node.start,
                )
            )
            continue
        for corrupt in chain:
            state = mismatched[node_key(corrupt)][1]
            message = (
                f"stored tree node (level {corrupt.level}, index {corrupt.position}) over "
                f"events #{corrupt.start}–#{corrupt.end - 1} is {state}; "
            )
            if changed is None:
                message += (
                    "nothing signed covers these events and the log head cannot decide, so "
                    f"either the node is corrupt or event {names} was rewritten together with "
                    "its leaf hash"
                )
            else:
                message += "the events below it match what is stored and signed above it"
            report.problems.append(
                Problem("node", message, node.start if changed is None else None)
            )

    rewritten.sort()
    for top in scan.frontier.nodes():
        stored = head_tops.get((top.start, top.end))
        if stored is None or stored == top.hash:
            continue
        if covers(scan.bad_rows, top.start, top.end) or covers(rewritten, top.start, top.end):
            continue
        if top.level and node_key(top) in mismatched:
            continue  # judged with its chain above
        if top.level or signed_verdict(top.end) is False:
            report.problems.append(
                Problem(
                    "head",
                    f"the log head's copy of the tree node over events #{top.start}–"
                    f"#{top.end - 1} is corrupt; the events and what is stored and signed "
                    "agree with each other",
                )
            )
            continue
        rewritten.append(top.start)
        report.problems.append(
            Problem(
                "changed",
                f"event #{top.start} was rewritten together with its leaf hash (or the log "
                "head's copy of that leaf hash is corrupt)",
                top.start,
            )
        )

    rewritten.sort()
    for previous, size in scan.root_mismatches:
        if covers(scan.bad_rows, previous, size):
            continue  # the rows named above already explain it
        if covers(rewritten, 0, size):
            report.problems.append(
                Problem(
                    "checkpoint_root",
                    f"the events no longer reproduce the root that checkpoint {size} signed",
                )
            )
            continue
        report.problems.append(
            Problem(
                "changed",
                f"events #{previous}–#{size - 1} differ from what checkpoint {size} signed: an "
                "event among them was rewritten together with its leaf hash and the tree nodes",
                previous,
            )
        )
