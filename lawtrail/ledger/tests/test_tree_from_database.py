"""Proofs served from the stored tree (第二十六条): what the database answers must be exactly what
RFC 6962 computes over the stored leaves, for every size, in a bounded number of reads."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import transaction

from lawtrail.ledger import canonical, events, merkle, tree
from lawtrail.ledger.models import Event, LogHead, Node

# Batches of uneven sizes, so that perfect nodes are completed across batch boundaries.
BATCHES = [1, 1, 3, 17, 2, 30, 1, 15]
SIZE = sum(BATCHES)


def append_batches(batches: list[int]) -> list[Event]:
    written: list[Event] = []
    for count in batches:
        with transaction.atomic():
            written += events.append_many(
                [
                    events.Pending(
                        events.SYSTEM,
                        "test.appended",
                        ("thing", str(len(written) + i)),
                        {"n": len(written) + i, "名称": "检查"},
                        context="matter/1",
                    )
                    for i in range(count)
                ]
            )
    return written


def stored_leaves() -> list[bytes]:
    return [bytes(h) for h in Event.objects.order_by("seq").values_list("leaf_hash", flat=True)]


def memory_subtree(leaves: list[bytes]) -> merkle.SubtreeHash:
    return lambda start, end: merkle.root_from_leaf_hashes(leaves[start:end])


@pytest.fixture
def log(db: None) -> list[bytes]:
    append_batches(BATCHES)
    return stored_leaves()


def test_every_leaf_hash_is_sha256_of_0x00_and_the_canonical_bytes(log: list[bytes]) -> None:
    for event in Event.objects.order_by("seq"):
        body = bytes(event.body)
        assert bytes(event.leaf_hash) == hashlib.sha256(b"\x00" + body).digest()
        parsed = json.loads(body)
        again = canonical.event_bytes(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            context=event.context,
            payload=parsed["payload"],
        )
        assert again == body, "the canonical bytes must be recomputable from the row"


def test_the_root_at_every_size_matches_the_stored_leaves(log: list[bytes]) -> None:
    assert tree.root_at(0) == merkle.EMPTY_ROOT
    for size in range(1, SIZE + 1):
        assert tree.root_at(size) == merkle.root_from_leaf_hashes(log[:size]), size


def test_the_log_head_frontier_is_the_root_of_the_whole_log(log: list[bytes]) -> None:
    head = LogHead.objects.get(name=events.LOG_NAME)
    assert head.size == SIZE
    assert tree.load_frontier(head.frontier).root() == merkle.root_from_leaf_hashes(log)


def test_every_completed_perfect_node_is_stored_and_nothing_else(log: list[bytes]) -> None:
    expected = {
        Node.key_for(n.level, n.position): n.hash for n in merkle.Frontier().extend(log) if n.level
    }
    stored = {key: bytes(h) for key, h in Node.objects.values_list("key", "hash")}
    assert stored == expected


def test_inclusion_proofs_verify_for_every_index_of_every_size(log: list[bytes]) -> None:
    subtree = memory_subtree(log)
    for size in range(1, SIZE + 1):
        root = merkle.root_from_leaf_hashes(log[:size])
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == merkle.inclusion_proof(index, size, subtree)
            merkle.verify_inclusion(index, size, log[index], proof, root)


def test_consistency_proofs_verify_between_every_pair_of_sizes(log: list[bytes]) -> None:
    subtree = memory_subtree(log)
    roots = [merkle.root_from_leaf_hashes(log[:size]) for size in range(SIZE + 1)]
    for size2 in range(1, SIZE + 1):
        for size1 in range(1, size2 + 1):
            proof = tree.consistency_proof(size1, size2)
            assert proof == merkle.consistency_proof(size1, size2, subtree)
            merkle.verify_consistency(size1, size2, proof, roots[size1], roots[size2])


def test_a_proof_does_not_verify_against_a_different_leaf(log: list[bytes]) -> None:
    proof = tree.inclusion_proof(5, SIZE)
    root = merkle.root_from_leaf_hashes(log)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(5, SIZE, log[6], proof, root)


def test_a_proof_takes_two_queries_however_large_the_log(
    log: list[bytes], django_assert_max_num_queries: object
) -> None:
    append_batches([200])
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        tree.inclusion_proof(37, SIZE + 200)
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        tree.consistency_proof(SIZE, SIZE + 200)
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        tree.root_at(SIZE + 199)


def test_a_proof_over_a_size_beyond_the_log_is_refused(log: list[bytes]) -> None:
    with pytest.raises(LookupError, match="missing"):
        tree.inclusion_proof(0, SIZE + 1)
