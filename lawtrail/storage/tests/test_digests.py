"""The streaming digest engine gives hashlib's answers for every kind of source."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawtrail.storage.digests import digest_file, digest_stream, hash_stream
from lawtrail.storage.errors import ContentMismatch
from lawtrail.storage.tests.conftest import reference

SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_of_abc_is_the_standard_vector() -> None:
    # GB/T 32905-2016, example 1.
    assert digest_stream(b"abc").sm3 == SM3_ABC
    assert hashlib.new("sm3", b"abc").hexdigest() == SM3_ABC


def test_empty_stream_has_the_digests_of_nothing() -> None:
    d = digest_stream(b"")
    assert (d.sha256, d.sm3, d.size) == reference(b"")


@pytest.mark.parametrize("size", [1, 4095, (1 << 20) - 1, 1 << 20, (3 << 20) + 17])
def test_every_kind_of_source_gives_hashlibs_digests(size: int) -> None:
    data = os.urandom(size)
    sources = {
        "bytes": data,
        "list": [data],
        "bytesio": io.BytesIO(data),
        "buffered": io.BufferedReader(io.BytesIO(data)),
        "small chunks": (data[i : i + 7777] for i in range(0, len(data), 7777)),
        "memoryviews": [memoryview(data)[: size // 2], memoryview(data)[size // 2 :]],
    }
    for name, source in sources.items():
        d = digest_stream(source)  # type: ignore[arg-type]
        assert (d.sha256, d.sm3, d.size) == reference(data), name


def test_the_sink_gets_every_byte_in_order() -> None:
    data = os.urandom((5 << 20) + 3)
    out = bytearray()
    digest_stream((data[i : i + 100_000] for i in range(0, len(data), 100_000)), out.extend)
    assert bytes(out) == data


def test_digests_and_sink_run_on_their_own_threads() -> None:
    seen: set[str] = set()
    digest_stream(os.urandom(2 << 20), lambda _: seen.add(threading.current_thread().name))
    assert seen == {"digest-sink"}


def test_an_error_in_the_source_is_raised_and_stops_the_pass() -> None:
    def broken() -> Iterator[bytes]:
        yield b"x" * (3 << 20)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        digest_stream(broken())


def test_an_error_in_the_sink_is_raised() -> None:
    calls = 0

    def disk_full(view: memoryview) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        digest_stream(generated_bytes(64 << 20), disk_full)


def generated_bytes(total: int) -> Iterator[bytes]:
    chunk = os.urandom(1 << 20)
    for _ in range(total >> 20):
        yield chunk


def test_more_than_the_declared_size_is_refused_early() -> None:
    pulled = 0

    def endless() -> Iterator[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * (1 << 20)

    with pytest.raises(ContentMismatch) as caught:
        digest_stream(endless(), max_size=5 << 20)
    assert caught.value.field == "size"
    assert pulled <= 7


def test_text_is_refused() -> None:
    with pytest.raises(TypeError):
        digest_stream(io.StringIO("abc"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        digest_stream(["abc"])  # type: ignore[list-item]


def test_digest_file_rehashes_a_file(tmp_path: Path) -> None:
    data = os.urandom((2 << 20) + 5)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    d = digest_file(path)
    assert (d.sha256, d.sm3, d.size) == reference(data)


def test_hash_stream_can_do_sha256_alone() -> None:
    hexes, size = hash_stream(b"abc", ("sha256",))
    assert hexes == {"sha256": hashlib.sha256(b"abc").hexdigest()} and size == 3
