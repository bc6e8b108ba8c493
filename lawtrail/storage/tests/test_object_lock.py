"""Object Lock honesty: try to break it on the real SeaweedFS and assert what really happens.

Do not trust an S3 backend's Object Lock (DESIGN §4). These tests attack a locked blob the way
a holder of the bucket's keys, or of network access to SeaweedFS's own ports, could, and pin the
behaviour that docs/decisions/0007-seaweedfs-object-lock-report.md reports. If SeaweedFS
changes its behaviour, a test here fails: update the report, then the test.

Whatever the backend does, lawtrail never calls a delete (test_interface.py), and ``verify``
plus the provincial replica find a blob that went missing or changed anyway.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lawtrail.storage.tests.conftest import make_s3_store
from lawtrail.storage.tests.seaweed import Seaweed

REPORT = "docs/decisions/0007-seaweedfs-object-lock-report.md"


def refused(call: Any, **kwargs: Any) -> str:
    """Call an S3 API that must fail; return its error code."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return str(caught.value.response["Error"]["Code"])


def read_version(raw: Any, store: Any, blob: Any) -> bytes:
    body = raw.get_object(Bucket=store.bucket, Key=blob.key, VersionId=blob.version)["Body"]
    return bytes(body.read())


def test_the_bucket_is_versioned_and_locked(s3_store: Any, raw_s3: Any) -> None:
    facts = s3_store.describe()
    assert facts["versioning"] is True
    assert facts["lock"] == "COMPLIANCE"
    versioning = raw_s3.get_bucket_versioning(Bucket=s3_store.bucket)
    assert versioning["Status"] == "Enabled"
    config = raw_s3.get_object_lock_configuration(Bucket=s3_store.bucket)
    assert config["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"


def test_each_blob_is_locked_in_compliance_mode_for_a_century(s3_store: Any, raw_s3: Any) -> None:
    blob = s3_store.put_stream(b"locked evidence")
    head = raw_s3.head_object(Bucket=s3_store.bucket, Key=blob.key, VersionId=blob.version)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    until = head["ObjectLockRetainUntilDate"]
    assert until > dt.datetime.now(dt.UTC) + dt.timedelta(days=36_000)


def test_deleting_the_locked_version_is_refused(s3_store: Any, raw_s3: Any) -> None:
    blob = s3_store.put_stream(b"try to delete me")
    bucket, key = s3_store.bucket, blob.key
    assert refused(raw_s3.delete_object, Bucket=bucket, Key=key, VersionId=blob.version) == (
        "AccessDenied"
    )
    code = refused(
        raw_s3.delete_object,
        Bucket=bucket,
        Key=key,
        VersionId=blob.version,
        BypassGovernanceRetention=True,
    )
    assert code == "AccessDenied"  # compliance mode: no bypass, even for the admin identity
    batch = raw_s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": key, "VersionId": blob.version}]}
    )
    assert [e["Code"] for e in batch.get("Errors", [])] == ["AccessDenied"]
    assert batch.get("Deleted", []) == []
    assert read_version(raw_s3, s3_store, blob) == b"try to delete me"
    assert s3_store.verify(blob.sha256).ok


def test_shortening_or_weakening_the_lock_is_refused(s3_store: Any, raw_s3: Any) -> None:
    blob = s3_store.put_stream(b"keep me locked")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for mode in ("COMPLIANCE", "GOVERNANCE"):
        code = refused(
            raw_s3.put_object_retention,
            Bucket=s3_store.bucket,
            Key=blob.key,
            VersionId=blob.version,
            Retention={"Mode": mode, "RetainUntilDate": soon},
            BypassGovernanceRetention=True,
        )
        assert code == "AccessDenied"


def test_versioning_cannot_be_suspended(s3_store: Any, raw_s3: Any) -> None:
    code = refused(
        raw_s3.put_bucket_versioning,
        Bucket=s3_store.bucket,
        VersioningConfiguration={"Status": "Suspended"},
    )
    assert code == "InvalidBucketState"


