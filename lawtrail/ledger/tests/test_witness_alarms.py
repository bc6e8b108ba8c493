"""A refused split view or rewritten history is reported, not only kept (第二十六条; issue 3 §4
"refused and reported"): logged at error level with who submitted it, listed by
``lawtrail ledger witness alarms`` (exit 1), a finding of ``lawtrail verify`` on the witness
node, and readable at ``GET /api/v1/witness/alarms`` by provincial supervisors and system
administrators. A checkpoint that is merely older than the co-signed one is no alarm: 409, as
C2SP tlog-witness answers a stale client.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from lawtrail.cli import main
from lawtrail.ledger import checkpoints, commands, merkle, tree, witness
from lawtrail.ledger.models import WitnessAlarm, WitnessedLog
from lawtrail.ledger.tests.test_witness import Setup, append, cosign, forged, setup
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province

ALARMS = "/api/v1/witness/alarms"
_ = setup  # the fixture of test_witness: a followed log, a witness key, a token


def split_view(setup: Setup) -> str:
    """Co-sign a first checkpoint, then present another root for the same size."""
    append(8)
    first = checkpoints.make_checkpoint()
    cosign(setup, first, 0)
    other = forged(first.size, merkle.leaf_hash(b"another history"))
    response = setup.post(witness.build_request(first.size, [], other))
    assert response.status_code == 403
    return other


def test_an_alarm_is_logged_at_error_level_with_who_submitted_it_第二十六条(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="lawtrail.ledger.witness"):
        presented = split_view(setup)
    alarm = WitnessAlarm.objects.get()
    assert alarm.presented == presented
    assert alarm.submitted_by is not None
    assert alarm.submitted_by.get_username() == "county_a_log"
    [record] = [r for r in caplog.records if r.name == "lawtrail.ledger.witness"]
    assert record.levelno == logging.ERROR
    assert "county_a_log" in record.getMessage() and setup.log_key.name in record.getMessage()


def test_an_alarm_without_a_known_submitter_is_kept_too(setup: Setup) -> None:
    row = witness.alarm("county.example/log", "split view: two roots for size 3", "a", "b")
    assert row.submitted_by is None
    assert witness.alarm_rows()[0]["submitted_by"] is None


def test_an_older_checkpoint_gets_409_and_raises_no_alarm(setup: Setup) -> None:
    """A genuine, log-signed checkpoint smaller than the co-signed one cannot be shown
    inconsistent (the request has no proof from it forward): a replay or a client behind."""
    append(4)
    older = checkpoints.make_checkpoint()
    append(4)
    newer = checkpoints.make_checkpoint()
    cosign(setup, newer, 0)
    for old in (newer.size, older.size, 0):
        response = setup.post(witness.build_request(old, [], older.note))
        assert response.status_code == 409
        assert response.content.decode() == f"{newer.size}\n"
    # Also one the log never stored, but signed with its key: still only older.
    response = setup.post(witness.build_request(newer.size, [], forged(2, tree.root_at(2))))
    assert response.status_code == 409
    assert not WitnessAlarm.objects.exists()
    assert WitnessedLog.objects.get().size == newer.size


def test_the_cli_lists_the_alarms_and_exits_1_when_there_are_any(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ledger", "witness", "alarms"]) == 0
    assert main(["ledger", "witness", "alarms", "--json"]) == 0
    capsys.readouterr()

    split_view(setup)
    assert main(["ledger", "witness", "alarms"]) == 1
    out = capsys.readouterr().out
    assert setup.log_key.name in out and "county_a_log" in out and "split view" in out

    assert main(["ledger", "witness", "alarms", "--json"]) == 1
    [row] = json.loads(capsys.readouterr().out)["alarms"]
    assert row["origin"] == setup.log_key.name
    assert row["submitted_by"] == "county_a_log"
    assert row["presented"] == WitnessAlarm.objects.get().presented
    assert "split view" in row["reason"]

    assert main(["ledger", "witness", "alarms", "--origin", "elsewhere.example/log"]) == 0


def test_lawtrail_verify_reports_the_alarms_on_a_witness_node(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = commands.verify_beyond_the_store()["witness"]
    assert clean.ok and clean.as_dict() == {"ok": True, "logs": 1, "alarms": []}

    split_view(setup)
    assert main(["verify", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ledger"]["ok"] is True  # our own log is fine; the alarm is the finding
    assert document["witness"]["ok"] is False
    [row] = document["witness"]["alarms"]
    assert row["submitted_by"] == "county_a_log" and "split view" in row["reason"]

    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "[witness_alarm]" in out and setup.log_key.name in out


def test_a_node_that_witnesses_nothing_reports_no_witness_section(db: None) -> None:
    assert "witness" not in commands.verify_beyond_the_store()


def test_supervisors_and_administrators_read_the_alarms(setup: Setup, province: Province) -> None:
    split_view(setup)
    for officer in (province.supervisor, province.admin):
        response = api_client(officer).get(ALARMS)
        assert response.status_code == 200, response.content
        [row] = response.json()["alarms"]
        assert row["origin"] == setup.log_key.name
        assert row["submitted_by"] == "county_a_log"
        assert row["id"] == WitnessAlarm.objects.get().pk
    response = api_client(province.supervisor).get(ALARMS, {"origin": "elsewhere.example/log"})
    assert response.json() == {"alarms": []}


@pytest.mark.parametrize("who", ["officer_a", "head_a", "head_city", "log_account"])
def test_others_get_403_from_the_alarms(setup: Setup, province: Province, who: str) -> None:
    split_view(setup)
    if who == "log_account":
        client = Client(headers={"Authorization": f"Bearer {setup.token}"})
    else:
        client = api_client(getattr(province, who))
    response = client.get(ALARMS)
    assert response.status_code == 403
    assert "alarms" not in response.json()


def test_the_alarms_need_a_login(setup: Setup) -> None:
    assert Client().get(ALARMS).status_code == 401
