"""Full verification of the event log against every signed checkpoint (第二十六条).

One streaming pass recomputes every leaf from the stored canonical bytes, rebuilds the tree,
compares every stored tree node and every checkpoint root, and checks every checkpoint's
signature. It catches an event row changed, deleted, inserted, reordered or truncated directly
in the database and a stored node hash with a flipped bit, and names the first event that
differs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from lawtrail.ledger import merkle, note
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


def check_checkpoints(verifier: note.Verifier, report: Report) -> dict[int, Checkpoint]:
    by_size: dict[int, Checkpoint] = {}
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
        by_size[parsed.size] = checkpoint
    return by_size


def locate(
    report: Report,
    node_mismatches: list[tuple[merkle.PerfectNode, str]],
    root_mismatches: list[tuple[int, int]],
) -> None:
    """Turn node and root mismatches into named events or named corrupt nodes.

    When a signed root disagrees, events were rewritten together with their leaf hashes: the
    lowest stored node that disagrees pins them to two neighbours. When every signed root
    agrees, the events are intact and the disagreeing node itself is corrupt.
    """
    if root_mismatches:
        candidates = sorted(
            node_mismatches, key=lambda item: (item[0].end - item[0].start, item[0].start)
        )
        if candidates:
            node = candidates[0][0]
            names = " or ".join(f"#{i}" for i in range(node.start, node.end))
            report.problems.append(
                Problem(
                    "changed",
                    f"event {names} was rewritten together with its leaf hash",
                    node.start,
                )
            )
        else:
            start, end = root_mismatches[0]
            report.problems.append(
                Problem("changed", f"an event among #{start}–#{end - 1} was rewritten", start)
            )
        return
    for node, state in node_mismatches:
        report.problems.append(
            Problem(
                "node",
                f"stored tree node (level {node.level}, index {node.position}) over events "
                f"#{node.start}–#{node.end - 1} is {state}; the events themselves match the "
                "signed checkpoints",
            )
        )


def verify_log(verifier: note.Verifier, progress: Callable[[int], None] | None = None) -> Report:
    report = Report()
    checkpoints = check_checkpoints(verifier, report)
    frontier = merkle.Frontier()
    expected = 0
    pending: dict[int, merkle.PerfectNode] = {}
    root_mismatches: list[tuple[int, int]] = []

    node_mismatches: list[tuple[merkle.PerfectNode, str]] = []

    def flush_nodes() -> None:
        stored = dict(Node.objects.filter(key__in=list(pending)).values_list("key", "hash"))
        for key, node in pending.items():
            report.nodes_checked += 1
            found = stored.get(key)
            if found is None:
                node_mismatches.append((node, "missing"))
            elif bytes(found) != node.hash:
                node_mismatches.append((node, "different"))
        pending.clear()

    columns = ("seq", "body", "leaf_hash", "action", "actor", "object_type", "object_id", "context")
    rows = Event.objects.order_by("seq").values_list(*columns).iterator(chunk_size=CHUNK)
    for seq, body, leaf, action, actor, object_type, object_id, context in rows:
        # A row rewritten by hand may come back as text; hash what is stored either way.
        body = body.encode() if isinstance(body, str) else bytes(body)
        if seq != expected:
            kind = "missing" if seq > expected else "duplicate"
            report.problems.append(
                Problem(
                    kind,
                    f"event #{expected} is missing (next stored is #{seq})"
                    if seq > expected
                    else f"event #{seq} appears again after #{expected - 1}",
                    min(seq, expected),
                )
            )
            break  # the tree after a gap says nothing useful
        recomputed = merkle.leaf_hash(body)
        clean = recomputed == bytes(leaf)
        if not clean:
            report.problems.append(
                Problem(
                    "changed",
                    f"event #{seq} was changed: its bytes no longer match its leaf hash",
                    seq,
                )
            )
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
            report.problems.append(Problem("columns", f"event #{seq}: {mismatch}", seq))
        for node in frontier.append(recomputed):
            if node.level:
                pending[Node.key_for(node.level, node.position)] = node
        expected += 1
        report.events = expected
        checkpoint = checkpoints.get(expected)
        if checkpoint is not None and frontier.root() != bytes(checkpoint.root_hash):
            previous = max((s for s in checkpoints if s < expected), default=0)
            root_mismatches.append((previous, expected))
            report.problems.append(
                Problem(
                    "checkpoint_root",
                    f"events #{previous}–#{expected - 1} differ from what checkpoint "
                    f"{expected} signed",
                )
            )
        if len(pending) >= CHUNK:
            flush_nodes()
        if progress and expected % CHUNK == 0:
            progress(expected)
    flush_nodes()
    locate(report, node_mismatches, root_mismatches)

    head = LogHead.objects.filter(name=LOG_NAME).first()
    head_size = head.size if head else 0
    if report.events < head_size:
        report.problems.append(
            Problem(
                "truncated",
                f"the log head counts {head_size} events but only {report.events} are stored",
                report.events,
            )
        )
    if report.events > head_size:
        report.problems.append(
            Problem(
                "inserted",
                f"{report.events - head_size} event(s) from #{head_size} on were stored "
                "without going through the log head",
                head_size,
            )
        )
    beyond = [s for s in checkpoints if s > report.events]
    if beyond:
        report.problems.append(
            Problem(
                "truncated",
                f"checkpoint {max(beyond)} was signed over more events than the "
                f"{report.events} stored",
                report.events,
            )
        )
    return report
