"""第二十六条: a report that names an event accuses whoever recorded it, so ``verify_log`` must not
name intact events. Tampering below the first of two checkpoints makes both signed roots differ;
only the events below the first may be named.

Layout as in the audit's reproduction: 20 events, checkpoints signed at 9 and 16. Each test
drops the append-only triggers inside its own transaction and is rolled back.
"""

from __future__ import annotations

import pytest
from django.db import connection

from lawtrail.ledger import checkpoints
from lawtrail.ledger.models import Event, Node
from lawtrail.ledger.tests.test_tamper_detection import (
    append,
    flip,
    kinds,
    rebuild_nodes_and_head,
    rewrite,
    unprotect,
    verify,
)
from lawtrail.ledger.verification import Report

FIRST = 9  # the first checkpoint's size


@pytest.fixture
def log(db: None) -> None:
    checkpoints.ensure_signing_key()
    append(FIRST)
    checkpoints.make_checkpoint()
    append(16 - FIRST)
    checkpoints.make_checkpoint()
    append(4)
    unprotect("ledger_event", "ledger_node", "ledger_checkpoint")
    assert verify().ok


def named(report: Report) -> set[int]:
    return {p.seq for p in report.problems if p.seq is not None}


def swap(a: int, b: int) -> None:
    Event.objects.filter(seq=a).update(seq=-1)
    Event.objects.filter(seq=b).update(seq=a)
    Event.objects.filter(seq=-1).update(seq=b)


def test_two_events_swapped_below_the_first_checkpoint_blame_no_later_event(log: None) -> None:
    swap(5, 6)
    report = verify()
    assert named(report) == {5, 6}, report.as_dict()
    assert all(seq < FIRST for seq in named(report))


def test_a_swap_with_every_node_recomputed_blames_no_later_event(log: None) -> None:
    swap(2, 4)
    rebuild_nodes_and_head()
    report = verify()
    assert named(report) == {2, 4}, report.as_dict()


def test_a_rewrite_with_its_leaf_hash_and_a_column_blames_no_later_event(log: None) -> None:
    rewrite(7, leaf_too=True)
    Event.objects.filter(seq=7).update(action="evidence.deleted")
    report = verify()
    assert report.first_bad_event is not None and report.first_bad_event <= 7
    assert all(seq < FIRST for seq in named(report)), report.as_dict()
    assert 7 in named(report)


def test_a_rewrite_with_its_leaf_hash_blames_no_later_event(log: None) -> None:
    rewrite(7, leaf_too=True)
    report = verify()
    assert report.first_bad_event == 6  # the node over #6 and #7
    assert all(seq < FIRST for seq in named(report)), report.as_dict()
    assert "checkpoint_root" in kinds(report)


def test_a_rewrite_with_every_node_recomputed_is_pinned_below_the_first_checkpoint(
    log: None,
) -> None:
    rewrite(3, leaf_too=True)
    rebuild_nodes_and_head()
    report = verify()
    changed = [p for p in report.problems if p.kind == "changed"]
    assert len(changed) == 1 and changed[0].seq == 0, report.as_dict()
    assert f"#0–#{FIRST - 1}" in changed[0].message
    # Checkpoint 16 differs for the same reason: reported, but it names no event.
    assert kinds(report) == ["changed", "checkpoint_root"]


def test_a_rewrite_between_the_checkpoints_is_still_pinned_between_them(log: None) -> None:
    rewrite(12, leaf_too=True)
    rebuild_nodes_and_head()
    report = verify()
    assert kinds(report) == ["changed"], report.as_dict()
    assert report.first_bad_event == FIRST
    assert f"#{FIRST}–#15" in report.problems[0].message


def test_a_leaf_hash_of_the_wrong_length_blames_no_later_event(log: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_event SET leaf_hash = 'abc' WHERE seq = 5")
    report = verify()
    assert kinds(report) == ["changed"], report.as_dict()
    assert named(report) == {5}


def test_a_swap_below_and_a_corrupt_node_above_do_not_accuse_the_events_under_the_node(
    log: None,
) -> None:
    swap(5, 6)
    flip(Node.key_for(3, 1))  # over #8–#15; its parent over #0–#15 differs because of the swap
    report = verify()
    assert {5, 6} <= named(report)
    assert not [p for p in report.problems if p.kind == "changed" and (p.seq or 0) >= 8]
    nodes = [p for p in report.problems if p.kind == "node"]
    assert len(nodes) == 1 and "level 3, index 1" in nodes[0].message, report.as_dict()
