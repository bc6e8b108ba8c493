"""The local blob store (the default): content-addressed files under ``LAWTRAIL_HOME/store``.

A put streams into a temporary file in ``.incoming/`` on the same filesystem while SHA-256 and
SM3 are computed, fsyncs it, makes it read-only and only then links it under its final name
``ab/cd/<sha256>`` and fsyncs the folder. A crash at any point leaves at most a temporary file
(``cleanup_temp`` removes old ones), never a half-written blob under a final name.

The final name is made with ``link``, which fails if the name exists: concurrent puts of the
same content cannot overwrite each other, and identical content is stored once. If the blob
already there turns out to be damaged, the fresh copy takes its place and the damaged one is
kept in ``.quarantine/`` for the investigation: nothing is ever deleted.

With a key ring (``kms``) every put is encrypted on its way to the disk (lawtrail/storage/
crypto.py); the name and the digests stay those of the plaintext, and readers decrypt.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import io
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from lawtrail.storage.base import (
    BlobStore,
    Readable,
    StoredBlob,
    Verification,
    blob_key,
    check_declared,
    range_bounds,
)
from lawtrail.storage.crypto import (
    HEADER_SIZE,
    MAGIC,
    CiphertextError,
    Encryptor,
    Header,
    Layout,
    decrypt_segments,
    open_plain,
    parse_header,
    refuse_lookalike,
)
from lawtrail.storage.digests import (
    BUFFER_SIZE,
    BUFFERS,
    Source,
    digest_file,
    digest_stream,
    hash_stream,
)
from lawtrail.storage.errors import BlobNotFound, StoreError
from lawtrail.storage.kms import KMS, MasterKeyError

__all__ = ["LocalStore"]

log = logging.getLogger(__name__)

READ_CHUNK = 1 << 20
#: Ask the kernel to start writing back every this many bytes, so the disk works while the
#: digests run instead of all at once in the final fsync (bench/ingest_digest.py).
WRITEBACK_EVERY = 32 << 20
_HEX = frozenset("0123456789abcdef")


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
_SYNC_FILE_RANGE_WRITE = 2


class _FileWriter:
    """The sink of a put: writes every buffer to ``fd`` and starts writeback as it goes."""

    def __init__(self, fd: int, writeback_every: int | None) -> None:
        self.fd = fd
        self.written = 0
        self._started = 0
        self._every = writeback_every if _sync_file_range is not None else None

    def __call__(self, view: memoryview) -> None:
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
            self.written += n
        if self._every is not None and self.written - self._started >= self._every:
            assert _sync_file_range is not None
            # Only starts writeback (no wait); durability still comes from the fsync at the end.
            _sync_file_range(
                self.fd, self._started, self.written - self._started, _SYNC_FILE_RANGE_WRITE
            )
            self._started = self.written


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _makedirs_durably(path: Path) -> None:
    """Create ``path`` and any missing parents, fsyncing the folder that holds each new one."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):
        with contextlib.suppress(FileExistsError):
            p.mkdir()
        _fsync_dir(p.parent)


def _link_no_replace(tmp: Path, final: Path) -> None:
    """Give ``tmp`` the name ``final`` unless the name exists (``FileExistsError``)."""
    try:
        os.link(tmp, final)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A filesystem without hard links: check, then rename. Two racing puts of the same
        # content may both rename; the bytes are identical, and rename is atomic.
        if final.exists():
            raise FileExistsError(final) from exc
        os.rename(tmp, final)


