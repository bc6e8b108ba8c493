"""``lawtrail verify`` re-hashes every original in the store against its row and names what is
missing, changed or orphaned, with the evidence IDs; it exits 1 when anything is wrong, and
its result is a ledger event (invariant 6, issue 4 §7)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from lawtrail.cli import main
from lawtrail.evidence import sanity
from lawtrail.evidence.models import Upload
from lawtrail.evidence.tests.fixtures import ingest, store
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints
from lawtrail.ledger.models import Event
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def signing_key(settings: Any, evidence_home: Path) -> None:
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    checkpoints.ensure_signing_key()


@pytest.fixture
def stored(province: Province, media: Media) -> dict[str, Any]:
    video = ingest(province.officer_a.user, media.video).evidence
    photo = ingest(province.officer_a.user, media.photo).evidence
    return {"video": video, "photo": photo}


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The sentences are checked in English (the catalogue may translate them)."""
    with translation.override("en"):
        yield


def verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main(["verify", "--json"])
    out, _err = capsys.readouterr()
    return status, json.loads(out)


def last_verify_event() -> dict[str, Any]:
    event = Event.objects.filter(action="verify.completed").order_by("-seq").first()
    assert event is not None
    payload: dict[str, Any] = json.loads(bytes(event.body))["payload"]
    return payload


def tamper(path: Path, data: bytes) -> None:
    """What an intruder with shell access does: make the read-only blob writable and edit it."""
    os.chmod(path, 0o644)
    with path.open("r+b") as f:
        f.seek(100)
        f.write(data)


def test_an_intact_store_verifies_and_the_result_is_logged(
    stored: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = verify(capsys)
    assert status == 0, report
    assert report["store"]["ok"] is True
    assert report["store"]["originals"] == 2
    assert report["store"]["bytes"] == stored["video"].size + stored["photo"].size
    logged = last_verify_event()
    assert (logged["ok"], logged["originals"], logged["missing"]) == (True, 2, 0)


def test_a_changed_original_is_named_with_its_evidence_id(
    stored: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    video = stored["video"]
    tamper(store().path(video.sha256), b"\x00\xff")
    status, report = verify(capsys)
    assert status == 1
    [problem] = report["store"]["problems"]
    assert (problem["kind"], problem["sha256"], problem["evidence"]) == (
        "changed",
        video.sha256,
        [video.pk],
    )
    logged = last_verify_event()
    assert (logged["ok"], logged["changed"]) == (False, 1)
    assert logged["problems"][0]["evidence"] == [video.pk]


def test_a_missing_original_is_named(
    stored: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    photo = stored["photo"]
    path = store().path(photo.sha256)
    os.chmod(path, 0o644)
    path.unlink()
    status, report = verify(capsys)
    assert status == 1
    [problem] = report["store"]["problems"]
    assert (problem["kind"], problem["evidence"]) == ("missing", [photo.pk])


def test_an_object_no_row_points_to_is_an_orphan(
    stored: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    blob = store().put_stream([b"slipped into the store behind the application's back"])
    status, report = verify(capsys)
    assert status == 1
    [problem] = report["store"]["problems"]
    assert (problem["kind"], problem["sha256"], problem["evidence"]) == ("orphan", blob.sha256, [])
    assert report["store"]["store_objects"] == 3


def test_the_text_report_names_each_problem(
    stored: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(store().path(stored["video"].sha256), b"!")
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "ledger: OK" in out
    assert f"[changed] {stored['video'].sha256} (evidence {stored['video'].pk})" in out


def test_an_upload_whose_ingest_never_ran_is_reported(
    stored: dict[str, Any], province: Province
) -> None:
    """The worker was killed while ingesting: the upload is complete but is no evidence yet."""
    long_ago = timezone.now() - timedelta(hours=2)
    Upload.objects.create(
        created_by=province.officer_a.user,
        length=1,
        offset=1,
        state=Upload.State.COMPLETE,
        created_at=long_ago,
        expires_at=long_ago + timedelta(days=7),
        completed_at=long_ago,
    )
    report = sanity.check()
    assert [p.kind for p in report.problems] == ["stalled_upload"]


def test_the_check_reads_each_original_once_in_a_stream(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = store().verify

    def counting(sha256: str, **kwargs: Any) -> Any:
        seen.append(sha256)
        return real(sha256, **kwargs)

    monkeypatch.setattr(store(), "verify", counting)
    progress: list[int] = []
    report = sanity.check(progress=progress.append)
    assert report.ok
    assert sorted(seen) == sorted([stored["video"].sha256, stored["photo"].sha256])
    assert sum(progress) == stored["video"].size + stored["photo"].size
