"""Check it yourself (第二十六条): the ledger page, the standalone verifier, and a proof bundle of
any event one may see, verified offline by the downloaded ``verifier.py`` in a clean Python."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from lawtrail.ledger import checkpoints
from lawtrail.ledger.models import Event, WitnessAlarm
from lawtrail.matters.models import Matter
from lawtrail.testing import Province


@pytest.fixture
def signed(matter_a: Matter) -> checkpoints.Checkpoint:
    checkpoints.ensure_signing_key()
    return checkpoints.make_checkpoint()


def opened_event(matter: Matter) -> Event:
    return Event.objects.filter(context=matter.context, action="matter.opened").get()


def test_everyone_signed_in_sees_the_checkpoint_and_the_key(
    login: Callable[[str], Client], signed: checkpoints.Checkpoint
) -> None:
    body = login("officer_b").get("/ledger/").content.decode()
    assert signed.note.splitlines()[2] in body  # the signed root hash
    assert checkpoints.verifier().key in body
    assert 'href="/ledger/verifier.py"' in body
    assert "data-alarm" not in body and 'id="alarms"' not in body


def test_signed_out_it_is_the_login_page(client: Client) -> None:
    response = client.get("/ledger/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_supervisors_see_the_witness_alarms(
    login: Callable[[str], Client], signed: checkpoints.Checkpoint
) -> None:
    body = login("supervisor").get("/ledger/").content.decode()
    assert 'id="alarms"' in body and "data-no-alarms" in body
    WitnessAlarm.objects.create(
        origin="county.example/log", reason="split view", presented="a", known="b",
        at=signed.created_at,
    )  # fmt: skip
    body = login("supervisor").get("/ledger/").content.decode()
    assert "county.example/log" in body and "data-alarm=" in body


def test_a_handler_downloads_a_proof_that_the_downloaded_verifier_accepts_offline(
    login: Callable[[str], Client], matter_a: Matter, signed: checkpoints.Checkpoint,
    tmp_path: Path,
) -> None:  # fmt: skip
    client = login("officer_a")
    event = opened_event(matter_a)
    bundle = client.get(f"/ledger/events/{event.seq}/proof.json")
    assert bundle.status_code == 200
    assert "attachment" in bundle["Content-Disposition"]
    verifier = client.get("/ledger/verifier.py")
    key = client.get("/ledger/verifier-key.txt")
    (tmp_path / "verifier.py").write_bytes(verifier.content)
    (tmp_path / "key.txt").write_bytes(key.content)
    (tmp_path / "event.json").write_bytes(bundle.content)

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", "verifier.py", "event.json", "--key", "key.txt"],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    done = verify()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout
    forged = bundle.content.replace(b'"index": ', b'"index": 1', 1)
    (tmp_path / "event.json").write_bytes(forged)
    assert verify().returncode == 1


def test_an_event_one_may_not_see_has_no_proof_here(
    login: Callable[[str], Client], matter_a: Matter, signed: checkpoints.Checkpoint
) -> None:
    seq = opened_event(matter_a).seq
    assert login("officer_b").get(f"/ledger/events/{seq}/proof.json").status_code == 404
    assert login("officer_b").get("/ledger/events/999999/proof.json").status_code == 404


def test_an_event_not_yet_signed_is_409_with_a_sentence(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    checkpoints.ensure_signing_key()
    response = login("officer_a").get(f"/ledger/events/{opened_event(matter_a).seq}/proof.json")
    assert response.status_code == 409


def test_the_timeline_links_each_event_to_its_proof(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    body = login("officer_a").get(f"/matters/{matter_a.pk}/").content.decode()
    assert f'href="/ledger/events/{opened_event(matter_a).seq}/proof.json"' in body