def test_a_bucket_holding_blobs_cannot_be_deleted(s3_store: Any, raw_s3: Any) -> None:
    s3_store.put_stream(b"the bucket is not empty")
    assert refused(raw_s3.delete_bucket, Bucket=s3_store.bucket) == "BucketNotEmpty"


def test_an_overwrite_adds_a_version_and_the_locked_one_survives(
    s3_store: Any, raw_s3: Any
) -> None:
    """As on AWS, a lock protects a version, not a key: a PUT on the key makes a new current
    version. verify reports it; the locked original is still there; a put repairs it."""
    blob = s3_store.put_stream(b"original")
    answer = raw_s3.put_object(Bucket=s3_store.bucket, Key=blob.key, Body=b"tampered")
    assert answer["VersionId"] != blob.version
    check = s3_store.verify(blob.sha256)
    assert not check.ok and check.problem == "changed"
    assert read_version(raw_s3, s3_store, blob) == b"original"
    repaired = s3_store.put_stream(b"original")
    assert repaired.created and s3_store.verify(blob.sha256).ok


def test_a_plain_delete_only_adds_a_delete_marker(s3_store: Any, raw_s3: Any) -> None:
    blob = s3_store.put_stream(b"hidden, not gone")
    answer = raw_s3.delete_object(Bucket=s3_store.bucket, Key=blob.key)
    assert answer["DeleteMarker"] is True
    assert not s3_store.exists(blob.sha256)
    assert s3_store.verify(blob.sha256).problem == "missing"
    assert read_version(raw_s3, s3_store, blob) == b"hidden, not gone"
    history = s3_store.history(blob.sha256)
    assert [v["DeleteMarker"] for v in history] == [True, False]
    again = s3_store.put_stream(b"hidden, not gone")
    assert again.created and s3_store.verify(blob.sha256).ok


def test_governance_mode_gives_way_to_the_bypass_header(seaweed: Seaweed, tmp_path: Path) -> None:
    """Why the default is compliance: in governance mode an identity allowed to bypass (here
    the admin identity weed mini makes) really deletes the locked version."""
    store = make_s3_store(
        seaweed, tmp_path / "spool", bucket="lawtrail-governance", lock="governance"
    )
    blob = store.put_stream(b"governed")
    assert store.describe()["lock"] == "GOVERNANCE"
    raw = store.client
    code = refused(raw.delete_object, Bucket=store.bucket, Key=blob.key, VersionId=blob.version)
    assert code == "AccessDenied"
    raw.delete_object(
        Bucket=store.bucket, Key=blob.key, VersionId=blob.version, BypassGovernanceRetention=True
    )
    assert store.verify(blob.sha256).problem == "missing"
    assert store.history(blob.sha256) == []


def filer_request(seaweed: Seaweed, method: str, path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        seaweed.filer + path, method=method, headers={"Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_filer_http_api_deletes_a_locked_version_past_the_s3_gateway(
    seaweed: Seaweed, s3_store: Any, raw_s3: Any
) -> None:
    """The honest part of the report: Object Lock is enforced by SeaweedFS's S3 gateway only.
    Its filer (port 8888 by default, no authentication by default) deletes the file that holds
    a COMPLIANCE-locked version. Deployments must keep the filer, master and volume ports
    unreachable from anything but the S3 gateway; verify and the replica catch the rest."""
    blob = s3_store.put_stream(b"locked, yet deletable through the filer")
    folder = f"/buckets/{s3_store.bucket}/{blob.key}.versions/"
    status, listing = filer_request(seaweed, "GET", folder)
    assert status == 200
    paths = [e["FullPath"] for e in json.loads(listing)["Entries"]]
    assert paths == [f"{folder}v_{blob.version}"]
    status, _ = filer_request(seaweed, "DELETE", paths[0])
    assert status == 204, f"SeaweedFS now refuses the filer delete: update {REPORT}"
    with pytest.raises(ClientError):
        read_version(raw_s3, s3_store, blob)
    assert not s3_store.exists(blob.sha256)
    assert s3_store.verify(blob.sha256).problem == "missing"