class LocalStore(BlobStore):
    """Blobs as read-only files named by their SHA-256 under ``root``."""

    kind = "local"

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        buffer_size: int = BUFFER_SIZE,
        buffers: int = BUFFERS,
        writeback_every: int | None = WRITEBACK_EVERY,
        kms: KMS | None = None,
    ) -> None:
        self.root = Path(root)
        #: The key ring that encrypts new blobs (None: they are stored as they are).
        self.kms = kms
        self.buffer_size = buffer_size
        self.buffers = buffers
        #: Start writeback every this many bytes (None: leave it all to the final fsync).
        self.writeback_every = writeback_every
        self.incoming = self.root / ".incoming"
        self.quarantine = self.root / ".quarantine"

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def path(self, sha256: str) -> Path:
        """Where the blob lives (or would live)."""
        return self.root / blob_key(sha256)

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "root": str(self.root),
            "versioning": False,
            "lock": None,
            "encrypts": self.kms is not None,
        }

    # -- writing ------------------------------------------------------------------------------

    def put_stream(
        self,
        source: Source,
        *,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
        expected_sm3: str | None = None,
    ) -> StoredBlob:
        _makedirs_durably(self.incoming)
        fd, tmp_name = tempfile.mkstemp(prefix="put-", suffix=".part", dir=self.incoming)
        tmp = Path(tmp_name)
        try:
            writer = _FileWriter(fd, self.writeback_every)
            encryptor = Encryptor(self.kms, writer) if self.kms is not None else None
            if encryptor is not None:
                encryptor.start()
            digests = digest_stream(
                source,
                encryptor or writer,
                max_size=expected_size,
                buffer_size=self.buffer_size,
                buffers=self.buffers,
            )
            if encryptor is not None:
                encryptor.finish()
            else:
                refuse_lookalike(os.pread(fd, len(MAGIC), 0))
            check_declared(
                digests,
                expected_size=expected_size,
                expected_sha256=expected_sha256,
                expected_sm3=expected_sm3,
            )
            os.fchmod(fd, 0o444)
            os.fsync(fd)
            os.close(fd)
            fd = -1
            created = self._publish(tmp, digests.sha256, digests.size)
        finally:
            if fd >= 0:
                os.close(fd)
            tmp.unlink(missing_ok=True)
        return StoredBlob(
            sha256=digests.sha256,
            sm3=digests.sm3,
            size=digests.size,
            key=blob_key(digests.sha256),
            created=created,
        )

    def _publish(self, tmp: Path, sha256: str, size: int) -> bool:
        """Give the durable temporary file its final name; False if it was there already."""
        final = self.path(sha256)
        _makedirs_durably(final.parent)
        for _ in range(5):
            try:
                _link_no_replace(tmp, final)
            except FileExistsError:
                if self._intact(final, sha256, size):
                    return False
                self._quarantine(final, sha256)
                continue
            _fsync_dir(final.parent)
            return True
        raise StoreError(f"could not publish {sha256}: the name keeps being taken by bad copies")

    def _intact(self, path: Path, sha256: str, size: int) -> bool:
        """Does the blob there hold these bytes (decrypted, if it is encrypted)?

        An encrypted blob that fails authentication is damaged; one under a master key that is
        not configured raises ``MasterKeyError`` (a configuration problem, not damage).
        """
        try:
            reader, _ = open_plain(_open_sequential(path), self.kms)
            try:
                hexes, actual = hash_stream(reader, ("sha256",))
            finally:
                reader.close()
        except FileNotFoundError:
            return False  # moved away meanwhile: try again
        except CiphertextError:
            return False
        return actual == size and hexes["sha256"] == sha256

    def _quarantine(self, path: Path, sha256: str) -> None:
        _makedirs_durably(self.quarantine)
        aside = self.quarantine / f"{sha256}.{time.time_ns()}"
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return  # another put moved it first
        _fsync_dir(self.quarantine)
        _fsync_dir(path.parent)
        log.warning("blob %s was damaged; replaced by a fresh copy, kept as %s", sha256, aside)

    # -- reading ------------------------------------------------------------------------------

    def open(self, sha256: str) -> Readable:
        """The plaintext: an encrypted blob is decrypted as it is read (``CiphertextError`` at
        the first segment that fails authentication)."""
        try:
            f = open(self.path(sha256), "rb")  # noqa: SIM115 - the caller closes the reader
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        try:
            plain = parse_header(os.pread(f.fileno(), HEADER_SIZE, 0)) is None
        except BaseException:
            f.close()
            raise
        return f if plain else open_plain(f, self.kms)[0]

    def read_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        path = self.path(sha256)
        try:
            f = io.FileIO(path, "r")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        try:
            header, stored = _header(f)
            if header is not None:
                layout = Layout.of(header, stored)
                start, end = range_bounds(start, end, layout.plain_size)
                if start == end:
                    f.close()
                    return iter(())
                first, begin, _stop = layout.span(start, end)
                f.seek(begin)
                return decrypt_segments(f, layout, self.kms, first, start, end)
            start, end = range_bounds(start, end, stored)
        except BaseException:
            f.close()
            raise
        return self._iter_range(f, start, end)

    @staticmethod
    def _iter_range(f: io.FileIO, start: int, end: int) -> Iterator[bytes]:
        fd = f.fileno()
        try:
            pos = start
            while pos < end:
                chunk = os.pread(fd, min(READ_CHUNK, end - pos), pos)
                if not chunk:
                    break
                pos += len(chunk)
                yield chunk
        finally:
            f.close()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        """The size of the plaintext."""
        try:
            f = io.FileIO(self.path(sha256), "r")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        with f:
            header, stored = _header(f)
        return stored if header is None else Layout.of(header, stored).plain_size

    def verify(self, sha256: str, *, expected_sm3: str | None = None) -> Verification:
        """Re-hash the plaintext; an encrypted blob that fails authentication is "changed",
        one under a master key that is not configured is "key"."""
        path = self.path(sha256)
        try:
            f = _open_sequential(path)
        except FileNotFoundError:
            return Verification(sha256, False, "missing", None, f"{path} does not exist")
        try:
            with f:
                header, _ = _header(f)
            if header is None:
                actual = digest_file(path)
            else:
                reader, _ = open_plain(_open_sequential(path), self.kms)
                try:
                    actual = digest_stream(reader)
                finally:
                    reader.close()
        except FileNotFoundError:
            return Verification(sha256, False, "missing", None, f"{path} does not exist")
        except CiphertextError as exc:
            return Verification(sha256, False, "changed", None, f"{path}: {exc}")
        except MasterKeyError as exc:
            return Verification(sha256, False, "key", None, f"{path}: {exc}")
        if actual.sha256 != sha256:
            return Verification(sha256, False, "changed", actual, f"{path} has other bytes now")
        if expected_sm3 is not None and actual.sm3 != expected_sm3.lower():
            return Verification(sha256, False, "sm3", actual, f"SM3 of {path} differs")
        return Verification(sha256, True, "", actual)

    def iter_keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for top in sorted(os.scandir(self.root), key=lambda e: e.name):
            if not (top.is_dir() and len(top.name) == 2 and set(top.name) <= _HEX):
                continue
            for mid in sorted(os.scandir(top.path), key=lambda e: e.name):
                if not (mid.is_dir() and len(mid.name) == 2 and set(mid.name) <= _HEX):
                    continue
                for entry in sorted(os.scandir(mid.path), key=lambda e: e.name):
                    name = entry.name
                    if (
                        len(name) == 64
                        and name.startswith(top.name + mid.name)
                        and set(name) <= _HEX
                        and entry.is_file()
                    ):
                        yield name

    def cleanup_temp(self, older_than: float = 24 * 3600) -> int:
        if not self.incoming.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for entry in os.scandir(self.incoming):
            # Only what a put left behind in .incoming/: blobs are never touched.
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    removed += 1
        return removed


def _open_sequential(path: Path) -> io.FileIO:
    f = io.FileIO(path, "r")
    with contextlib.suppress(AttributeError, OSError):  # only a hint
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
    return f


def _header(f: io.FileIO) -> tuple[Header | None, int]:
    """The encryption header of an open blob (None: a plain blob) and its stored size."""
    return parse_header(os.pread(f.fileno(), HEADER_SIZE, 0)), os.fstat(f.fileno()).st_size
