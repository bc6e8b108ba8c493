"""Signed checkpoints (C2SP tlog-checkpoint as an Ed25519 signed note), 第二十六条.

A checkpoint is signed only once the tree is proved consistent with the previous one; every
checkpoint is kept; one is made every LAWTRAIL_CHECKPOINT_EVENTS events after the commit.
"""

from __future__ import annotations

import base64
import itertools
import os
import stat
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings

from lawtrail.ledger import checkpoints, events, merkle, note, tree
from lawtrail.ledger.immutability import unprotect_sql
from lawtrail.ledger.models import Checkpoint, Event, Node

CaptureOnCommit = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def append(count: int) -> None:
    with transaction.atomic():
        events.append_many(
            [events.Pending(events.SYSTEM, "thing.made", ("thing", str(i))) for i in range(count)]
        )


def leaves() -> list[bytes]:
    return [bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)]


@pytest.fixture
def key(db: None) -> note.Verifier:
    checkpoints.ensure_signing_key()
    return checkpoints.verifier()


def test_the_signing_key_file_is_readable_by_its_owner_only(key: note.Verifier) -> None:
    mode = stat.S_IMODE(os.stat(checkpoints.key_file()).st_mode)
    assert mode == 0o600


def test_ensuring_the_key_twice_keeps_the_first_and_writes_the_verifier_key(
    key: note.Verifier,
) -> None:
    again, created = checkpoints.ensure_signing_key()
    assert not created and again == key.key
    written = checkpoints.key_file().with_name("verifier-key").read_text().strip()
    assert written == key.key
    assert key.name == "lawtrail.local/log"


def test_a_checkpoint_is_a_c2sp_signed_note_over_origin_size_and_root(
    key: note.Verifier,
) -> None:
    append(5)
    made = checkpoints.make_checkpoint()
    text, signatures = note.parse_note(made.note)
    origin, size, root64 = text.splitlines()
    assert origin == key.name and size == "5"
    assert base64.b64decode(root64) == merkle.root_from_leaf_hashes(leaves())
    assert [s.name for s in signatures] == [key.name]
    # The key ID is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    assert signatures[0].key_id == key.key_id
    parsed, _ = note.open_checkpoint(made.note, [key])
    assert (parsed.size, parsed.root_hash) == (5, bytes(made.root_hash))


def test_every_checkpoint_is_kept_and_each_extends_the_one_before(key: note.Verifier) -> None:
    sizes = []
    for count in (1, 2, 5, 8, 1):
        append(count)
        sizes.append(checkpoints.make_checkpoint().size)
    kept = list(Checkpoint.objects.order_by("size"))
    assert [c.size for c in kept] == sizes == [1, 3, 8, 16, 17]
    for older, newer in itertools.pairwise(kept):
        merkle.verify_consistency(
            older.size,
            newer.size,
            tree.consistency_proof(older.size, newer.size),
            bytes(older.root_hash),
            bytes(newer.root_hash),
        )


def test_no_new_events_means_no_new_checkpoint(key: note.Verifier) -> None:
    append(3)
    first = checkpoints.make_checkpoint()
    assert checkpoints.make_checkpoint().pk == first.pk
    assert Checkpoint.objects.count() == 1


def corrupt_node(level: int, index: int) -> None:
    with connection.cursor() as cursor:
        for sql in unprotect_sql(connection.vendor, "ledger_node"):
            cursor.execute(sql)
    key = Node.key_for(level, index)
    h = bytearray(Node.objects.get(key=key).hash)
    h[0] ^= 0x80
    Node.objects.filter(key=key).update(hash=bytes(h))


def test_a_tree_that_disagrees_with_the_log_head_is_never_signed_第二十六条(
    key: note.Verifier,
) -> None:
    append(8)
    checkpoints.make_checkpoint()
    append(4)
    corrupt_node(3, 0)  # [0, 8): part of the root of 12
    with pytest.raises(checkpoints.InconsistentLog, match="disagree"):
        checkpoints.make_checkpoint()
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [8]


