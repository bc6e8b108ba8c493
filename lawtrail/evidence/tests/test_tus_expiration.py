"""tus expiration (issue 4 §3): an upload not complete by its ``expires_at`` answers 410 Gone;
the sweep removes its part file and marks it expired, with its ledger event in the same
transaction. Complete uploads and evidence are never touched (第十九条: an upload is evidence
only once complete and ingested)."""

from __future__ import annotations

import fcntl
import io
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from lawtrail.cli import main
from lawtrail.evidence import uploads
from lawtrail.evidence.models import Upload
from lawtrail.evidence.tasks import expire_abandoned_uploads, ingest_upload
from lawtrail.evidence.tests.fixtures import Tus
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import events
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province


@pytest.fixture
def tus(province: Province) -> Tus:
    return Tus(api_client(province.officer_a))


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


def payload(event: Event) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(event.body))["payload"]
    return body


def overdue(url: str, tus: Tus) -> Upload:
    """Move the upload's expiry into the past, as if its client had walked away a week ago."""
    upload = Upload.objects.get(pk=tus.upload_id(url))
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    upload.refresh_from_db()
    return upload


def test_an_abandoned_upload_is_expired_its_bytes_removed_and_logged(tus: Tus) -> None:
    url = tus.start(10, filename="bodycam.mp4")
    assert tus.patch(url, 0, b"01234").status_code == 204
    upload = overdue(url, tus)
    assert upload.path.exists()
    expiry = uploads.expire_uploads()
    assert [u.pk for u in expiry.expired] == [upload.pk]
    upload.refresh_from_db()
    assert upload.state == Upload.State.EXPIRED
    assert upload.offset == 5  # the row stays as history
    assert not upload.path.exists()
    event = Event.objects.get(action="upload.expired")
    assert (event.actor, event.object_id) == ("system", str(upload.pk))
    assert payload(event)["offset"] == 5 and payload(event)["length"] == 10


def test_an_expired_upload_answers_410_before_and_after_the_sweep(tus: Tus) -> None:
    url = tus.start(10)
    assert tus.patch(url, 0, b"01234").status_code == 204
    overdue(url, tus)
    for _sweep in range(2):
        assert tus.head(url).status_code == 410
        assert tus.patch(url, 5, b"56789").status_code == 410
        assert tus.delete(url).status_code == 410
        assert tus.client.get(url).status_code == 410
        uploads.expire_uploads()
    assert Upload.objects.get().state == Upload.State.EXPIRED


def test_the_sweep_leaves_complete_ingested_and_unexpired_uploads_alone(
    tus: Tus, media: Media
) -> None:
    data = media.photo.read_bytes()
    complete = tus.start(len(data), filename="scene.jpg")
    tus.send(complete, data, len(data))
    ingested = tus.start(len(data), filename="scene.jpg")
    tus.send(ingested, data, len(data))
    ingest_upload.call(tus.upload_id(ingested))
    waiting = tus.start(10)
    for url in (complete, ingested):
        overdue(url, tus)
    before = Event.objects.count()
    expiry = uploads.expire_uploads()
    assert expiry.expired == [] and Event.objects.count() == before
    states = {str(u.pk): u.state for u in Upload.objects.all()}
    assert states == {
        tus.upload_id(complete): Upload.State.COMPLETE,
        tus.upload_id(ingested): Upload.State.INGESTED,
        tus.upload_id(waiting): Upload.State.RECEIVING,
    }
    assert Upload.objects.get(pk=tus.upload_id(complete)).path.read_bytes() == data
    assert tus.head(waiting).status_code == 200


def test_a_second_sweep_changes_nothing(tus: Tus) -> None:
    url = tus.start(10)
    overdue(url, tus)
    assert len(uploads.expire_uploads().expired) == 1
    before = Event.objects.count()
    again = uploads.expire_uploads()
    assert again.expired == [] and again.leftovers == 0
    assert Event.objects.count() == before


