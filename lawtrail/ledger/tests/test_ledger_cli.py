"""``lawtrail ledger …`` and ``lawtrail verify`` in-process: exit 0 when fine, 1 when problems
are found, 2 with a sentence on bad input; a proof bundle checks out in the standalone verifier
run offline (第二十六条, and 第二十条 for the copies courts receive)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import override_settings

from lawtrail.cli import main
from lawtrail.ledger import checkpoints, events, note, witness
from lawtrail.ledger.immutability import unprotect_sql
from lawtrail.ledger.models import Checkpoint, Event, Node, WitnessedLog

VERIFIER = Path(__file__).resolve().parents[1] / "verifier.py"
Capture = pytest.CaptureFixture[str]


def append(count: int) -> None:
    with transaction.atomic():
        events.append_many(
            [
                events.Pending(events.SYSTEM, "evidence.viewed", ("evidence", str(i)), {"n": i})
                for i in range(count)
            ]
        )


def unprotect(table: str) -> None:
    with connection.cursor() as cursor:
        for sql in unprotect_sql(connection.vendor, table):
            cursor.execute(sql)


@pytest.fixture
def log(db: None) -> None:
    checkpoints.ensure_signing_key()
    append(12)
    checkpoints.make_checkpoint()


@pytest.mark.parametrize("argv", [["ledger", "verify", "--json"], ["verify", "--json"]])
def test_verify_exits_0_on_an_intact_log(log: None, capsys: Capture, argv: list[str]) -> None:
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)["ledger"]
    assert report["ok"] is True and report["events"] == 12 and report["checkpoints"] == 1
    assert report["first_bad_event"] is None and report["problems"] == []


@pytest.mark.parametrize("argv", [["ledger", "verify", "--json"], ["verify", "--json"]])
def test_verify_exits_1_and_names_the_changed_event_第二十六条(
    log: None, capsys: Capture, argv: list[str]
) -> None:
    unprotect("ledger_event")
    body = bytes(Event.objects.get(seq=7).body).replace(b'"n":7', b'"n":70')
    Event.objects.filter(seq=7).update(body=body)
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)["ledger"]
    assert report["ok"] is False and report["first_bad_event"] == 7
    assert report["problems"][0]["kind"] == "changed"


def test_verify_in_text_names_the_first_event_that_differs(log: None, capsys: Capture) -> None:
    unprotect("ledger_event")
    Event.objects.filter(seq=4).delete()
    assert main(["ledger", "verify"]) == 1
    out = capsys.readouterr().out
    assert "first event that differs: #4" in out
    assert "[missing] event #4 is missing" in out


def test_verify_without_a_signing_key_exits_2_with_a_sentence(
    log: None, capsys: Capture, tmp_path: Path
) -> None:
    with override_settings(LAWTRAIL_SIGNING_KEY_FILE=tmp_path / "absent"):
        assert main(["ledger", "verify"]) == 2
    assert "lawtrail init" in capsys.readouterr().err


def test_checkpoint_prints_the_signed_note(log: None, capsys: Capture) -> None:
    append(3)
    assert main(["ledger", "checkpoint"]) == 0
    out = capsys.readouterr().out
    parsed, _ = note.open_checkpoint(out, [checkpoints.verifier()])
    assert parsed.size == 15
    assert Checkpoint.objects.count() == 2


def test_checkpoint_with_a_wrong_origin_exits_2(log: None, capsys: Capture) -> None:
    append(1)
    with override_settings(LAWTRAIL_LOG_ORIGIN="another.example/log"):
        assert main(["ledger", "checkpoint"]) == 2
    assert "another.example/log" in capsys.readouterr().err
    assert Checkpoint.objects.count() == 1


def test_checkpoint_refuses_to_sign_an_inconsistent_tree_and_exits_1(
    log: None, capsys: Capture
) -> None:
    append(4)
    unprotect("ledger_node")
    Node.objects.filter(key=Node.key_for(3, 0)).update(hash=b"\x01" * 32)
    assert main(["ledger", "checkpoint"]) == 1
    assert "refusing to sign" in capsys.readouterr().err
    assert Checkpoint.objects.count() == 1


def test_a_proof_bundle_checks_out_in_the_standalone_verifier_offline(
    log: None, capsys: Capture, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.json"
    assert main(["ledger", "prove", "5", "--out", str(bundle)]) == 0
    assert "verifier" in capsys.readouterr().out
    key = tmp_path / "key.txt"
    key.write_text(checkpoints.verifier().key + "\n")
    result = subprocess.run(
        [sys.executable, str(VERIFIER), str(bundle), "--key", str(key)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # nothing of lawtrail is importable from here
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("VERIFIED.")

    # The same bundle with the event's bytes altered is refused.
    data = json.loads(bundle.read_text())
    data["index"] = 6
    bundle.write_text(json.dumps(data))
    result = subprocess.run(
        [sys.executable, str(VERIFIER), str(bundle), "--key", str(key)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr


def test_prove_signs_a_checkpoint_when_none_covers_the_event(log: None, capsys: Capture) -> None:
    append(2)  # #12 and #13 are not yet covered
    assert main(["ledger", "prove", "13"]) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["index"] == 13
    assert note.open_checkpoint(bundle["checkpoint"], [checkpoints.verifier()])[0].size == 14
    assert len(bundle["inclusion_proof"]) == 3  # #12, [8, 12), [0, 8)


def test_prove_of_an_unknown_event_exits_2_with_a_sentence(log: None, capsys: Capture) -> None:
    assert main(["ledger", "prove", "999999"]) == 2
    assert capsys.readouterr().err == "lawtrail: There is no event #999999.\n"


def test_prove_without_a_signing_key_exits_2_with_a_sentence(
    log: None, capsys: Capture, tmp_path: Path
) -> None:
    append(1)
    with override_settings(LAWTRAIL_SIGNING_KEY_FILE=tmp_path / "absent"):
        assert main(["ledger", "prove", "12"]) == 2
    assert "lawtrail init" in capsys.readouterr().err


def test_prove_refuses_to_sign_an_inconsistent_tree_and_exits_1(log: None, capsys: Capture) -> None:
    append(4)
    unprotect("ledger_node")
    Node.objects.filter(key=Node.key_for(3, 0)).update(hash=b"\x01" * 32)
    assert main(["ledger", "prove", "13"]) == 1
    assert "refusing to sign" in capsys.readouterr().err


def test_witness_init_and_follow(log: None, capsys: Capture) -> None:
    assert main(["ledger", "witness", "init", "province.example/witness"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == witness.ensure_witness_key("province.example/witness")
    log_key = checkpoints.verifier()
    assert main(["ledger", "witness", "follow", log_key.name, log_key.key]) == 0
    assert f"witnessing {log_key.name}" in capsys.readouterr().out
    assert WitnessedLog.objects.get().origin == log_key.name


def test_witness_follow_with_a_bad_key_exits_2(log: None, capsys: Capture) -> None:
    assert main(["ledger", "witness", "follow", "x.example/log", "not-a-key"]) == 2
    assert capsys.readouterr().err.startswith("lawtrail: ")


def test_the_verifier_path_is_printed(capsys: Capture) -> None:
    assert main(["ledger", "verifier-path"]) == 0
    assert Path(capsys.readouterr().out.strip()) == VERIFIER
