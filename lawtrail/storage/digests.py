"""The streaming digest engine: SHA-256 and SM3 of a stream in one pass, while it is written.

One loop that reads, hashes twice and writes runs at the sum of those costs. Here each of them
runs on its own thread instead: the calling thread reads the source into a small pool of
buffers, and every filled buffer goes to one thread per digest and to one writer thread. hashlib
and ``os.write`` release the GIL on large buffers, so on two cores the slowest stage (SM3, see
docs/performance.md) sets the pace rather than the sum of all of them.

Memory stays flat: the pool holds ``buffers`` buffers of ``buffer_size`` bytes, and a buffer
goes back to the pool only once every stage is done with it, so a slow stage holds the reader
back instead of letting data pile up.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias, runtime_checkable

from lawtrail.storage.errors import ContentMismatch, StoreError

__all__ = [
    "BUFFERS",
    "BUFFER_SIZE",
    "Digests",
    "Sink",
    "Source",
    "digest_file",
    "digest_stream",
    "hash_file",
    "hash_stream",
]

#: Size of one buffer of the pool. 1 MiB is large enough for hashlib to release the GIL and
#: for one ``write`` to be cheap, small enough to keep the pool at a few MiB (bench/).
BUFFER_SIZE = 1 << 20
#: Buffers in the pool: how far the fastest stage may run ahead of the slowest.
BUFFERS = 8

ALGORITHMS = ("sha256", "sm3")


@runtime_checkable
class _ReadsInto(Protocol):
    def readinto(self, buffer: Any, /) -> int | None: ...


@runtime_checkable
class _Reads(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


#: A binary file object (``readinto`` or ``read``) or an iterable of byte chunks.
Source: TypeAlias = "_ReadsInto | _Reads | Iterable[bytes | bytearray | memoryview]"
#: Called on the writer thread with each buffer, in order; it must not keep the view.
Sink: TypeAlias = Callable[[memoryview], object]


@dataclass(frozen=True)
class Digests:
    """Both digests of a byte stream, as lowercase hex, and its length."""

    sha256: str
    sm3: str
    size: int


class _Block:
    __slots__ = ("buffer", "length", "pending")

    def __init__(self, buffer: bytearray, length: int, pending: int) -> None:
        self.buffer = buffer
        self.length = length
        self.pending = pending


class _Pipeline:
    """Buffers flow from the reading thread to one thread per stage and back to the pool."""

    def __init__(
        self, stages: Sequence[tuple[str, Callable[[memoryview], object]]], size: int, count: int
    ) -> None:
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._size = size
        self._unmade = count  # buffers are made on first need: a small put makes one
        self._lock = threading.Lock()
        self._failed = threading.Event()
        self._error: BaseException | None = None
        self._queues: list[queue.SimpleQueue[_Block | None]] = []
        self._threads: list[threading.Thread] = []
        for name, work in stages:
            q: queue.SimpleQueue[_Block | None] = queue.SimpleQueue()
            thread = threading.Thread(
                target=self._run, args=(q, work), name=f"digest-{name}", daemon=True
            )
            self._queues.append(q)
            self._threads.append(thread)
        for thread in self._threads:
            thread.start()

    @property
    def failed(self) -> bool:
        return self._failed.is_set()

    @property
    def error(self) -> BaseException | None:
        return self._error

    def acquire(self) -> bytearray:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            if self._unmade > 0:  # only the reading thread acquires: no race here
                self._unmade -= 1
                return bytearray(self._size)
        return self._free.get()

    def give_back(self, buffer: bytearray) -> None:
        self._free.put(buffer)

    def submit(self, buffer: bytearray, length: int) -> None:
        block = _Block(buffer, length, len(self._queues))
        for q in self._queues:
            q.put(block)

    def close(self) -> None:
        for q in self._queues:
            q.put(None)
        for thread in self._threads:
            thread.join()

    def _run(
        self, q: queue.SimpleQueue[_Block | None], work: Callable[[memoryview], object]
    ) -> None:
        while (block := q.get()) is not None:
            # After a failure the stages keep draining, so the reader never waits for a buffer
            # that no one will give back.
            if not self._failed.is_set():
                try:
                    with memoryview(block.buffer) as view:
                        work(view[: block.length])
                except BaseException as exc:  # handed to the caller in hash_stream
                    with self._lock:
                        if self._error is None:
                            self._error = exc
                    self._failed.set()
            with self._lock:
                block.pending -= 1
                done = block.pending == 0
            if done:
                self._free.put(block.buffer)


def _new_hash(name: str) -> Any:
    return hashlib.new(name)


def _fill_from_readinto(source: _ReadsInto, view: memoryview) -> int:
    filled = 0
    while filled < len(view):
        n = source.readinto(view[filled:])
        if n is None:
            raise StoreError("the source is non-blocking and had no data; give a blocking stream")
        if n == 0:
            break
        filled += n
    return filled


def _blocks(source: Source, pipeline: _Pipeline) -> Iterator[tuple[bytearray, int]]:
    """Fill buffers from the pool with the source's bytes; yield each full (or last) one.

    A yielded buffer belongs to the caller, which submits it or gives it back.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        return _blocks_from_chunks([source], pipeline)
    if isinstance(source, io.TextIOBase):
        raise TypeError("the source is a text stream; open it in binary mode")
    if isinstance(source, _ReadsInto):
        return _blocks_from_file(source, pipeline)
    if isinstance(source, _Reads):
        reader = source
        return _blocks_from_chunks(iter(lambda: reader.read(BUFFER_SIZE), b""), pipeline)
    return _blocks_from_chunks(source, pipeline)


