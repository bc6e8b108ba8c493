"""第二十六条 punishes deleting or altering records: each way of editing the log behind the
application's back is found by ``verify_log``, which names the first event that differs (or the
corrupt node or checkpoint).

Each test drops the append-only triggers inside its own transaction (DDL is transactional on
SQLite and PostgreSQL), tampers like a database administrator would, and is rolled back.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from lawtrail.ledger import canonical, checkpoints, events, merkle, note, tree
from lawtrail.ledger.immutability import unprotect_sql
from lawtrail.ledger.models import Checkpoint, Event, LogHead, Node
from lawtrail.ledger.verification import Report, verify_log

SIZE = 24


def unprotect(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            for sql in unprotect_sql(connection.vendor, table):
                cursor.execute(sql)


def append(count: int) -> None:
    start = LogHead.objects.filter(name=events.LOG_NAME).values_list("size", flat=True).first()
    start = start or 0
    with transaction.atomic():
        events.append_many(
            [
                events.Pending(
                    events.SYSTEM,
                    "evidence.viewed",
                    ("evidence", str(start + i)),
                    {"viewer": "officer_a", "n": start + i},
                    context="matter/1",
                )
                for i in range(count)
            ]
        )


def verify() -> Report:
    return verify_log(checkpoints.verifier())


def body_of(seq: int) -> bytes:
    return bytes(Event.objects.get(seq=seq).body)


def rewrite(seq: int, *, leaf_too: bool) -> None:
    """Change what event ``seq`` says the viewer was, keeping its columns consistent."""
    body = body_of(seq).replace(b'"viewer":"officer_a"', b'"viewer":"officer_b"')
    assert body != body_of(seq)
    changes: dict[str, object] = {"body": body}
    if leaf_too:
        changes["leaf_hash"] = merkle.leaf_hash(body)
    Event.objects.filter(seq=seq).update(**changes)


def rebuild_nodes_and_head() -> None:
    """What a thorough tamperer does after rewriting events: recompute every stored node and
    the log head from the rewritten leaves, so that only signed checkpoints disagree."""
    leaves = [bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    frontier = merkle.Frontier()
    nodes = frontier.extend(leaves)
    Node.objects.all().delete()
    tree.store_nodes(nodes)
    LogHead.objects.filter(name=events.LOG_NAME).update(
        size=frontier.size, frontier=tree.dump_frontier(frontier)
    )


def kinds(report: Report) -> list[str]:
    return [p.kind for p in report.problems]


@pytest.fixture
def log(db: None) -> None:
    """24 events; checkpoints signed at 8 and 20; the last 4 not yet signed."""
    checkpoints.ensure_signing_key()
    append(8)
    checkpoints.make_checkpoint()
    append(12)
    checkpoints.make_checkpoint()
    append(4)
    unprotect("ledger_event", "ledger_node", "ledger_checkpoint")
    assert verify().ok


def test_an_untouched_log_verifies(log: None) -> None:
    report = verify()
    assert report.ok and report.first_bad_event is None
    assert report.events == SIZE and report.checkpoints == 2
    assert report.nodes_checked == SIZE - 2  # n minus the number of set bits of n


def test_an_event_whose_bytes_were_changed_is_named_第二十六条(log: None) -> None:
    rewrite(13, leaf_too=False)
    report = verify()
    assert not report.ok
    assert report.first_bad_event == 13
    assert kinds(report) == ["changed"], report.as_dict()
    assert "#13" in report.problems[0].message


def test_a_leaf_hash_with_a_flipped_bit_names_its_event_not_its_neighbour(log: None) -> None:
    leaf = bytearray(Event.objects.get(seq=13).leaf_hash)
    leaf[31] ^= 0x01
    Event.objects.filter(seq=13).update(leaf_hash=bytes(leaf))
    report = verify()
    assert report.first_bad_event == 13
    assert kinds(report) == ["changed"], report.as_dict()


def test_two_changes_under_one_subtree_are_both_named(log: None) -> None:
    Event.objects.filter(seq=1).update(action="evidence.deleted")  # columns only
    rewrite(5, leaf_too=True)  # under the same node [0, 8) as #1
    report = verify()
    assert {(p.kind, p.seq) for p in report.problems} >= {("columns", 1), ("changed", 4)}
    assert "node" not in kinds(report)


def test_an_event_rewritten_with_its_leaf_hash_is_named_with_its_neighbour(log: None) -> None:
    rewrite(13, leaf_too=True)
    report = verify()
    assert report.first_bad_event == 12  # a tree node covers #12 and #13 together
    changed = [p for p in report.problems if p.kind == "changed"]
    assert len(changed) == 1 and "#12 or #13" in changed[0].message
    assert "checkpoint_root" in kinds(report)


def test_an_even_event_rewritten_with_its_leaf_hash_is_named_exactly_first(log: None) -> None:
    rewrite(6, leaf_too=True)
    report = verify()
    assert report.first_bad_event == 6


def test_a_rewrite_not_yet_signed_is_caught_by_the_stored_nodes_and_head(log: None) -> None:
    rewrite(21, leaf_too=True)  # after the last checkpoint (20)
    report = verify()
    assert report.first_bad_event == 20
    assert kinds(report) == ["changed"], report.as_dict()
    assert "#20 or #21" in report.problems[0].message


def test_the_last_event_alone_rewritten_is_caught_by_the_log_head(log: None) -> None:
    append(1)  # 25 events: the last leaf is in no stored node, only in the head's frontier
    rewrite(24, leaf_too=True)
    report = verify()
    assert report.first_bad_event == 24
    assert kinds(report) == ["changed"], report.as_dict()


def test_a_rewrite_with_every_node_recomputed_is_caught_by_the_signed_checkpoint(
    log: None,
) -> None:
    unprotect("ledger_node")
    rewrite(13, leaf_too=True)
    rebuild_nodes_and_head()
    report = verify()
    # Only the signed root of checkpoint 20 disagrees; checkpoint 8 still matches, so the
    # change lies among #8–#19.
    assert kinds(report) == ["changed"], report.as_dict()
    assert report.first_bad_event == 8
    assert "#8–#19" in report.problems[0].message


def test_a_changed_column_is_named(log: None) -> None:
    Event.objects.filter(seq=5).update(action="evidence.deleted")
    report = verify()
    assert report.first_bad_event == 5
    assert kinds(report) == ["columns"]


def test_a_deleted_event_is_named(log: None) -> None:
    Event.objects.filter(seq=9).delete()
    report = verify()
    assert report.first_bad_event == 9
    assert kinds(report) == ["missing"], report.as_dict()


def test_an_event_inserted_at_the_end_without_the_log_head_is_named(log: None) -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    body = canonical.event_bytes(
        seq=SIZE,
        at=at,
        actor="system",
        action="evidence.viewed",
        object_type="evidence",
        object_id="99",
        context="matter/1",
        payload={},
    )
    Event.objects.create(
        seq=SIZE,
        at=at,
        actor="system",
        action="evidence.viewed",
        object_type="evidence",
        object_id="99",
        context="matter/1",
        body=body,
        leaf_hash=merkle.leaf_hash(body),
    )
    report = verify()
    assert report.first_bad_event == SIZE
    assert kinds(report) == ["inserted"], report.as_dict()


def test_two_reordered_events_are_named_by_the_first(log: None) -> None:
    Event.objects.filter(seq=3).update(seq=-1)
    Event.objects.filter(seq=10).update(seq=3)
    Event.objects.filter(seq=-1).update(seq=10)
    report = verify()
    assert report.first_bad_event == 3
    assert {p.seq for p in report.problems} == {3, 10}, report.as_dict()


def test_a_log_truncated_below_a_checkpoint_is_named(log: None) -> None:
    Event.objects.filter(seq__gte=15).delete()
    report = verify()
    assert report.first_bad_event == 15
    assert set(kinds(report)) == {"truncated"}, report.as_dict()


def test_a_truncation_with_the_head_rewound_is_still_caught_by_the_checkpoint(
    log: None,
) -> None:
    unprotect("ledger_node")
    Event.objects.filter(seq__gte=15).delete()
    rebuild_nodes_and_head()
    report = verify()
    assert report.first_bad_event == 15
    assert kinds(report) == ["truncated"]
    assert "checkpoint 20" in report.problems[0].message


def flip(key: int) -> None:
    h = bytearray(Node.objects.get(key=key).hash)
    h[7] ^= 0x10
    Node.objects.filter(key=key).update(hash=bytes(h))


@pytest.mark.parametrize(
    ("level", "index"),
    [
        (2, 1),  # inside the tree, under checkpoint 8
        (4, 0),  # a topmost node: no stored ancestor, checked against checkpoint 20
        (2, 5),  # after the last checkpoint: its stored parent decides
        (3, 2),  # after the last checkpoint and topmost: the log head's copy decides
    ],
)
def test_a_tree_node_with_a_flipped_bit_is_named_and_no_event_is_blamed(
    log: None, level: int, index: int
) -> None:
    flip(Node.key_for(level, index))
    report = verify()
    assert kinds(report) == ["node"], report.as_dict()
    assert f"level {level}, index {index}" in report.problems[0].message
    assert report.first_bad_event is None


def test_a_corrupt_log_head_frontier_is_named(log: None) -> None:
    head = LogHead.objects.get(name=events.LOG_NAME)
    raw = bytearray(head.frontier)
    raw[5] ^= 0x01
    LogHead.objects.filter(pk=head.pk).update(frontier=bytes(raw))
    report = verify()
    assert kinds(report) == ["head"], report.as_dict()
    assert report.first_bad_event is None


def test_a_checkpoint_signed_with_the_wrong_key_is_reported(log: None) -> None:
    impostor = note.Signer.from_key(note.generate_key(checkpoints.verifier().name)[0])
    root = merkle.root_from_leaf_hashes(
        [bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    )
    text = note.Checkpoint(checkpoints.verifier().name, SIZE, root)
    Checkpoint.objects.create(
        size=SIZE,
        root_hash=root,
        note=note.sign_checkpoint(text, [impostor]),
        created_at=datetime.now(UTC),
    )
    report = verify()
    assert kinds(report) == ["checkpoint_signature"], report.as_dict()
    assert f"checkpoint {SIZE}" in report.problems[0].message


def test_a_checkpoint_whose_root_column_differs_from_its_note_blames_no_event(
    log: None,
) -> None:
    Checkpoint.objects.filter(size=20).update(root_hash=b"\x00" * 32)
    report = verify()
    assert kinds(report) == ["checkpoint_columns"], report.as_dict()
    assert report.first_bad_event is None


def test_a_deleted_checkpoint_is_not_needed_to_find_later_tampering(log: None) -> None:
    Checkpoint.objects.filter(size=20).delete()
    rewrite(3, leaf_too=False)
    assert verify().first_bad_event == 3
