"""Stock tus clients against the real server, and kill -9 in the middle of things (issue 4 §3,
§9, invariant 2): nothing acknowledged is lost, no half evidence is visible, an interrupted
upload resumes.

Each test runs ``lawtrail serve`` on its own LAWTRAIL_HOME (see ``live.py``: with DATABASE_URL
set for the test run, the child still uses its own SQLite database). Slow, but run in CI.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lawtrail.evidence.tests.fixtures import sha256_of, sm3_of
from lawtrail.evidence.tests.live import Server, environment, free_port, prepare, wait_for
from lawtrail.evidence.tests.media import Media, make_big
from lawtrail.storage import LocalStore

pytestmark = pytest.mark.slow

MiB = 1 << 20


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One prepared data folder per module, copied for each test (init takes a while)."""
    home = tmp_path_factory.mktemp("live") / "home"
    return home, prepare(home)


@pytest.fixture
def server(prepared: tuple[Path, str], tmp_path: Path) -> Iterator[Server]:
    template, token = prepared
    home = tmp_path / "served"
    shutil.copytree(template, home)
    running = Server(home=home, port=free_port(), token=token, log=tmp_path / "serve.log")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def get_json(server: Server, url: str) -> Any:
    request = urllib.request.Request(url, headers=server.auth)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def ingested(server: Server, upload_url: str) -> dict[str, Any]:
    """Wait for the server's own task worker to turn the upload into evidence."""

    def done() -> Any:
        status = get_json(server, upload_url)
        assert status["state"] not in ("failed", "terminated"), status
        return status if status["state"] == "ingested" else None

    result: dict[str, Any] = wait_for(done)
    return result


