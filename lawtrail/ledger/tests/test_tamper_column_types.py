"""A tamperer may leave a hash or body column holding text, or bytes that are not UTF-8, or a
hash of the wrong length (on SQLite a column takes whatever is written into it). 第二十六条:
``verify_log`` must still name the event or node that differs, never stop with a traceback.

Each test drops the append-only triggers inside its own transaction, as in
``test_tamper_detection.py``, and is rolled back.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from lawtrail.cli import main
from lawtrail.ledger import events, tree
from lawtrail.ledger.models import Event, LogHead, Node
from lawtrail.ledger.tests.test_tamper_detection import kinds, log, verify

_ = log  # the fixture: 24 events, checkpoints signed at 8 and 20, the triggers dropped

only_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite stores text or bad UTF-8 in a BLOB column"
)


def execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_a_leaf_hash_rewritten_as_short_text_names_its_event(log: None) -> None:
    # Text on SQLite, three bytes of bytea on PostgreSQL: a leaf hash that is not 32 bytes.
    execute("UPDATE ledger_event SET leaf_hash = 'abc' WHERE seq = 13")
    report = verify()
    assert report.first_bad_event == 13, report.as_dict()
    assert kinds(report) == ["changed"], report.as_dict()
    assert "#13" in report.problems[0].message


@only_sqlite
def test_a_leaf_hash_cast_to_text_with_its_own_bytes_is_still_checked(log: None) -> None:
    # The same 32 bytes, stored as TEXT: what the leaf commits to is unchanged.
    execute("UPDATE ledger_event SET leaf_hash = CAST(leaf_hash AS TEXT) WHERE seq = 2")
    assert verify().first_bad_event in (None, 2)


@only_sqlite
def test_a_leaf_hash_of_invalid_utf8_text_names_its_event(log: None) -> None:
    execute("UPDATE ledger_event SET leaf_hash = CAST(X'FF00FE' AS TEXT) WHERE seq = 5")
    report = verify()
    assert report.first_bad_event == 5, report.as_dict()
    assert kinds(report) == ["changed"], report.as_dict()


@only_sqlite
def test_a_body_prefixed_with_a_byte_and_left_as_text_names_its_event(log: None) -> None:
    execute("UPDATE ledger_event SET body = X'00' || body WHERE seq = 9")
    report = verify()
    assert report.first_bad_event == 9, report.as_dict()
    assert set(kinds(report)) <= {"changed", "columns"}, report.as_dict()


@only_sqlite
def test_a_body_of_invalid_utf8_text_names_its_event(log: None) -> None:
    execute("UPDATE ledger_event SET body = CAST(X'7BFF7D' AS TEXT) WHERE seq = 17")
    report = verify()
    assert report.first_bad_event == 17, report.as_dict()
    assert "changed" in kinds(report) and {p.seq for p in report.problems} == {17}


@only_sqlite
def test_a_text_column_of_invalid_utf8_names_its_event(log: None) -> None:
    execute("UPDATE ledger_event SET actor = CAST(X'FF' AS TEXT) WHERE seq = 3")
    report = verify()
    assert report.first_bad_event == 3, report.as_dict()
    assert kinds(report) == ["columns"], report.as_dict()


@pytest.mark.parametrize(
    ("level", "index"),
    [(2, 1), (4, 0), (2, 5), (3, 2)],  # as in test_tamper_detection: each way a node is judged
)
def test_a_node_hash_rewritten_as_text_names_the_node(log: None, level: int, index: int) -> None:
    execute("UPDATE ledger_node SET hash = 'abc' WHERE key = %s", [Node.key_for(level, index)])
    report = verify()
    assert kinds(report) == ["node"], report.as_dict()
    assert f"level {level}, index {index}" in report.problems[0].message
    assert report.first_bad_event is None


@only_sqlite
def test_a_node_hash_of_invalid_utf8_text_names_the_node(log: None) -> None:
    execute(
        "UPDATE ledger_node SET hash = CAST(X'FFFE' AS TEXT) WHERE key = %s",
        [Node.key_for(2, 1)],
    )
    report = verify()
    assert kinds(report) == ["node"], report.as_dict()
    assert report.first_bad_event is None


@only_sqlite
def test_a_log_head_frontier_rewritten_as_text_is_reported(log: None) -> None:
    execute("UPDATE ledger_loghead SET frontier = 'abc' WHERE name = %s", [events.LOG_NAME])
    report = verify()
    assert kinds(report) == ["head"], report.as_dict()
    assert report.first_bad_event is None


@only_sqlite
def test_a_checkpoint_root_rewritten_as_invalid_utf8_text_is_reported(log: None) -> None:
    execute("UPDATE ledger_checkpoint SET root_hash = CAST(X'FF' AS TEXT) WHERE size = 20")
    report = verify()
    assert kinds(report) == ["checkpoint_columns"], report.as_dict()
    assert report.first_bad_event is None


@only_sqlite
def test_a_checkpoint_note_of_invalid_utf8_text_is_reported(log: None) -> None:
    execute("UPDATE ledger_checkpoint SET note = CAST(X'FF0A' AS TEXT) WHERE size = 8")
    report = verify()
    assert kinds(report) == ["checkpoint_signature"], report.as_dict()
    assert report.first_bad_event is None


def test_a_proof_over_a_leaf_hash_of_the_wrong_length_is_refused_not_crashed(log: None) -> None:
    execute("UPDATE ledger_event SET leaf_hash = 'abc' WHERE seq = 4")
    with pytest.raises(ValueError, match="not 32"):
        tree.inclusion_proof(5, 8)
    assert LogHead.objects.get(name=events.LOG_NAME).size == 24
    assert Event.objects.count() == 24


@only_sqlite
def test_a_proof_over_hashes_of_invalid_utf8_text_is_refused_not_crashed(log: None) -> None:
    execute("UPDATE ledger_event SET leaf_hash = CAST(X'FF' AS TEXT) WHERE seq = 4")
    execute(
        "UPDATE ledger_node SET hash = CAST(X'FEFF' AS TEXT) WHERE key = %s", [Node.key_for(1, 3)]
    )
    with pytest.raises(ValueError, match="event #4"):
        tree.inclusion_proof(5, 8)
    with pytest.raises(ValueError, match="not 32 bytes"):
        tree.inclusion_proof(4, 8)  # needs the node over #6–#7, not leaf #4


@only_sqlite
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_event SET leaf_hash = CAST(X'FF00FE' AS TEXT) WHERE seq = 13",
        "UPDATE ledger_event SET body = CAST(X'7BFF7D' AS TEXT) WHERE seq = 13",
        "UPDATE ledger_event SET leaf_hash = 'abc' WHERE seq = 13",
    ],
)
@pytest.mark.parametrize("argv", [["ledger", "verify", "--json"], ["verify", "--json"]])
def test_lawtrail_verify_reports_a_rewritten_column_and_exits_1(
    log: None, capsys: pytest.CaptureFixture[str], sql: str, argv: list[str]
) -> None:
    execute(sql)
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)["ledger"]
    assert report["first_bad_event"] == 13
    assert {p["seq"] for p in report["problems"]} == {13}


@only_sqlite
def test_lawtrail_ledger_verify_reports_a_log_head_of_invalid_utf8_text(
    log: None, capsys: pytest.CaptureFixture[str]
) -> None:
    execute("UPDATE ledger_loghead SET frontier = CAST(X'FF' AS TEXT)")
    assert main(["ledger", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)["ledger"]
    assert [p["kind"] for p in report["problems"]] == ["head"]


@only_sqlite
@pytest.mark.parametrize("frontier", ["CAST(X'FF' AS TEXT)", "'abc'", "X'0102'"])
def test_lawtrail_verify_reports_a_broken_log_head_and_does_not_crash_logging_it(
    log: None, capsys: pytest.CaptureFixture[str], frontier: str
) -> None:
    """The whole ``lawtrail verify`` appends ``verify.completed`` after the checks; a head that
    takes no appends must be named in the report, not crash it."""
    execute(f"UPDATE ledger_loghead SET frontier = {frontier}")
    assert main(["verify", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [p["kind"] for p in document["ledger"]["problems"]] == ["head"]
    assert "unrecorded" in [p["kind"] for p in document["store"]["problems"]]
