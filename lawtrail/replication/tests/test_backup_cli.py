"""``lawtrail backup …`` (issue 9 §1, §4): exit codes, sentences and ``--json`` reports.
0 all well, 1 something pending/missing/changed (named), 2 bad input or no replica (nothing
changed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from lawtrail.cli import main
from lawtrail.ledger.models import Event
from lawtrail.replication import replica as targets
from lawtrail.replication.models import AgencyReplica, ImportanceMark, ReplicaCopy
from lawtrail.replication.tests.test_sync import (  # noqa: F401
    evidence_home,
    flip_byte,
    penalty_and_inspection,
    replica_dir,
)
from lawtrail.storage.base import blob_key
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["backup", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_without_a_replica_every_command_says_so(
    settings: Any, province: Province, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.LAWTRAIL_REPLICA = ""
    targets.clear_cache()
    for argv in (["sync"], ["verify"], ["restore", "--yes"]):
        status, out, err = run(capsys, *argv)
        assert status == 2, argv
        assert "No replica is configured" in err
        assert out == ""


def test_sync_verify_and_a_flipped_bit(
    penalty_and_inspection: Any,  # noqa: F811
    replica_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    important, _plain = penalty_and_inspection
    status, out, err = run(capsys, "sync", "--json")
    assert status == 0, err
    report = json.loads(out)
    assert report["ok"] and report["copied"] == 1 and report["metadata"] == 1
    assert report["copies"][0]["sha256"] == important.sha256
    status, out, _err = run(capsys, "verify", "--json")
    assert status == 0 and json.loads(out)["checked"] == 2
    flip_byte(replica_dir / blob_key(important.sha256))
    status, out, _err = run(capsys, "verify")
    assert status == 1
    assert important.sha256 in out and "penalty.bin" in out and "[changed]" in out
    status, out, _err = run(capsys, "verify", "--quick", "--json")
    assert status == 0 and json.loads(out)["deep"] is False


def test_sync_reports_a_replica_that_is_down(
    settings: Any,
    penalty_and_inspection: Any,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    settings.LAWTRAIL_REPLICA = (blocker / "r").as_uri()
    targets.clear_cache()
    status, out, _err = run(capsys, "sync", "--retries", "0", "--json")
    assert status == 1
    report = json.loads(out)
    assert report["problems"][0]["kind"] == "replica_unreachable"
    assert len(report["pending"]) == 1
    assert not ReplicaCopy.objects.exists()


def test_restore_needs_yes(
    settings: Any,
    penalty_and_inspection: Any,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings.LAWTRAIL_REPLICA_SCOPE = "all"
    assert run(capsys, "sync")[0] == 0
    events = Event.objects.count()
    status, out, err = run(capsys, "restore")
    assert status == 2 and "--yes" in err and out == ""
    assert Event.objects.count() == events
    status, out, err = run(capsys, "restore", "--yes", "--json")
    assert status == 0, err
    report = json.loads(out)
    assert (report["objects"], report["present"], report["restored"]) == (2, 2, 0)


def test_mark(
    province: Province,
    penalty_and_inspection: Any,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _important, plain = penalty_and_inspection
    pk = str(plain.pk)
    status, _out, err = run(capsys, "mark", pk, "--important", "--reason", "x", "--as", "officer_b")
    assert status == 2 and "No such evidence" in err
    status, _out, err = run(capsys, "mark", pk, "--important", "--as", "officer_a")
    assert status == 2 and "--reason" in err
    status, _out, err = run(capsys, "mark", pk, "--reason", "关键", "--as", "officer_a")
    assert status == 2 and "--important" in err
    status, _out, err = run(
        capsys, "mark", "999999", "--important", "--reason", "关键", "--as", "officer_a"
    )
    assert status == 2 and "No such evidence" in err
    assert not ImportanceMark.objects.exists()
    status, out, err = run(
        capsys, "mark", pk, "--important", "--reason", "关键证据", "--as", "officer_a", "--json"
    )
    assert status == 0, err
    assert json.loads(out)["important"] is True
    status, out, _err = run(capsys, "sync", "--json")
    assert {c["evidence"] for c in json.loads(out)["copies"]} == {_important.pk, plain.pk}


def test_targets(
    province: Province,
    replica_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "s3://county-a?endpoint=http://127.0.0.1:1&access_key=AK&secret_key=TOPSECRET"
    status, _out, err = run(capsys, "target", "set", "--agency", "610102", url, "--as", "head_a")
    assert status == 2 and "administrators" in err
    status, _out, err = run(
        capsys, "target", "set", "--agency", "610102", "ftp://x", "--as", "admin"
    )
    assert status == 2 and "not a usable replica URL" in err
    status, _out, err = run(capsys, "target", "set", "--agency", "999999", url, "--as", "admin")
    assert status == 2 and "999999" in err
    assert not AgencyReplica.objects.exists()
    status, out, err = run(
        capsys, "target", "set", "--agency", "610102", url, "--as", "admin", "--json"
    )
    assert status == 0, err
    assert "TOPSECRET" not in out
    status, out, _err = run(capsys, "target", "list", "--json")
    listed = json.loads(out)
    assert [row["agency"] for row in listed] == ["", "610102"]
    assert "TOPSECRET" not in out
    event = Event.objects.get(action="replica.target_set")
    assert b"TOPSECRET" not in bytes(event.body)
    assert targets.replica_url(province.county_a) == url
    assert targets.replica_url(province.county_b) == replica_dir.as_uri()