def curl(*args: str) -> str:
    done = subprocess.run(
        ["curl", "-sS", "--fail-with-body", *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def curl_create(server: Server, length: int, filename: str) -> str:
    """The POST of a tus upload with plain curl; returns the Location."""
    encoded = base64.b64encode(filename.encode()).decode()
    headers = curl(
        "-i",
        "-X",
        "POST",
        f"{server.url}/api/v1/uploads/",
        "-H",
        f"Authorization: Bearer {server.token}",
        "-H",
        "Tus-Resumable: 1.0.0",
        "-H",
        f"Upload-Length: {length}",
        "-H",
        f"Upload-Metadata: filename {encoded}",
    )
    for line in headers.splitlines():
        if line.lower().startswith("location:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(headers)


def curl_patch(server: Server, location: str, path: Path, offset: int = 0) -> None:
    curl(
        "-X",
        "PATCH",
        location,
        "-H",
        f"Authorization: Bearer {server.token}",
        "-H",
        "Tus-Resumable: 1.0.0",
        "-H",
        f"Upload-Offset: {offset}",
        "-H",
        "Content-Type: application/offset+octet-stream",
        "-T",
        str(path),
    )


def curl_patch_chunked(server: Server, location: str, path: Path, offset: int) -> tuple[int, str]:
    """PATCH with ``Transfer-Encoding: chunked`` (no Content-Length): the HTTP status, and
    curl's trace, which shows what went on the wire."""
    done = subprocess.run(
        [
            "curl", "-sS", "-v", "-o", "/dev/null", "-w", "%{http_code}",
            "-X", "PATCH", location,
            "-H", f"Authorization: Bearer {server.token}",
            "-H", "Tus-Resumable: 1.0.0",
            "-H", f"Upload-Offset: {offset}",
            "-H", "Content-Type: application/offset+octet-stream",
            "-H", "Transfer-Encoding: chunked",
            "-T", str(path),
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return int(done.stdout), done.stderr


def head_offset(server: Server, location: str) -> int:
    request = urllib.request.Request(
        location, method="HEAD", headers={**server.auth, "Tus-Resumable": "1.0.0"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return int(answer.headers["Upload-Offset"])


def test_tuspy_uploads_a_recording_in_chunks(server: Server, media: Media) -> None:
    from tusclient import client

    tus = client.TusClient(f"{server.url}/api/v1/uploads/", headers=server.auth)
    uploader = tus.uploader(
        file_path=str(media.video),
        chunk_size=16 * 1024,
        metadata={"filename": "bodycam.mp4", "device": "DSJ-1"},
        upload_checksum=True,
    )
    uploader.upload()
    status = ingested(server, uploader.url)
    assert status["evidence"]["sha256"] == sha256_of(media.video)
    assert status["evidence"]["sm3"] == sm3_of(media.video)
    evidence = get_json(server, f"{server.url}/api/v1/evidence/{status['evidence']['id']}")
    assert evidence["kind"] == "video" and evidence["media"]["width"] == 320
    assert evidence["acquisitions"][0]["device_serial"] == "DSJ-1"


def test_plain_curl_uploads_a_recording(server: Server, media: Media, tmp_path: Path) -> None:
    location = curl_create(server, media.photo.stat().st_size, "scene.jpg")
    curl_patch(server, location, media.photo)
    status = ingested(server, location)
    assert status["evidence"]["sha256"] == sha256_of(media.photo)
    first_bytes = tmp_path / "first-bytes"
    curl(
        "-H",
        f"Authorization: Bearer {server.token}",
        "-r",
        "0-9",
        "-o",
        str(first_bytes),
        f"{server.url}/api/v1/evidence/{status['evidence']['id']}/original",
    )
    assert first_bytes.read_bytes() == media.photo.read_bytes()[:10]


def test_curl_sends_chunked_patches_and_every_byte_lands(server: Server, tmp_path: Path) -> None:
    """gunicorn decodes the chunks; Django alone would read a body without Content-Length as
    empty. Several MiB, so the body crosses many reads and the writer thread's hand-overs."""
    big = make_big(tmp_path / "bodycam-12m.mp4", 12 * MiB + 12345)
    data = big.read_bytes()
    location = curl_create(server, len(data), big.name)
    first, rest, too_long = tmp_path / "first", tmp_path / "rest", tmp_path / "too-long"
    half = 5 * MiB + 7
    first.write_bytes(data[:half])
    too_long.write_bytes(data[half:] + b"one byte too many")
    status, trace = curl_patch_chunked(server, location, first, 0)
    assert status == 204, trace
    assert "> Transfer-Encoding: chunked" in trace and "> Content-Length" not in trace
    assert head_offset(server, location) == half
    status, _trace = curl_patch_chunked(server, location, too_long, half)
    assert status == 413
    # Nothing past the last checkpoint (usually none in so short a body) was kept, and the
    # upload did not complete with a body that did not fit.
    offset = head_offset(server, location)
    assert half <= offset < len(data)
    rest.write_bytes(data[offset:])
    status, _trace = curl_patch_chunked(server, location, rest, offset)
    assert status == 204
    evidence = ingested(server, location)["evidence"]
    assert evidence["sha256"] == sha256_of(big) and evidence["sm3"] == sm3_of(big)
    assert evidence["size"] == len(data)


def test_serve_expires_an_abandoned_upload_and_it_answers_410(
    server: Server, tmp_path: Path
) -> None:
    """The sweep runs beside the web workers, first at start (tus expiration)."""
    import sqlite3

    location = curl_create(server, 100, "abandoned.mp4")
    part = tmp_path / "part"
    part.write_bytes(b"x" * 40)
    curl_patch(server, location, part)
    upload_id = location.rstrip("/").rsplit("/", 1)[-1].replace("-", "")
    server.stop()
    db = sqlite3.connect(server.home / "lawtrail.sqlite3")
    try:
        with db:  # as if its client had walked away LAWTRAIL_UPLOAD_EXPIRY_HOURS ago
            db.execute(
                "update evidence_upload set expires_at = '2000-01-01 00:00:00' where id = ?",
                (upload_id,),
            )
    finally:
        db.close()
    server.start()

    def expired() -> bool:
        rows = server.query("select state from evidence_upload where id = ?", upload_id)
        return rows == [("expired",)]

    wait_for(expired, timeout=60)
    assert list((server.home / "uploads").glob("*.part")) == []
    assert server.query("select count(*) from ledger_event where action = 'upload.expired'") == [
        (1,)
    ]
    request = urllib.request.Request(
        location, method="HEAD", headers={**server.auth, "Tus-Resumable": "1.0.0"}
    )
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(request, timeout=30)
    assert gone.value.code == 410


class SlowBody:
    """A client we control: one PATCH whose body is sent a chunk at a time."""

    def __init__(self, server: Server, location: str, total: int, offset: int = 0) -> None:
        path = location.removeprefix(server.url)
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        self.connection.putrequest("PATCH", path)
        for name, value in {
            **server.auth,
            "Tus-Resumable": "1.0.0",
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(total - offset),
        }.items():
            self.connection.putheader(name, value)
        self.connection.endheaders()
        self.sent = offset

    def send(self, data: bytes) -> None:
        self.connection.send(data)
        self.sent += len(data)


def test_the_server_killed_mid_patch_resumes_without_losing_acknowledged_bytes(
    server: Server, tmp_path: Path
) -> None:
    big = make_big(tmp_path / "bodycam-50m.mp4", 50 * MiB)
    data = big.read_bytes()
    location = curl_create(server, len(data), big.name)
    body = SlowBody(server, location, len(data))
    started = time.monotonic()
    while time.monotonic() - started < 4 or body.sent < 8 * MiB:  # slowly, for a few seconds
        body.send(data[body.sent : body.sent + MiB // 2])
        time.sleep(0.1)
        if body.sent >= 30 * MiB:
            break
    sent = body.sent
    server.kill9()
    server.start()
    offset = head_offset(server, location)
    assert 0 < offset <= sent  # the checkpoints moved it during the body; never past what came
    # Resume from where the server says it is, with a client that knows nothing else.
    rest = tmp_path / "rest"
    rest.write_bytes(data[offset:])
    curl_patch(server, location, rest, offset)
    status = ingested(server, location)
    assert status["evidence"]["sha256"] == sha256_of(big)
    assert status["evidence"]["sm3"] == sm3_of(big)
    assert status["evidence"]["size"] == len(data)


def test_an_upload_interrupted_and_resumed_by_tuspy_is_whole(
    server: Server, tmp_path: Path
) -> None:
    from tusclient import client

    big = make_big(tmp_path / "interview.wav", 6 * MiB)
    tus = client.TusClient(f"{server.url}/api/v1/uploads/", headers=server.auth)
    uploader = tus.uploader(file_path=str(big), chunk_size=MiB, metadata={"filename": big.name})
    uploader.upload_chunk()
    uploader.upload_chunk()
    server.kill9()
    server.start()
    again = tus.uploader(file_path=str(big), chunk_size=MiB, url=uploader.url)
    assert again.get_offset() == 2 * MiB
    again.upload()
    assert ingested(server, uploader.url)["evidence"]["sha256"] == sha256_of(big)


def test_an_ingest_killed_midway_leaves_nothing_half_visible(
    server: Server, tmp_path: Path
) -> None:
    big = tmp_path / "night-shift.mp4"
    make_big(big, 1024 * MiB)
    expected = sha256_of(big)
    server.stop()  # the CLI works on the same data folder
    store = LocalStore(server.home / "store")
    child = subprocess.Popen(
        [sys.executable, "-m", "lawtrail.cli", "ingest", str(big), "--as", "officer_a"],
        env=environment(server.home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def writing() -> bool:
        parts = list(store.incoming.glob("put-*.part")) if store.incoming.is_dir() else []
        return any(p.stat().st_size > 64 * MiB for p in parts)

    try:
        wait_for(writing, timeout=300, every=0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    # No evidence row, and no object under a final name: only a temporary file in .incoming.
    assert server.query("select count(*) from evidence_evidence") == [(0,)]
    assert server.query("select count(*) from evidence_acquisition") == [(0,)]
    assert list(store.iter_keys()) == []
    done = subprocess.run(
        [sys.executable, "-m", "lawtrail.cli", "ingest", str(big), "--as", "officer_a", "--json"],
        env=environment(server.home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    [result] = json.loads(done.stdout)
    assert result["sha256"] == expected and result["size"] == 1024 * MiB
    assert list(store.iter_keys()) == [expected]
    assert server.query("select sha256 from evidence_evidence") == [(expected,)]
    big.unlink()
