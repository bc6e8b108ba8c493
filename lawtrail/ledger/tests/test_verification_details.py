"""Details of ``verify_log`` (第二十六条): its fast column check never accepts what the full
JSON comparison would refuse, and it can run while the log grows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from lawtrail.ledger import canonical, checkpoints, events, verification
from lawtrail.ledger.models import LogHead
from lawtrail.ledger.verification import ColumnCheck, body_matches_columns, verify_log

text = st.text(max_size=12)
AT = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def body(seq: int, action: str, actor: str, kind: str, ident: str, context: str) -> bytes:
    return canonical.event_bytes(
        seq=seq,
        at=AT,
        actor=actor,
        action=action,
        object_type=kind,
        object_id=ident,
        context=context,
        payload={"note": '","seq":1,"v":1}', "x": [1, "\\"]},
    )


def slow(seq: int, raw: bytes, columns: tuple[str, str, str, str, str]) -> bool:
    action, actor, kind, ident, context = columns
    named = {
        "action": action,
        "actor": actor,
        "object_type": kind,
        "object_id": ident,
        "context": context,
    }
    return body_matches_columns(seq, raw, named) is None


@given(
    seq=st.integers(min_value=0, max_value=2**40),
    columns=st.tuples(text, text, text, text, text),
)
def test_the_fast_column_check_accepts_every_canonical_body(
    seq: int, columns: tuple[str, str, str, str, str]
) -> None:
    raw = body(seq, *columns)
    assert ColumnCheck().agree(seq, raw, *columns)
    assert slow(seq, raw, columns)


@given(
    seq=st.integers(min_value=0, max_value=2**20),
    columns=st.tuples(text, text, text, text, text),
    lie=st.tuples(st.integers(min_value=0, max_value=5), text),
)
def test_the_fast_column_check_never_accepts_what_the_full_check_refuses(
    seq: int, columns: tuple[str, str, str, str, str], lie: tuple[int, str]
) -> None:
    raw = body(seq, *columns)
    where, value = lie
    told = list(columns)
    told_seq = seq
    if where == 5:
        told_seq = seq + 1
    else:
        told[where] = value
    check = ColumnCheck()
    if check.agree(told_seq, raw, *told):  # type: ignore[arg-type]
        assert slow(told_seq, raw, tuple(told))  # type: ignore[arg-type]


def test_the_fast_column_check_refuses_what_is_not_text() -> None:
    raw = body(3, "a", "b", "c", "d", "e")
    assert not ColumnCheck().agree(3, raw, "a", "b", "c", 4, "e")  # type: ignore[arg-type]


def append(count: int) -> None:
    with transaction.atomic():
        events.append_many(
            [events.Pending(events.SYSTEM, "thing.made", ("thing", str(i))) for i in range(count)]
        )


@pytest.fixture
def log(db: None) -> None:
    checkpoints.ensure_signing_key()
    append(10)
    checkpoints.make_checkpoint()


def test_events_appended_during_verification_are_not_mistaken_for_insertions(
    log: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = verification.event_rows

    def rows_then_more_appends(below: int | None) -> Iterator[tuple[Any, ...]]:
        yield from real(below)
        append(3)  # commits while the verifier is between its scan and its last look

    monkeypatch.setattr(verification, "event_rows", rows_then_more_appends)
    report = verify_log(checkpoints.verifier())
    assert report.ok, report.as_dict()
    assert report.events == 10


def test_a_missing_log_head_is_reported(log: None) -> None:
    LogHead.objects.all().delete()
    report = verify_log(checkpoints.verifier())
    assert "head" in [p.kind for p in report.problems]
    assert not report.ok


def test_progress_is_reported_every_chunk(log: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "CHUNK", 4)
    seen: list[int] = []
    report = verify_log(checkpoints.verifier(), progress=seen.append)
    assert report.ok and seen == [4, 8]
    assert report.nodes_checked == 10 - 2
