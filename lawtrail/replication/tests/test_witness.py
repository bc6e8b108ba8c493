"""The provincial node co-signs each agency's checkpoints (issue 9 §3, 第十九条/第二十六条).

As in lawtrail/ledger/tests/test_witness.py, the witness (the province) and the log (county A)
share the test process and database, their tables apart; the request reaches the real witness
view through Django's test client instead of a socket.
"""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from lawtrail.api.tokens import create_token
from lawtrail.cli import main
from lawtrail.errors import UsageError
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401
from lawtrail.ledger import checkpoints, events, merkle, note, witness
from lawtrail.ledger.models import Checkpoint, Cosignature, Event, WitnessAlarm, WitnessedLog
from lawtrail.ledger.tests.test_tamper_detection import rebuild_nodes_and_head, unprotect
from lawtrail.replication import witnessing
from lawtrail.testing import Province

WITNESS_NAME = "province.example/witness"


class ProvinceWitness:
    """The provincial node: its key, the log it follows, a token for county A."""

    def __init__(self, token: str, key: note.Verifier) -> None:
        self.token = token
        self.key = key
        self.client = Client()
        self.sent: list[str] = []

    def post(self, url: str, token: str, body: str) -> tuple[int, str]:
        assert url == "https://province.example/api/v1/witness/add-checkpoint"
        self.sent.append(body)
        response = self.client.post(
            url.removeprefix("https://province.example"),
            data=body,
            content_type="text/plain",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        return response.status_code, response.content.decode()


@pytest.fixture
def home(settings: Any, evidence_home: Path) -> Path:  # noqa: F811
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    checkpoints.ensure_signing_key()
    return evidence_home


@pytest.fixture
def province_witness(
    home: Path, province: Province, monkeypatch: pytest.MonkeyPatch
) -> ProvinceWitness:
    key = note.Verifier.from_key(witness.ensure_witness_key(WITNESS_NAME))
    log_key = checkpoints.verifier()
    witness.follow_log(log_key.name, log_key.key)
    user = get_user_model().objects.create_user("county_a_log")
    node = ProvinceWitness(create_token(user, "county A's checkpoints"), key)
    monkeypatch.setattr(witnessing, "post", node.post)
    monkeypatch.setenv(witnessing.ENV_URL, "https://province.example/")
    monkeypatch.setenv(witnessing.ENV_TOKEN, node.token)
    monkeypatch.setenv(witnessing.ENV_KEY, key.key)
    return node


def append(count: int, viewer: str = "officer_a") -> None:
    with transaction.atomic():
        events.append_many(
            [
                events.Pending(
                    events.SYSTEM, "evidence.viewed", ("evidence", str(i)), {"viewer": viewer}
                )
                for i in range(count)
            ]
        )


def served() -> str:
    latest = checkpoints.latest()
    assert latest is not None
    return checkpoints.served_note(latest)


def refusals() -> list[dict[str, Any]]:
    rows = Event.objects.filter(action=witnessing.REFUSED_ACTION).order_by("seq")
    return [json.loads(bytes(e.body))["payload"] for e in rows]


def backup(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """``lawtrail backup … --json`` in-process."""
    status = main(["backup", *args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def backup_witness(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    return backup(capsys, "witness")


def test_the_latest_checkpoint_carries_the_provinces_cosignature(
    province_witness: ProvinceWitness,
) -> None:
    append(5)
    outcome = witnessing.after_sync()
    assert outcome is not None and outcome.ok, outcome
    latest = checkpoints.latest()
    assert latest is not None and outcome.checkpoint == latest.size
    # The served note opens with the unit's key and with the province's.
    parsed, opened = note.open_checkpoint(served(), [checkpoints.verifier(), province_witness.key])
    assert sorted(opened.names) == sorted([checkpoints.verifier().name, WITNESS_NAME])
    assert parsed.size == latest.size
    assert WitnessedLog.objects.get().size == latest.size

    # Events since (a sync records each verified copy): a new checkpoint is signed and
    # co-signed with a consistency proof from the one the province holds.
    append(7)
    again = witnessing.after_sync()
    assert again is not None and again.ok and again.checkpoint == latest.size + 7
    assert province_witness.sent[-1].startswith(f"old {latest.size}\n")
    assert list(Cosignature.objects.values_list("checkpoint__size", flat=True)) == [
        latest.size,
        latest.size + 7,
    ]
    assert not refusals() and not WitnessAlarm.objects.exists()


def test_backup_sync_has_the_province_cosign_the_checkpoint_covering_its_copies(
    province_witness: ProvinceWitness,
    settings: Any,
    home: Path,
    province: Province,
    media: Any,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lawtrail.evidence.tests.fixtures import ingest
    from lawtrail.matters.tests.factories import open_penalty
    from lawtrail.replication import replica

    settings.LAWTRAIL_REPLICA = (home / "province").as_uri()
    replica.clear_cache()
    matter = open_penalty(province)
    ingest(province.officer_a.user, media.photo, matter=matter.number)
    status, report = backup(capsys, "sync")
    assert status == 0, report
    assert report["copied"] == 1
    assert report["witness"]["status"] == "cosigned"
    assert report["witness"]["witness"] == WITNESS_NAME
    latest = checkpoints.latest()
    assert latest is not None and report["witness"]["checkpoint"] == latest.size
    # The checkpoint the province co-signed covers the sync's own record of the copy.
    copied = Event.objects.filter(action="replica.copied").order_by("-seq").first()
    assert copied is not None and copied.seq < latest.size
    assert Cosignature.objects.filter(checkpoint=latest, witness=WITNESS_NAME).exists()
    replica.clear_cache()


def test_backup_sync_exits_1_when_the_province_refuses(
    province_witness: ProvinceWitness,
    settings: Any,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lawtrail.replication import replica

    settings.LAWTRAIL_REPLICA = (home / "province").as_uri()
    replica.clear_cache()
    append(4)
    assert backup(capsys, "sync")[0] == 0
    with transaction.atomic():
        rewrite_history(0)
        append(2)
        status, report = backup(capsys, "sync")
        assert status == 1
        assert report["ok"] is True  # the copies are fine; the history is not
        assert report["witness"]["kind"] == "history_rewritten"
    replica.clear_cache()


def rewrite_history(nth: int) -> None:
    """What a unit's database administrator would do to change the ``nth`` view event
    unnoticed locally: drop the ledger triggers, change the event, recompute the tree, discard
    the checkpoints that sign the old history (and their cosignatures)."""
    unprotect("ledger_event", "ledger_node", "ledger_checkpoint", "ledger_cosignature")
    event = Event.objects.filter(action="evidence.viewed").order_by("seq")[nth]
    seq = event.seq
    body = bytes(event.body).replace(b'"viewer":"officer_a"', b'"viewer":"officer_b"')
    assert body != bytes(event.body)
    Event.objects.filter(seq=seq).update(body=body, leaf_hash=merkle.leaf_hash(body))
    rebuild_nodes_and_head()
    Cosignature.objects.all().delete()
    Checkpoint.objects.all().delete()


def test_a_rewritten_history_is_refused_by_the_province_named_and_recorded_第二十六条(
    province_witness: ProvinceWitness, capsys: pytest.CaptureFixture[str]
) -> None:
    append(6)
    first = witnessing.after_sync()
    assert first is not None and first.ok
    cosigned = WitnessedLog.objects.get().size
    with transaction.atomic():  # rolled back by the test's own transaction in the end
        rewrite_history(3)
        append(4, viewer="officer_a2")
        # Locally everything looks signed: a fresh checkpoint over the rewritten log.
        assert checkpoints.make_checkpoint().size == cosigned + 4

        status, report = backup_witness(capsys)
        assert status == 1
        outcome = report["witness"]
        assert outcome["status"] == "refused" and outcome["kind"] == "history_rewritten"
        assert outcome["http_status"] == 403 and outcome["checkpoint"] == cosigned + 4
        assert "history rewritten" in outcome["reason"]
        # Recorded in the unit's own log, and on the province's side as an alarm.
        recorded = refusals()
        assert [r["kind"] for r in recorded] == ["history_rewritten"]
        assert recorded[0]["witness"] == WITNESS_NAME
        assert "history rewritten" in WitnessAlarm.objects.get().reason
        assert WitnessedLog.objects.get().size == cosigned  # the province kept the truth
        assert not Cosignature.objects.exists()


def test_a_split_view_of_the_same_size_is_refused_and_named(
    province_witness: ProvinceWitness,
) -> None:
    append(6)
    assert (witnessing.after_sync() or pytest.fail("no witness")).ok
    cosigned = WitnessedLog.objects.get().size
    with transaction.atomic():
        rewrite_history(2)
        checkpoints.make_checkpoint()
        outcome = witnessing.after_sync()
        assert outcome is not None and outcome.status == "refused"
        assert outcome.kind == "split_view" and outcome.checkpoint == cosigned
        assert "split view" in outcome.line() and str(outcome.checkpoint) in outcome.line()
        assert [r["kind"] for r in refusals()] == ["split_view"]


def test_a_log_that_cannot_sign_its_own_checkpoint_is_reported_not_sent(
    province_witness: ProvinceWitness,
) -> None:
    append(4)
    assert (witnessing.after_sync() or pytest.fail("no witness")).ok
    sent = len(province_witness.sent)
    with transaction.atomic():
        unprotect("ledger_event", "ledger_node")
        Event.objects.filter(seq=2).update(leaf_hash=merkle.leaf_hash(b"else"))
        rebuild_nodes_and_head()
        append(1)
        outcome = witnessing.after_sync()
        assert outcome is not None and outcome.status == "unsigned"
        assert "not consistent" in outcome.reason
        assert len(province_witness.sent) == sent


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_witness_is_reported_and_a_later_request_succeeds(
    province_witness: ProvinceWitness, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(3)
    node_post = witnessing.post
    monkeypatch.setattr(witnessing, "post", witnessing.http_post)  # a real socket, closed
    monkeypatch.setenv(witnessing.ENV_URL, f"http://127.0.0.1:{closed_port()}")
    outcome = witnessing.after_sync()
    assert outcome is not None and outcome.status == "unreachable"
    assert "Cannot reach the witness" in outcome.reason
    assert not refusals() and not Cosignature.objects.exists()

    monkeypatch.setattr(witnessing, "post", node_post)
    monkeypatch.setenv(witnessing.ENV_URL, "https://province.example")
    later = witnessing.after_sync()
    assert later is not None and later.ok


def test_backup_witness_prints_the_cosignature(
    province_witness: ProvinceWitness, capsys: pytest.CaptureFixture[str]
) -> None:
    append(2)
    status, report = backup_witness(capsys)
    assert status == 0
    assert report["witness"]["status"] == "cosigned"
    assert report["witness"]["witness"] == WITNESS_NAME


def test_no_witness_configured_means_nothing_asked(home: Path, monkeypatch: Any) -> None:
    for name in (witnessing.ENV_URL, witnessing.ENV_TOKEN, witnessing.ENV_KEY):
        monkeypatch.delenv(name, raising=False)
    assert witnessing.configured() is None
    assert witnessing.after_sync() is None
    with pytest.raises(UsageError, match="LAWTRAIL_WITNESS_URL"):
        witnessing.cmd_witness(argparse.Namespace(json=False))


GOOD_KEY = note.generate_key(WITNESS_NAME)[1]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({witnessing.ENV_URL: "https://province.example"}, "LAWTRAIL_WITNESS_TOKEN"),
        (
            {witnessing.ENV_URL: "province.example", "T": "", witnessing.ENV_KEY: GOOD_KEY},
            "LAWTRAIL_WITNESS_TOKEN",
        ),
        (
            {
                witnessing.ENV_URL: "ftp://province.example",
                witnessing.ENV_TOKEN: "t",
                witnessing.ENV_KEY: GOOD_KEY,
            },
            "LAWTRAIL_WITNESS_URL",
        ),
        (
            {
                witnessing.ENV_URL: "https://province.example",
                witnessing.ENV_TOKEN: "t",
                witnessing.ENV_KEY: "not a key",
            },
            "LAWTRAIL_WITNESS_KEY",
        ),
        (
            {
                witnessing.ENV_URL: "https://province.example",
                witnessing.ENV_TOKEN: "two words",
                witnessing.ENV_KEY: GOOD_KEY,
            },
            "LAWTRAIL_WITNESS_TOKEN",
        ),
    ],
)
def test_a_bad_witness_setting_is_a_loud_error_naming_it(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(witnessing.WitnessConfigError, match=message):
        witnessing.configured(environ)


def test_a_bad_witness_setting_stops_backup_witness_with_exit_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    monkeypatch.setenv(witnessing.ENV_URL, "https://province.example")
    monkeypatch.delenv(witnessing.ENV_TOKEN, raising=False)
    monkeypatch.delenv(witnessing.ENV_KEY, raising=False)
    before = Event.objects.count()
    with pytest.raises(UsageError, match="LAWTRAIL_WITNESS_TOKEN"):
        witnessing.cmd_witness(argparse.Namespace(json=True))
    assert Event.objects.count() == before and not Checkpoint.objects.exists()


@pytest.mark.slow
def test_a_real_provincial_node_cosigns_over_http_and_refuses_a_rewrite(
    home: Path, tmp_path: Path, province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two instances: the province is a real ``lawtrail serve`` on its own data folder,
    reached over HTTP by the unit's own request code."""
    from lawtrail.evidence.tests.live import Server, cli, free_port, prepare

    node_home = tmp_path / "province-node"
    token = prepare(node_home)
    key = cli(node_home, "ledger", "witness", "init", WITNESS_NAME).strip().splitlines()[-1]
    log_key = checkpoints.verifier()
    cli(node_home, "ledger", "witness", "follow", log_key.name, log_key.key)
    server = Server(node_home, free_port(), token, tmp_path / "province-serve.log").start()
    try:
        monkeypatch.setenv(witnessing.ENV_URL, server.url)
        monkeypatch.setenv(witnessing.ENV_TOKEN, token)
        monkeypatch.setenv(witnessing.ENV_KEY, key)
        append(5)
        outcome = witnessing.after_sync()
        assert outcome is not None and outcome.ok, outcome
        note.open_checkpoint(served(), [log_key, note.Verifier.from_key(key)])
        cosigned = outcome.checkpoint

        with transaction.atomic():
            rewrite_history(1)
            append(3, viewer="officer_a2")
            refused = witnessing.after_sync()
            assert refused is not None and refused.status == "refused", refused
            assert refused.kind == "history_rewritten" and refused.http_status == 403
            assert [r["kind"] for r in refusals()] == ["history_rewritten"]
        alarms = server.query("SELECT reason FROM ledger_witnessalarm")
        assert len(alarms) == 1 and "history rewritten" in alarms[0][0]
        assert server.query("SELECT size FROM ledger_witnessedlog") == [(cosigned,)]
    finally:
        server.stop()
