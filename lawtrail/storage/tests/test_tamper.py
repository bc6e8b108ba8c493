"""A flipped bit or a missing blob is found by verify and named (DESIGN §5, invariant 6)."""

from __future__ import annotations

import os
import stat
from typing import Any

import pytest

from lawtrail.storage.base import BlobStore
from lawtrail.storage.local import LocalStore
from lawtrail.storage.tests.conftest import reference


def flip_local(store: LocalStore, sha256: str, offset: int) -> None:
    path = store.path(sha256)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444  # read-only as stored
    path.chmod(0o644)
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))
    path.chmod(0o444)


def flip_s3(raw: Any, store: Any, sha256: str, offset: int, forge_metadata: bool) -> str:
    """Overwrite the object the way someone with the bucket's keys could (a raw PUT)."""
    key = store.key(sha256)
    original = raw.get_object(Bucket=store.bucket, Key=key)
    data = bytearray(original["Body"].read())
    data[offset] ^= 0x01
    metadata = original["Metadata"] if forge_metadata else {}
    answer = raw.put_object(Bucket=store.bucket, Key=key, Body=bytes(data), Metadata=metadata)
    return str(answer["VersionId"])


@pytest.mark.parametrize("forge_metadata", [False, True], ids=["plain", "forged-metadata"])
def test_verify_finds_a_flipped_bit(
    store: BlobStore, request: pytest.FixtureRequest, forge_metadata: bool
) -> None:
    data = os.urandom((2 << 20) + 99)
    blob = store.put_stream(data)
    assert store.verify(blob.sha256).ok
    if isinstance(store, LocalStore):
        flip_local(store, blob.sha256, 1 << 20)
    else:
        raw = request.getfixturevalue("raw_s3")
        flip_s3(raw, store, blob.sha256, 1 << 20, forge_metadata)
    check = store.verify(blob.sha256)
    assert not check.ok
    assert check.problem == "changed"
    assert check.actual is not None and check.actual.sha256 != blob.sha256
    assert check.actual.size == len(data)


def test_verify_checks_the_current_s3_version_and_the_old_one_survives(
    s3_store: Any, raw_s3: Any
) -> None:
    """Versioning keeps the original as a noncurrent version; verify judges what a reader
    gets today (the current version), so an overwrite is reported, not hidden."""
    data = os.urandom(100_000)
    blob = s3_store.put_stream(data)
    bad_version = flip_s3(raw_s3, s3_store, blob.sha256, 10, forge_metadata=True)
    check = s3_store.verify(blob.sha256)
    assert not check.ok and check.problem == "changed" and bad_version in check.detail
    history = s3_store.history(blob.sha256)
    assert [v["VersionId"] for v in history] == [bad_version, blob.version]
    kept = raw_s3.get_object(Bucket=s3_store.bucket, Key=blob.key, VersionId=blob.version)
    assert kept["Body"].read() == data


def test_putting_the_content_again_repairs_a_damaged_blob(store: BlobStore, request: Any) -> None:
    data = os.urandom(500_000)
    blob = store.put_stream(data)
    if isinstance(store, LocalStore):
        flip_local(store, blob.sha256, 7)
    else:
        flip_s3(request.getfixturevalue("raw_s3"), store, blob.sha256, 7, forge_metadata=True)
    again = store.put_stream(data)
    assert again.created  # the damaged copy did not count as "already stored"
    assert store.verify(blob.sha256).ok
    if isinstance(store, LocalStore):
        # Nothing is deleted: the damaged bytes are kept aside for the inquiry.
        kept = list(store.quarantine.iterdir())
        assert len(kept) == 1 and kept[0].name.startswith(blob.sha256)
        assert reference(kept[0].read_bytes())[0] != blob.sha256
    else:
        assert len(store.history(blob.sha256)) == 3  # type: ignore[attr-defined]


def test_verify_reports_a_missing_blob(store: BlobStore, request: Any) -> None:
    blob = store.put_stream(b"soon gone")
    if isinstance(store, LocalStore):
        store.path(blob.sha256).unlink()  # what an intruder with a shell could do
    else:
        # A plain DELETE on a versioned bucket only adds a delete marker.
        raw = request.getfixturevalue("raw_s3")
        raw.delete_object(Bucket=store.bucket, Key=blob.key)  # type: ignore[attr-defined]
    assert not store.exists(blob.sha256)
    check = store.verify(blob.sha256)
    assert not check.ok and check.problem == "missing" and check.actual is None
    assert blob.sha256 not in set(store.iter_keys())


def test_verify_compares_the_sm3_it_is_given(store: BlobStore) -> None:
    blob = store.put_stream(b"abc")
    assert store.verify(blob.sha256, expected_sm3=blob.sm3.upper()).ok
    check = store.verify(blob.sha256, expected_sm3="0" * 64)
    assert not check.ok and check.problem == "sm3"
