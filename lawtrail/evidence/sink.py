"""Where the body of a tus PATCH goes: the partial file, written by a thread of its own.

The request thread only reads the socket and hands each chunk over; a writer thread writes it,
asks the kernel to start writing it back every ``WRITEBACK_EVERY`` bytes (``sync_file_range``),
and makes it durable (``fdatasync``) when asked. So reading the network, copying into the page
cache and waiting for the disk overlap instead of taking turns, and the final sync before the
PATCH is acknowledged finds little left to do (docs/performance.md, "tus uploads").

Durable offsets flow back to the request thread, which records them in the database (Django
connections belong to their thread): ``checkpoint`` is how a long body keeps what it already
delivered when the server dies in the middle of it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import queue
import threading
import time
from collections.abc import Callable

#: Batches in flight between the request thread and the writer.
QUEUE_BATCHES = 3
#: The request thread hands chunks over in batches of about this many bytes, written with one
#: ``writev``: each hand-over costs the writer a wait for the GIL, so fewer is faster.
HAND_OVER = 4 << 20
#: Start writeback of every this many new bytes, so the disk works while the body arrives.
WRITEBACK_EVERY = 8 << 20
_SYNC_FILE_RANGE_WRITE = 2


def _load_sync_file_range() -> Callable[[int, int, int, int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_sync_file_range = _load_sync_file_range()


class _Sync:
    """Marker in the queue: make everything before it durable."""


SYNC = _Sync()


class Sink:
    """Writes a body from ``start`` on; ``received`` counts what was handed over."""

    def __init__(
        self,
        fd: int,
        start: int,
        *,
        every: float | None,
        on_durable: Callable[[int], None],
    ) -> None:
        self.fd = fd
        self.start = start
        self.received = 0
        self.every = every
        self.on_durable = on_durable
        self.recorded = start  # the durable offset last passed to on_durable
        self._durable = start  # set by the writer thread
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._last = time.monotonic()
        #: Seconds, for the log of where the time went: the request thread waiting for room
        #: in the queue, and the writer thread in write(), writeback starts and syncs.
        self.timings = {"handing_over": 0.0, "write": 0.0, "writeback": 0.0, "sync": 0.0}
        self._batch: list[bytes] = []
        self._batched = 0
        self._queue: queue.Queue[list[bytes] | _Sync | None] = queue.Queue(maxsize=QUEUE_BATCHES)
        self._thread = threading.Thread(target=self._run, name="tus-writer", daemon=True)
        self._thread.start()

    # -- the request thread -------------------------------------------------------------------

    def write(self, chunk: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._batch.append(chunk)
        self._batched += len(chunk)
        self.received += len(chunk)
        if self._batched >= HAND_OVER:
            self._hand_over()
        if self.every is None:
            return
        if time.monotonic() - self._last >= self.every:
            self._hand_over()
            self._queue.put(SYNC)
            self._last = time.monotonic()
        self.checkpoint()

    def _hand_over(self) -> None:
        if not self._batch:
            return
        before = time.perf_counter()
        self._queue.put(self._batch)
        self.timings["handing_over"] += time.perf_counter() - before
        self._batch = []
        self._batched = 0

    def checkpoint(self) -> None:
        """Record the durable offset if it moved since the last time."""
        with self._lock:
            durable = self._durable
        if durable > self.recorded:
            self.on_durable(durable)
            self.recorded = durable

    def finish(self) -> int:
        """Wait for the writer, raise what it met, make everything durable; the end offset."""
        self._stop()
        if self._error is not None:
            raise self._error
        os.fdatasync(self.fd)
        with self._lock:
            self._durable = self.start + self.received
        return self.start + self.received

    def drain(self) -> None:
        """Stop the writer and wait for it; what it wrote stays, unsynced."""
        self._stop()
        if self._error is not None:
            raise self._error

    def keep_what_arrived(self) -> None:
        """After a broken body: make what was written durable and record it."""
        self._stop()
        if self._error is not None:
            return
        os.fdatasync(self.fd)
        with self._lock:
            self._durable = self.start + self.received
        self.checkpoint()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._hand_over()
            self._queue.put(None)
            self._thread.join()

    # -- the writer thread --------------------------------------------------------------------

    def _run(self) -> None:
        written = kicked = self.start
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue  # keep taking chunks so the request thread never blocks on a dead writer
            try:
                began = time.perf_counter()
                if isinstance(item, _Sync):
                    os.fdatasync(self.fd)
                    with self._lock:
                        self._durable = written
                    self.timings["sync"] += time.perf_counter() - began
                    continue
                written += write_all(self.fd, item)
                wrote = time.perf_counter()
                self.timings["write"] += wrote - began
                if _sync_file_range is not None and written - kicked >= WRITEBACK_EVERY:
                    # Only starts writeback (no wait); durability comes from fdatasync.
                    _sync_file_range(self.fd, kicked, written - kicked, _SYNC_FILE_RANGE_WRITE)
                    kicked = written
                    self.timings["writeback"] += time.perf_counter() - wrote
            except BaseException as error:  # handed to the request thread
                self._error = error


def write_all(fd: int, chunks: list[bytes]) -> int:
    """One ``writev`` for the whole batch (and more only if the kernel took less)."""
    total = sum(len(c) for c in chunks)
    done = os.writev(fd, chunks)
    if done < total:
        rest = memoryview(b"".join(chunks))[done:]
        while rest:
            rest = rest[os.write(fd, rest) :]
    return total
