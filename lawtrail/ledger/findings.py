"""What ``verify_log`` found, and how it tells a rewritten event from a corrupt node.

Every leaf is committed to three times over — by the stored perfect nodes above it, by the log
head's frontier (a second, separate copy of the topmost nodes) and by every signed checkpoint
that covers it. A node that disagrees with the events while one of its stored ancestors (or the
head, or a signed root) agrees is itself corrupt; when the whole chain up to the head disagrees,
the events below it were rewritten together with their leaf hashes, and the lowest disagreeing
node pins them to two neighbours (hashes cannot tell which of the two).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from lawtrail.ledger import merkle
from lawtrail.ledger.models import Node


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


def node_key(node: merkle.PerfectNode) -> int:
    return Node.key_for(node.level, node.position)


@dataclass
class Scan:
    """What the streaming pass found, for ``explain`` to turn into named problems."""

    size: int
    frontier: merkle.Frontier
    # Rows whose leaf may not be the one signed at their position (a leaf hash that disagrees
    # with its bytes, bytes that belong to another position). Where the leaf did move, every
    # node and root above it differs as a consequence, and neither accuses nor clears the
    # other events under it.
    bad_rows: list[int]
    mismatched: dict[int, tuple[merkle.PerfectNode, str]]
    # (previous signed size, size) of each signed root the events do not reproduce.
    root_mismatches: list[tuple[int, int]]
    matched_roots: list[int]
    # The bad rows whose leaf is certainly not the one signed there: bytes that name another
    # position (a swap), a leaf hash that is not a hash.
    misplaced: list[int] = field(default_factory=list)


def covers(bad: list[int], start: int, end: int) -> bool:
    """Does the sorted list ``bad`` hold a sequence number in [start, end)?"""
    at = bisect.bisect_left(bad, start)
    return at < len(bad) and bad[at] < end


def explain(report: Report, scan: Scan, head_frontier: merkle.Frontier | None) -> None:
    """Turn node, head and root mismatches into named events or named corrupt nodes."""

    def exists(level: int, position: int) -> bool:
        return (position + 1) << level <= scan.size

    # A leaf hash that disagrees with its bytes moved only if the stored node just above it
    # disagrees as well (or there is none yet): bytes changed under an untouched leaf hash
    # leave the tree as it was. Only moved leaves explain, and blur, the nodes and roots
    # above them.
    misplaced = set(scan.misplaced)
    moved = [
        seq
        for seq in scan.bad_rows
        if seq in misplaced
        or not exists(1, seq >> 1)
        or Node.key_for(1, seq >> 1) in scan.mismatched
    ]
    mismatched = {
        key: item
        for key, item in scan.mismatched.items()
        if not covers(moved, item[0].start, item[0].end)
    }
    head_tops = {(n.start, n.end): n.hash for n in head_frontier.nodes()} if head_frontier else {}
    rewritten: list[int] = []  # first events of the ranges found rewritten

    def signed_verdict(end: int) -> bool | None:
        """False: a signed root that the events reproduce covers leaves [0, end), so they are
        intact; True: only signed roots that disagree cover them; None: nothing signed does."""
        if any(size >= end for size in scan.matched_roots):
            return False
        # A root that differs says nothing here if a moved leaf lies under it.
        if any(
            size >= end and not covers(moved, 0, size) for _previous, size in scan.root_mismatches
        ):
            return True
        return None

    for key in sorted(mismatched, key=lambda k: (mismatched[k][0].level, k)):
        node, _state = mismatched[key]
        child = Node.key_for(node.level - 1, node.position * 2)
        if node.level > 1 and (child in mismatched or child + 1 in mismatched):
            continue  # not the lowest of its chain; the chain is judged from below
        # Walk up through every disagreeing ancestor, those that rows named elsewhere also
        # explain included: only one that agrees clears the events below.
        chain = [node]
        level, position = node.level + 1, node.position >> 1
        while exists(level, position) and Node.key_for(level, position) in scan.mismatched:
            chain.append(scan.mismatched[Node.key_for(level, position)][0])
            level, position = level + 1, position >> 1
        top = chain[-1]
        changed: bool | None
        if exists(level, position):
            changed = False  # a stored ancestor agrees with the events below it
        elif signed_verdict(node.end) is False:
            changed = False
        elif (top.start, top.end) in head_tops and not covers(moved, top.start, top.end):
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
            if node_key(corrupt) not in mismatched:
                continue
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
        if covers(moved, top.start, top.end) or covers(rewritten, top.start, top.end):
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
    blamed: list[int] = []  # first events of the ranges named from signed roots alone
    for _previous, size in scan.root_mismatches:
        # Leaves below a signed size whose root the events reproduce are exactly as signed, so
        # a root that differs differs because of a leaf in [intact, size) — and only there: a
        # row found bad below ``intact`` (a swap, say) changes the tree, not that range.
        intact = max((s for s in scan.matched_roots if s < size), default=0)
        if covers(moved, intact, size):
            continue  # the rows named above explain it
        if covers(rewritten, intact, size) or covers(blamed, intact, size):
            report.problems.append(
                Problem(
                    "checkpoint_root",
                    f"the events no longer reproduce the root that checkpoint {size} signed",
                )
            )
            continue
        blamed.append(intact)
        report.problems.append(
            Problem(
                "changed",
                f"events #{intact}–#{size - 1} differ from what checkpoint {size} signed: an "
                "event among them was rewritten together with its leaf hash and the tree nodes",
                intact,
            )
        )
