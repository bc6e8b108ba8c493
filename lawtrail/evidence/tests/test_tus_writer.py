"""The writer thread behind a tus PATCH (``sink.py``): bytes land in order, a failing disk is
reported to the request instead of being swallowed, and nothing counts as durable before it is
synced (invariant 2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lawtrail.evidence.sink import Sink


def test_chunks_land_in_order_and_finish_syncs_them(tmp_path: Path) -> None:
    path = tmp_path / "part"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    durable: list[int] = []
    try:
        sink = Sink(fd, 0, every=0.0, on_durable=durable.append)
        for i in range(50):
            sink.write(bytes([i]) * 1000)
        assert sink.finish() == 50_000
        sink.checkpoint()
    finally:
        os.close(fd)
    assert path.read_bytes() == b"".join(bytes([i]) * 1000 for i in range(50))
    assert durable == sorted(durable) and durable[-1] == 50_000


def test_a_failing_write_reaches_the_request(tmp_path: Path) -> None:
    path = tmp_path / "part"
    path.write_bytes(b"")
    fd = os.open(path, os.O_RDONLY)  # every write fails, like a disk gone read-only
    try:
        sink = Sink(fd, 0, every=None, on_durable=lambda offset: None)
        with pytest.raises(OSError):
            for _ in range(100):
                sink.write(b"x" * 1024)
            sink.finish()
    finally:
        os.close(fd)


def test_a_drained_sink_claims_nothing_durable(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "part", os.O_RDWR | os.O_CREAT, 0o600)
    durable: list[int] = []
    try:
        sink = Sink(fd, 0, every=None, on_durable=durable.append)
        sink.write(b"abc")
        sink.drain()
        sink.checkpoint()
    finally:
        os.close(fd)
    assert durable == []