def test_an_upload_being_written_is_left_for_the_next_sweep(tus: Tus) -> None:
    url = tus.start(10)
    upload = overdue(url, tus)
    fd = os.open(upload.path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running PATCH holds
        expiry = uploads.expire_uploads()
        assert expiry.expired == [] and [u.pk for u in expiry.busy] == [upload.pk]
        assert Upload.objects.get().state == Upload.State.RECEIVING and upload.path.exists()
    finally:
        os.close(fd)
    assert [u.pk for u in uploads.expire_uploads().expired] == [upload.pk]


def test_the_state_and_its_event_go_together(tus: Tus, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the event cannot be written the upload is not expired and keeps its bytes."""
    url = tus.start(10)
    assert tus.patch(url, 0, b"01234").status_code == 204
    upload = overdue(url, tus)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the ledger is unavailable")

    monkeypatch.setattr(events, "append", broken)
    with pytest.raises(RuntimeError):
        uploads.expire_uploads()
    upload.refresh_from_db()
    assert upload.state == Upload.State.RECEIVING
    assert upload.path.read_bytes() == b"01234"


def test_a_part_file_left_by_a_crash_is_removed_by_the_next_sweep(tus: Tus) -> None:
    """A crash between the commit and the unlink leaves the bytes of an expired upload."""
    url = tus.start(10)
    upload = overdue(url, tus)
    uploads.expire_uploads()
    upload.path.write_bytes(b"left behind")
    terminated = tus.start(10)
    assert tus.delete(terminated).status_code == 204
    leftover = Upload.objects.get(pk=tus.upload_id(terminated)).path
    leftover.write_bytes(b"left behind too")
    stranger = upload.path.parent / "not-an-upload.part"
    stranger.write_bytes(b"not ours to judge")
    live = Upload.objects.get(pk=tus.upload_id(tus.start(10))).path
    assert uploads.expire_uploads().leftovers == 2
    assert not upload.path.exists() and not leftover.exists()
    assert stranger.exists() and live.exists()


def test_an_upload_whose_bytes_are_already_gone_is_still_expired(tus: Tus) -> None:
    url = tus.start(10)
    upload = overdue(url, tus)
    upload.path.unlink()
    assert [u.pk for u in uploads.expire_uploads().expired] == [upload.pk]
    assert Upload.objects.get().state == Upload.State.EXPIRED


def test_the_task_runs_the_sweep(tus: Tus) -> None:
    overdue(tus.start(10), tus)
    overdue(tus.start(20), tus)
    assert expire_abandoned_uploads.call() == 2
    assert Upload.objects.filter(state=Upload.State.EXPIRED).count() == 2
    assert expire_abandoned_uploads.call() == 0


def test_a_patch_that_finds_its_upload_expired_under_the_lock_gets_410(tus: Tus) -> None:
    """A sweep may win the race between a PATCH's lookup and its lock."""
    url = tus.start(10)
    upload = Upload.objects.get()
    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.EXPIRED)
    with pytest.raises(uploads.Gone):
        uploads.receive(
            upload.created_by,
            upload,
            offset=0,
            stream=io.BytesIO(b"x"),
            content_length=1,
        )
    assert tus.head(url).status_code == 410


# -- lawtrail uploads expire ------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["uploads", "expire", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_expires_what_is_due(tus: Tus, capsys: pytest.CaptureFixture[str]) -> None:
    url = tus.start(10, filename="bodycam.mp4")
    assert tus.patch(url, 0, b"012").status_code == 204
    upload = overdue(url, tus)
    status, out, err = run(capsys)
    assert (status, err) == (0, "")
    assert f"已使上传 {upload.pk} 过期（共 10 字节，已接收 3 字节）" in out
    assert Upload.objects.get().state == Upload.State.EXPIRED
    status, out, _err = run(capsys)
    assert status == 0 and "没有到期需要清理的上传" in out


def test_the_command_answers_in_json(tus: Tus, capsys: pytest.CaptureFixture[str]) -> None:
    upload = overdue(tus.start(10, filename="执法记录.mp4"), tus)
    status, out, _err = run(capsys, "--json")
    assert status == 0
    answer = json.loads(out)
    assert answer["busy"] == [] and answer["leftover_part_files_removed"] == 0
    [expired] = answer["expired"]
    assert expired["id"] == str(upload.pk) and expired["filename"] == "执法记录.mp4"
    assert expired["created_by"] == "officer_a"


def test_a_dry_run_lists_and_changes_nothing(tus: Tus, capsys: pytest.CaptureFixture[str]) -> None:
    upload = overdue(tus.start(10), tus)
    tus.start(10)  # not due
    before = Event.objects.count()
    status, out, _err = run(capsys, "--dry-run", "--json")
    assert status == 0
    assert [item["id"] for item in json.loads(out)["due"]] == [str(upload.pk)]
    status, out, _err = run(capsys, "--dry-run")
    assert status == 0 and f"将使 officer_a 的上传 {upload.pk} 过期" in out
    assert Upload.objects.get(pk=upload.pk).state == Upload.State.RECEIVING
    assert upload.path.exists() and Event.objects.count() == before


@pytest.mark.parametrize(
    ("argv", "sentence"),
    [
        (["--loop", "--every", "0"], "--every is a whole number of seconds, at least 1"),
        (["--loop", "--every", "soon"], "not 'soon'"),
        (["--loop", "--every", "-5"], "at least 1"),
        (["--every", "60"], "--every only goes with --loop."),
        (["--loop", "--dry-run"], "--dry-run looks once"),
    ],
)
def test_bad_input_exits_2_with_a_sentence(
    province: Province, capsys: pytest.CaptureFixture[str], argv: list[str], sentence: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("lawtrail: ") and sentence in err
    assert err.strip().endswith(".")


def test_the_loop_sweeps_until_stopped(
    tus: Tus, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lawtrail.evidence import upload_commands

    overdue(tus.start(10), tus)
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt  # what stopping the server does to it

    monkeypatch.setattr(upload_commands.time, "sleep", sleep)
    # Closing the connection would end the test's transaction.
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    status, out, _err = run(capsys, "--loop", "--every", "7")
    assert status == 130 and naps == [7, 7]
    assert "已使 1 个废弃的上传过期" in out
    assert Upload.objects.get().state == Upload.State.EXPIRED


def test_serve_runs_the_sweep_beside_the_web_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from lawtrail import server

    started: list[list[str]] = []

    class Recorded:
        def __init__(self, args: list[str]) -> None:
            started.append(args)

    monkeypatch.setattr(server.subprocess, "Popen", Recorded)
    server.start_helpers()
    assert [a[-3:] for a in started if "uploads" in a] == [["uploads", "expire", "--loop"]]
