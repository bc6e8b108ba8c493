"""Details of ``verify_log`` (第二十六条): its fast column check never accepts what the full
JSON comparison would refuse, and it can run while the log grows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
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
    named: dict[str, object] = {
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
    if check.agree(told_seq, raw, *told):
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

    def rows_then_more_appends(
        below: int | None, columns: tuple[str, ...]
    ) -> Iterator[tuple[Any, ...]]:
        yield from real(below, columns)
        if columns == verification.TREE_COLUMNS:
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


PARALLEL_SCRIPT = """
import json, os, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection, transaction
import lawtrail.ledger.verification as verification
from lawtrail.ledger import checkpoints, events, merkle
from lawtrail.ledger.immutability import unprotect_sql
from lawtrail.ledger.models import Event, Node

real = verification.check_rows
def spy(below):
    with open(os.environ["SPY"], "a") as f:
        f.write(f"{os.getpid()}\\n")
    return real(below)
spy.__module__, spy.__qualname__ = real.__module__, real.__qualname__
verification.check_rows = spy

def append(n):
    with transaction.atomic():
        events.append_many(
            [events.Pending(events.SYSTEM, "thing.made", ("thing", str(i)), {"i": i})
             for i in range(n)]
        )

checkpoints.ensure_signing_key()
append(300)
checkpoints.make_checkpoint()
append(45)
key = checkpoints.verifier()
out = {"clean": [verification.verify_log(key, parallel=p).as_dict() for p in (True, False)]}
with connection.cursor() as cursor:
    for table in ("ledger_event", "ledger_node"):
        for sql in unprotect_sql(connection.vendor, table):
            cursor.execute(sql)
Event.objects.filter(seq=7).update(action="thing.unmade")
body = bytes(Event.objects.get(seq=100).body).replace(b'"i":100', b'"i":1000')
Event.objects.filter(seq=100).update(body=body, leaf_hash=merkle.leaf_hash(body))
Event.objects.filter(seq=200).update(body=b"{}")
Node.objects.filter(key=Node.key_for(3, 30)).update(hash=b"\\x00" * 32)
out["tampered"] = [verification.verify_log(key, parallel=p).as_dict() for p in (True, False)]
out["pid"] = os.getpid()
print(json.dumps(out))
"""


def test_the_row_pass_in_a_second_process_finds_exactly_what_the_serial_pass_finds(
    tmp_path: Path,
) -> None:
    """On a large log the two passes run on two cores; tests run inside a transaction, which a
    second process cannot see, so this runs a file database in a child Python."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        LAWTRAIL_HOME=str(tmp_path),
        DJANGO_SETTINGS_MODULE="lawtrail.settings",
        SPY=str(tmp_path / "pids"),
    )
    result = subprocess.run(
        [sys.executable, "-c", PARALLEL_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    parallel, serial = out["clean"]
    assert parallel == serial and parallel["ok"] and parallel["events"] == 345
    parallel, serial = out["tampered"]
    assert parallel == serial
    assert parallel["first_bad_event"] == 7
    assert {(p["kind"], p["seq"]) for p in parallel["problems"]} >= {
        ("columns", 7),
        ("changed", 100),
        ("changed", 200),
        ("columns", 200),
    }
    assert any(p["kind"] == "node" for p in parallel["problems"])
    pids = [int(line) for line in (tmp_path / "pids").read_text().split()]
    # parallel, serial, parallel, serial: the parallel passes ran in another process
    assert pids[1] == pids[3] == out["pid"]
    assert pids[0] != out["pid"] and pids[2] != out["pid"]
