"""What goes in comes out byte-for-byte, with the digests hashlib computes (第八条)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from lawtrail.storage.base import BlobStore, blob_key
from lawtrail.storage.errors import BlobNotFound, ContentMismatch
from lawtrail.storage.tests.conftest import reference


def read_all(store: BlobStore, sha256: str) -> bytes:
    stream = store.open(sha256)
    try:
        out = bytearray()
        while chunk := stream.read(1 << 20):
            out += chunk
        return bytes(out)
    finally:
        stream.close()


@pytest.mark.parametrize("size", [0, 3, 1000, (1 << 20) + 1], ids=["empty", "3B", "1kB", "1MiB+1"])
def test_it_stores_and_returns_the_bytes(store: BlobStore, size: int) -> None:
    data = os.urandom(size)
    blob = store.put_stream(io.BytesIO(data))
    assert (blob.sha256, blob.sm3, blob.size) == reference(data)
    assert blob.created
    assert blob.key.endswith(blob_key(blob.sha256))
    assert store.exists(blob.sha256)
    assert store.size(blob.sha256) == size
    assert read_all(store, blob.sha256) == data
    assert list(store.iter_keys()) == [blob.sha256]


def test_a_64_mib_file_round_trips_with_hashlibs_digests(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom((64 << 20) + 12345)
    path = tmp_path / "camera.mp4"
    path.write_bytes(data)
    with path.open("rb") as f:
        blob = store.put_stream(f, expected_size=len(data))
    assert (blob.sha256, blob.sm3, blob.size) == reference(data)
    assert read_all(store, blob.sha256) == data
    check = store.verify(blob.sha256, expected_sm3=blob.sm3)
    assert check.ok and check.actual is not None
    assert (check.actual.sha256, check.actual.sm3, check.actual.size) == reference(data)


def test_abc_gets_the_standard_sm3(store: BlobStore) -> None:
    blob = store.put_stream([b"a", b"b", b"c"])
    assert blob.sm3 == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.parametrize("field", ["size", "sha256", "sm3"])
def test_a_declared_value_that_differs_rejects_the_put(store: BlobStore, field: str) -> None:
    data = b"evidence bytes"
    sha, sm3, size = reference(data)
    declared = {"expected_size": size, "expected_sha256": sha, "expected_sm3": sm3}
    wrong = {"size": size + 1, "sha256": "0" * 64, "sm3": "1" * 64}[field]
    declared[f"expected_{field}"] = wrong
    with pytest.raises(ContentMismatch) as caught:
        store.put_stream(data, **declared)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert not store.exists(sha)
    assert list(store.iter_keys()) == []


def test_declared_values_that_agree_are_accepted(store: BlobStore) -> None:
    data = b"evidence bytes"
    sha, sm3, size = reference(data)
    blob = store.put_stream(data, expected_size=size, expected_sha256=sha.upper(), expected_sm3=sm3)
    assert blob.sha256 == sha


def test_a_missing_blob_is_named(store: BlobStore) -> None:
    missing = "0" * 64
    assert not store.exists(missing)
    with pytest.raises(BlobNotFound):
        store.open(missing)
    with pytest.raises(BlobNotFound):
        store.size(missing)
    with pytest.raises(BlobNotFound):
        store.read_range(missing, 0, 10)  # at the call, before the first byte is served
    check = store.verify(missing)
    assert not check.ok and check.problem == "missing"


@pytest.mark.parametrize(
    "bad", ["../../etc/passwd", "ABC", "g" * 64, "A" * 64, "0" * 63, "0" * 64 + "/x", ""]
)
def test_anything_but_a_sha256_is_refused_as_a_name(store: BlobStore, bad: str) -> None:
    for call in (store.exists, store.size, store.open, store.verify):
        with pytest.raises(ValueError):
            call(bad)  # type: ignore[operator]
    with pytest.raises(ValueError):
        list(store.read_range(bad, 0, 1))


def test_copy_to_streams_the_blob_into_a_new_file_with_both_digests(
    store: BlobStore, tmp_path: Path
) -> None:
    """Court copies and archive packages take originals out this way (access, archive)."""
    data = os.urandom((1 << 20) + 7)
    blob = store.put_stream(io.BytesIO(data))
    dest = tmp_path / "copy.bin"

    copied = store.copy_to(blob.sha256, dest)

    assert (copied.sha256, copied.sm3, copied.size) == reference(data)
    assert dest.read_bytes() == data
    with pytest.raises(FileExistsError):  # never over an existing file unless asked
        store.copy_to(blob.sha256, dest)
    assert store.copy_to(blob.sha256, dest, exclusive=False).sha256 == blob.sha256
    with pytest.raises(BlobNotFound):
        store.copy_to("0" * 64, tmp_path / "missing.bin")
    assert not (tmp_path / "missing.bin").exists()