def test_a_tree_not_consistent_with_the_last_checkpoint_is_never_signed(
    key: note.Verifier,
) -> None:
    append(6)
    checkpoints.make_checkpoint()
    append(10)
    corrupt_node(1, 2)  # [4, 6): in the consistency proof from 6, not in the root of 16
    with pytest.raises(checkpoints.InconsistentLog, match="not consistent with checkpoint 6"):
        checkpoints.make_checkpoint()
    assert Checkpoint.objects.count() == 1


def test_the_previous_checkpoint_is_trusted_only_as_signed(key: note.Verifier) -> None:
    """A forged earlier checkpoint (say, inserted to match a rewritten history) stops signing."""
    append(4)
    impostor = note.Signer.from_key(note.generate_key(key.name)[0])
    root = merkle.root_from_leaf_hashes(leaves())
    Checkpoint.objects.create(
        size=4,
        root_hash=root,
        note=note.sign_checkpoint(note.Checkpoint(key.name, 4, root), [impostor]),
        created_at=datetime.now(UTC),
    )
    append(1)
    with pytest.raises(checkpoints.InconsistentLog, match="does not verify"):
        checkpoints.make_checkpoint()
    assert Checkpoint.objects.count() == 1


def test_a_wrong_log_origin_is_refused_and_nothing_is_signed(key: note.Verifier) -> None:
    append(2)
    with override_settings(LAWTRAIL_LOG_ORIGIN="another.example/log"):
        with pytest.raises(checkpoints.KeyMissing, match=r"another\.example/log"):
            checkpoints.signer()
        with pytest.raises(checkpoints.KeyMissing):
            checkpoints.make_checkpoint()
    assert Checkpoint.objects.count() == 0


def test_a_missing_key_file_is_refused_with_a_pointer_to_lawtrail_init(
    key: note.Verifier, tmp_path: Any
) -> None:
    with (
        override_settings(LAWTRAIL_SIGNING_KEY_FILE=tmp_path / "none"),
        pytest.raises(checkpoints.KeyMissing, match="lawtrail init"),
    ):
        checkpoints.make_checkpoint()


@override_settings(LAWTRAIL_CHECKPOINT_EVENTS=5)
def test_a_checkpoint_is_made_after_the_commit_every_n_events(
    key: note.Verifier, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    made = []
    for batch in (3, 3, 3, 3, 1):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            append(batch)
        made.append(len(callbacks))
    # 3 → 6 crosses 5, 9 → 12 crosses 10; the others cross nothing.
    assert made == [0, 1, 0, 1, 0]
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [6, 12]


@override_settings(LAWTRAIL_CHECKPOINT_EVENTS=5)
def test_a_failed_checkpoint_after_commit_is_logged_not_raised(
    key: note.Verifier,
    django_capture_on_commit_callbacks: CaptureOnCommit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        override_settings(LAWTRAIL_LOG_ORIGIN="another.example/log"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        append(6)
    assert Checkpoint.objects.count() == 0
    assert "checkpoint not made" in caplog.text


def test_a_checkpoint_is_due_after_n_events_or_n_seconds(key: note.Verifier) -> None:
    assert not checkpoints.checkpoint_due()  # an empty log needs none
    append(1)
    assert checkpoints.checkpoint_due()  # the first one
    checkpoints.make_checkpoint()
    assert not checkpoints.checkpoint_due()
    append(1)
    with override_settings(LAWTRAIL_CHECKPOINT_SECONDS=3600, LAWTRAIL_CHECKPOINT_EVENTS=1000):
        assert not checkpoints.checkpoint_due()
    with override_settings(LAWTRAIL_CHECKPOINT_SECONDS=0):
        assert checkpoints.checkpoint_due()
    with override_settings(LAWTRAIL_CHECKPOINT_SECONDS=3600, LAWTRAIL_CHECKPOINT_EVENTS=1):
        assert checkpoints.checkpoint_due()


def test_the_served_note_is_the_checkpoint_with_cosignatures_appended(
    key: note.Verifier,
) -> None:
    append(2)
    made = checkpoints.make_checkpoint()
    assert checkpoints.served_note(made) == made.note
