"""Append, checkpoint, prove and verify against a naive reference (第二十六条).

The reference is RFC 6962 §2.1 written out recursively over the canonical bytes, with none of
the production code's shortcuts (stored perfect nodes, frontier, batched fetches). Each
Hypothesis example runs in a savepoint that is rolled back, so examples never see each other.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from lawtrail.ledger import checkpoints, events, merkle, note, proofs, tree
from lawtrail.ledger.verification import verify_log


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Reference:
    """RFC 6962 MTH, PATH and PROOF, recursively, over a list of entries."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []
        self.memo: dict[tuple[int, int], bytes] = {}  # entries are append-only

    def mth(self, start: int, end: int) -> bytes:
        if (start, end) not in self.memo:
            n = end - start
            if n == 0:
                value = sha256(b"")
            elif n == 1:
                value = sha256(b"\x00" + self.entries[start])
            else:
                k = largest_power_of_two_below(n)
                value = sha256(b"\x01" + self.mth(start, start + k) + self.mth(start + k, end))
            self.memo[(start, end)] = value
        return self.memo[(start, end)]

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self.mth(start, end)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, complete), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        return self.subproof(m, 0, n, True)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1),
    st.text(max_size=12),
)
payloads = st.dictionaries(
    st.text(max_size=6), st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=4
)
actions = st.sampled_from(["matter.opened", "record.signed", "evidence.viewed", "审批.通过"])


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.ref = Reference()
        self.payloads: list[dict[str, Any]] = []
        self.signed: list[tuple[int, bytes]] = []
        self.verifier = checkpoints.verifier()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    @property
    def size(self) -> int:
        return len(self.ref.entries)

    def record(self, written: list[Any], wanted: list[dict[str, Any]], action: str) -> None:
        for event, payload in zip(written, wanted, strict=True):
            body = bytes(event.body)
            parsed = json.loads(body)
            assert event.seq == self.size
            assert parsed["seq"] == event.seq and parsed["action"] == action
            assert parsed["payload"] == payload
            assert bytes(event.leaf_hash) == sha256(b"\x00" + body)
            self.ref.entries.append(body)
            self.payloads.append(payload)

    @rule(action=actions, payload=payloads)
    def append_one(self, action: str, payload: dict[str, Any]) -> None:
        with transaction.atomic():
            event = events.append(
                events.SYSTEM, action, ("thing", str(self.size)), payload, context="matter/7"
            )
        self.record([event], [payload], action)

    @rule(action=actions, batch=st.lists(payloads, min_size=1, max_size=40))
    def append_batch(self, action: str, batch: list[dict[str, Any]]) -> None:
        with transaction.atomic():
            written = events.append_many(
                [events.Pending(events.SYSTEM, action, ("thing", "b"), p) for p in batch]
            )
        self.record(written, batch, action)

    @rule()
    def make_checkpoint(self) -> None:
        made = checkpoints.make_checkpoint()
        parsed, _ = note.open_checkpoint(made.note, [self.verifier])
        assert parsed.size == made.size == self.size
        assert parsed.root_hash == bytes(made.root_hash) == self.ref.mth(0, self.size)
        if not self.signed or self.signed[-1][0] != self.size:
            self.signed.append((self.size, parsed.root_hash))

    @precondition(lambda self: self.size > 0)
    @rule(data=st.data())
    def prove_inclusion(self, data: st.DataObject) -> None:
        size = data.draw(st.integers(min_value=1, max_value=self.size), label="size")
        index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
        proof = tree.inclusion_proof(index, size)
        assert proof == self.ref.path(index, 0, size)
        leaf = sha256(b"\x00" + self.ref.entries[index])
        merkle.verify_inclusion(index, size, leaf, proof, self.ref.mth(0, size))

    @precondition(lambda self: self.size > 0)
    @rule(data=st.data())
    def prove_consistency(self, data: st.DataObject) -> None:
        size2 = data.draw(st.integers(min_value=1, max_value=self.size), label="size2")
        size1 = data.draw(st.integers(min_value=1, max_value=size2), label="size1")
        proof = tree.consistency_proof(size1, size2)
        assert proof == self.ref.proof(size1, size2)
        merkle.verify_consistency(
            size1, size2, proof, self.ref.mth(0, size1), self.ref.mth(0, size2)
        )

    @precondition(lambda self: any(size for size, _ in self.signed))
    @rule(data=st.data())
    def prove_inclusion_in_a_signed_checkpoint(self, data: st.DataObject) -> None:
        size, root = data.draw(st.sampled_from([s for s in self.signed if s[0]]), label="cp")
        index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
        proof = [base64.b64decode(h) for h in proofs.inclusion(index, size)]
        leaf = sha256(b"\x00" + self.ref.entries[index])
        merkle.verify_inclusion(index, size, leaf, proof, root)

    @invariant()
    def every_checkpoint_is_consistent_with_every_earlier_one(self) -> None:
        for i, (size1, root1) in enumerate(self.signed):
            for size2, root2 in self.signed[i + 1 :]:
                if size1 == 0:
                    assert root1 == merkle.EMPTY_ROOT
                    continue
                proof = tree.consistency_proof(size1, size2)
                merkle.verify_consistency(size1, size2, proof, root1, root2)

    @invariant()
    def the_whole_log_verifies(self) -> None:
        report = verify_log(self.verifier)
        assert report.ok, report.as_dict()
        assert report.events == self.size
        assert report.checkpoints == len(self.signed)


@pytest.mark.django_db
def test_append_prove_and_verify_agree_with_a_naive_rfc6962_reference_第二十六条() -> None:
    checkpoints.ensure_signing_key()
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
