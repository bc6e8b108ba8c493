"""The provincial offsite copy on a real S3 (第十九条, issue 9 §2, §4, §5).

A second SeaweedFS (``weed mini`` on loopback, its own folder and ports; the storage tests run
their own) stands for the province; the unit keeps its originals in a local folder store.
Everything goes through ``lawtrail backup …`` in-process.

The flipped bit is made on S3 itself: the replica bucket is versioned (Object Locked where
SeaweedFS offers it), which forbids changing or deleting a version but not putting a new one
on top, which is what anyone holding the bucket's keys can do and what every reader then gets.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lawtrail.cli import main
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import open_matter, open_penalty
from lawtrail.replication import replica as targets
from lawtrail.replication.models import ReplicaCopy, ReplicaProblem
from lawtrail.storage import default_store
from lawtrail.storage.tests import seaweed
from lawtrail.storage.tests.seaweed import (
    ACCESS_KEY,
    SECRET_KEY,
    Seaweed,
    SeaweedUnavailable,
    s3_client,
    start_seaweed,
)
from lawtrail.testing import Province

pytestmark = pytest.mark.slow

_buckets = itertools.count(1)


@dataclass
class ProvinceS3:
    """The province's SeaweedFS, which a test may stop and start again on the same ports."""

    server: Seaweed
    data: Path
    ports: list[int]

    def start(self) -> None:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(seaweed, "_free_ports", lambda count: list(self.ports))
            self.server = start_seaweed(self.data)


@pytest.fixture(scope="module")
def province_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProvinceS3]:
    data = tmp_path_factory.mktemp("province-seaweedfs")
    ports: list[int] = []
    free_ports = seaweed._free_ports

    def remember(count: int) -> list[int]:
        ports[:] = free_ports(count)
        return list(ports)

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(seaweed, "_free_ports", remember)
            server = start_seaweed(data)
    except SeaweedUnavailable as exc:
        pytest.skip(f"SeaweedFS could not start, replica tests skipped: {exc}")
    node = ProvinceS3(server, data, ports)
    try:
        yield node
    finally:
        node.server.stop()


@pytest.fixture
def unit(
    settings: Any,
    evidence_home: Path,  # noqa: F811
    province: Province,
    province_s3: ProvinceS3,
) -> Iterator[str]:
    """County A with a local folder store, replicating to a bucket of its own on the
    province's SeaweedFS; returns the replica's bucket."""
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    checkpoints.ensure_signing_key()
    bucket = f"province-replica-{next(_buckets)}"
    settings.LAWTRAIL_REPLICA = (
        f"s3://{bucket}?endpoint={province_s3.server.endpoint}&region=us-east-1"
        f"&access_key={ACCESS_KEY}&secret_key={SECRET_KEY}"
    )
    settings.LAWTRAIL_REPLICA_SCOPE = "important"
    targets.clear_cache()
    yield bucket
    targets.clear_cache()


def backup(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    status = main(["backup", *args, "--json"])
    out = capsys.readouterr().out
    return status, json.loads(out)


def raw(province_s3: ProvinceS3) -> Any:
    return s3_client(province_s3.server.endpoint)


def replica_key(sha256: str) -> str:
    from django.conf import settings

    return str(targets.store_for(settings.LAWTRAIL_REPLICA).key(sha256))  # type: ignore[attr-defined]


def read_back(province_s3: ProvinceS3, bucket: str, sha256: str) -> str:
    """SHA-256 of the object as the province's S3 serves it (streamed)."""
    body = raw(province_s3).get_object(Bucket=bucket, Key=replica_key(sha256))["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def penalty_evidence(p: Province, path: Path) -> Evidence:
    matter = open_penalty(p)
    return ingest(p.officer_a.user, path, matter=matter.number).evidence


def test_penalty_evidence_sits_verified_in_the_province_bucket_and_a_flipped_bit_is_named(
    unit: str,
    province: Province,
    province_s3: ProvinceS3,
    media: Media,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    video = penalty_evidence(province, media.video)
    inspection = open_matter(province)
    photo = ingest(province.officer_a.user, media.photo, matter=inspection.number).evidence

    status, report = backup(capsys, "sync")
    assert status == 0, report
    assert [c["sha256"] for c in report["copies"]] == [video.sha256]
    assert report["pending"] == [] and report["problems"] == []
    # What the province's S3 serves is the ingest's original, byte for byte.
    assert read_back(province_s3, unit, video.sha256) == video.sha256
    # The inspection's photo is not important by rule: it stays home.
    assert "Contents" not in raw(province_s3).list_objects_v2(
        Bucket=unit, Prefix=replica_key(photo.sha256)
    )
    copy = ReplicaCopy.objects.get(evidence=video, kind=ReplicaCopy.Kind.ORIGINAL)
    assert copy.sha256 == video.sha256 and copy.sm3 == video.sm3 and copy.size == video.size
    assert SECRET_KEY not in copy.replica and unit in copy.replica
    assert Event.objects.filter(action="replica.copied").exists()

    status, verified = backup(capsys, "verify")
    assert status == 0, verified
    assert verified["changed"] == 0 and verified["missing"] == 0

    # Someone with the bucket's keys puts other bytes on top of the copy.
    key = replica_key(video.sha256)
    s3 = raw(province_s3)
    data = bytearray(s3.get_object(Bucket=unit, Key=key)["Body"].read())
    data[len(data) // 2] ^= 0x01
    s3.put_object(Bucket=unit, Key=key, Body=bytes(data))

    status, verified = backup(capsys, "verify")
    assert status == 1
    named = [p for p in verified["problems"] if p["sha256"] == video.sha256]
    assert [p["kind"] for p in named] == ["changed"], verified
    assert named[0]["evidence"] == video.pk and named[0]["side"] == "replica"
    assert named[0]["filename"] == media.video.name
    # The human report names the object too, and the local original is untouched.
    assert main(["backup", "verify"]) == 1
    assert video.sha256 in capsys.readouterr().out
    assert default_store().verify(video.sha256, expected_sm3=video.sm3).ok


def test_a_replica_that_is_down_leaves_evidence_pending_and_a_later_sync_copies_it(
    unit: str,
    province: Province,
    province_s3: ProvinceS3,
    media: Media,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = penalty_evidence(province, media.video)
    assert backup(capsys, "sync")[0] == 0
    second = penalty_evidence(province, media.audio_wav)

    province_s3.server.stop()
    try:
        status, report = backup(capsys, "sync", "--retries", "1")
        assert status == 1
        assert [p["sha256"] for p in report["pending"]] == [second.sha256]
        assert [p["kind"] for p in report["problems"]] == ["replica_unreachable"]
        assert report["problems"][0]["detail"]  # says how often it tried, and why
        # Nothing recorded as copied; nothing lost at home.
        assert not ReplicaCopy.objects.filter(evidence=second).exists()
        assert ReplicaProblem.objects.filter(kind=ReplicaProblem.Kind.REPLICA_UNREACHABLE).exists()
        for evidence in (first, second):
            assert default_store().verify(evidence.sha256, expected_sm3=evidence.sm3).ok
    finally:
        province_s3.start()  # the same ports and folder: the province is back

    status, report = backup(capsys, "sync")
    assert status == 0, report
    assert [c["sha256"] for c in report["copies"]] == [second.sha256]
    assert read_back(province_s3, unit, second.sha256) == second.sha256
    assert read_back(province_s3, unit, first.sha256) == first.sha256
    status, verified = backup(capsys, "verify")
    assert status == 0, verified
    assert verified["pending"] == 0