def _blocks_from_file(source: _ReadsInto, pipeline: _Pipeline) -> Iterator[tuple[bytearray, int]]:
    while not pipeline.failed:
        buffer = pipeline.acquire()
        with memoryview(buffer) as view:
            n = _fill_from_readinto(source, view)
        if n == 0:
            pipeline.give_back(buffer)
            return
        yield buffer, n
        if n < len(buffer):  # _fill_from_readinto stops short only at the end
            return


def _blocks_from_chunks(
    chunks: Iterable[bytes | bytearray | memoryview], pipeline: _Pipeline
) -> Iterator[tuple[bytearray, int]]:
    buffer: bytearray | None = pipeline.acquire()
    filled = 0
    try:
        for chunk in chunks:
            if isinstance(chunk, str):
                raise TypeError("the source gave text; give bytes")
            data = memoryview(chunk).cast("B")
            offset = 0
            while offset < len(data):
                if buffer is None:
                    if pipeline.failed:
                        return
                    buffer, filled = pipeline.acquire(), 0
                take = min(len(buffer) - filled, len(data) - offset)
                buffer[filled : filled + take] = data[offset : offset + take]
                filled += take
                offset += take
                if filled == len(buffer):
                    full, buffer = buffer, None
                    yield full, filled
        if buffer is not None and filled:
            full, buffer = buffer, None
            yield full, filled
    finally:
        if buffer is not None:
            pipeline.give_back(buffer)


def hash_stream(
    source: Source,
    algorithms: Sequence[str] = ALGORITHMS,
    sink: Sink | None = None,
    *,
    max_size: int | None = None,
    buffer_size: int = BUFFER_SIZE,
    buffers: int = BUFFERS,
) -> tuple[dict[str, str], int]:
    """Read ``source`` once; return the hex digest of each algorithm and the byte count.

    Each digest runs on its own thread and so does ``sink`` (it gets every buffer in order).
    More than ``max_size`` bytes raise ``ContentMismatch`` as soon as they are seen. An error in
    the source or in a stage stops the pass and is raised here.
    """
    hashes = {name: _new_hash(name) for name in algorithms}
    stages: list[tuple[str, Callable[[memoryview], object]]] = [
        (name, h.update) for name, h in hashes.items()
    ]
    if sink is not None:
        stages.append(("sink", sink))
    pipeline = _Pipeline(stages, buffer_size, max(buffers, 2))
    total = 0
    try:
        for buffer, length in _blocks(source, pipeline):
            total += length
            if max_size is not None and total > max_size:
                pipeline.give_back(buffer)
                raise ContentMismatch("size", max_size, f"more than {max_size}")
            pipeline.submit(buffer, length)
    finally:
        pipeline.close()
    if pipeline.error is not None:
        raise pipeline.error
    return {name: h.hexdigest() for name, h in hashes.items()}, total


def digest_stream(
    source: Source,
    sink: Sink | None = None,
    *,
    max_size: int | None = None,
    buffer_size: int = BUFFER_SIZE,
    buffers: int = BUFFERS,
) -> Digests:
    """SHA-256 and SM3 of ``source`` in one pass, handing every buffer to ``sink`` as well."""
    hexes, size = hash_stream(
        source, ALGORITHMS, sink, max_size=max_size, buffer_size=buffer_size, buffers=buffers
    )
    return Digests(sha256=hexes["sha256"], sm3=hexes["sm3"], size=size)


def _open_for_hashing(path: str | os.PathLike[str]) -> io.FileIO:
    f = io.FileIO(path, "r")
    with contextlib.suppress(AttributeError, OSError):  # only a hint, not on every platform
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
    return f


def hash_file(
    path: str | os.PathLike[str], algorithms: Sequence[str] = ("sha256",)
) -> tuple[dict[str, str], int]:
    """Re-hash a file by streaming it (a quick SHA-256-only check by default)."""
    with _open_for_hashing(path) as f:
        return hash_stream(f, algorithms)


def digest_file(path: str | os.PathLike[str] | Path) -> Digests:
    """SHA-256 and SM3 of a file, streamed, the two digests in parallel."""
    with _open_for_hashing(path) as f:
        return digest_stream(f)
