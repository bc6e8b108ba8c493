"""Range reads, as HTTP Range requests will ask for them (issue 4 §5)."""

from __future__ import annotations

import os

import pytest

from lawtrail.storage.base import BlobStore


@pytest.fixture
def data() -> bytes:
    return os.urandom((3 << 20) + 7)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 1),
        (0, 10),
        (5, 6),
        (1000, (2 << 20) + 3),  # spans chunk boundaries
        ((3 << 20) + 6, (3 << 20) + 7),  # the last byte
        ((3 << 20) + 7, (3 << 20) + 7),  # empty, at the end
        (10, 10),  # empty
        ((3 << 20) - 5, 10 << 20),  # end past the size is clamped
        (20 << 20, 30 << 20),  # all past the end: nothing
    ],
)
def test_it_reads_the_range_asked_for(store: BlobStore, data: bytes, start: int, end: int) -> None:
    blob = store.put_stream(data)
    got = list(store.read_range(blob.sha256, start, end))
    assert b"".join(got) == data[start:end]
    assert all(got)  # no empty chunks
    assert all(len(c) <= 1 << 20 for c in got)


def test_a_whole_blob_range_equals_the_blob(store: BlobStore, data: bytes) -> None:
    blob = store.put_stream(data)
    assert b"".join(store.read_range(blob.sha256, 0, blob.size)) == data


@pytest.mark.parametrize(("start", "end"), [(-1, 5), (10, 5)])
def test_a_backwards_or_negative_range_is_refused(
    store: BlobStore, data: bytes, start: int, end: int
) -> None:
    blob = store.put_stream(data)
    with pytest.raises(ValueError):
        list(store.read_range(blob.sha256, start, end))
