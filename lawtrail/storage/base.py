"""What every blob store offers, and the errors it raises.

A blob store keeps immutable, content-addressed blobs: the name of a blob is the SHA-256 of its
bytes, so identical content is stored once and a changed byte cannot hide under the old name.
There is no way to delete or rewrite a blob through this interface, on purpose (issue 4 §6):
originals are kept byte-for-byte, forever. Damage is found by ``verify`` and named, never
"fixed" by removing anything.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from lawtrail.storage.digests import Digests, Source, digest_stream
from lawtrail.storage.errors import BlobNotFound, ContentMismatch, StoreError

__all__ = [
    "BlobNotFound",
    "BlobStore",
    "ContentMismatch",
    "Readable",
    "StoreError",
    "StoredBlob",
    "Verification",
    "blob_key",
    "check_declared",
    "check_sha256",
    "range_bounds",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredBlob:
    """A blob that is durable in the store (fsynced, or the S3 request returned)."""

    sha256: str
    sm3: str
    size: int
    key: str
    #: False when identical content was already stored and this put added nothing.
    created: bool = True
    #: The S3 version id of the object the blob lives in (None on the local store).
    version: str | None = None


@dataclass(frozen=True)
class Verification:
    """What a streaming re-hash of a stored blob found."""

    sha256: str
    ok: bool
    #: "" when ok, else "missing", "changed" (SHA-256 differs) or "sm3" (SM3 differs).
    problem: str
    actual: Digests | None
    detail: str = ""


@runtime_checkable
class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


def check_sha256(sha256: str) -> str:
    """Refuse anything that is not 64 lowercase hex digits (it becomes a path or a key)."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def blob_key(sha256: str) -> str:
    """The relative key of a blob: ``ab/cd/abcd…`` (two levels keep folders small)."""
    check_sha256(sha256)
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def check_declared(
    digests: Digests,
    *,
    expected_size: int | None,
    expected_sha256: str | None,
    expected_sm3: str | None,
) -> None:
    """Compare what the client declared with what was computed; never trust the declaration."""
    if expected_size is not None and expected_size != digests.size:
        raise ContentMismatch("size", expected_size, digests.size)
    if expected_sha256 is not None and expected_sha256.lower() != digests.sha256:
        raise ContentMismatch("sha256", expected_sha256, digests.sha256)
    if expected_sm3 is not None and expected_sm3.lower() != digests.sm3:
        raise ContentMismatch("sm3", expected_sm3, digests.sm3)


class BlobStore(ABC):
    """Content-addressed, append-only storage of immutable blobs.

    There is deliberately no ``delete``: nothing is ever removed through a store.
    """

    #: A short name for messages and reports ("local", "s3").
    kind: str = ""

    @abstractmethod
    def put_stream(
        self,
        source: Source,
        *,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
        expected_sm3: str | None = None,
    ) -> StoredBlob:
        """Store the bytes of ``source`` (a binary file object or an iterable of byte chunks).

        Memory does not grow with the size of the stream. SHA-256 and SM3 are computed on the
        way in; a declared size or digest that differs raises ``ContentMismatch`` and publishes
        nothing. Returns only once the blob is durable.
        """

    @abstractmethod
    def open(self, sha256: str) -> Readable:
        """A readable binary stream of the blob; raises ``BlobNotFound``."""

    @abstractmethod
    def read_range(self, sha256: str, start: int, end: int) -> Iterator[bytes]:
        """Yield the bytes ``[start, end)`` of the blob in chunks (``end`` is clamped to size).

        HTTP's ``Range: bytes=a-b`` is ``read_range(sha, a, b + 1)``. A missing blob raises
        ``BlobNotFound`` from the call itself, before anything is iterated.
        """

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def size(self, sha256: str) -> int:
        """The size in bytes; raises ``BlobNotFound``."""

    @abstractmethod
    def verify(self, sha256: str, *, expected_sm3: str | None = None) -> Verification:
        """Re-read the blob as it is now and re-hash it (SHA-256 and SM3) in one stream."""

    @abstractmethod
    def iter_keys(self) -> Iterator[str]:
        """Every SHA-256 in the store, for finding orphans (blobs no record points to)."""

    @abstractmethod
    def cleanup_temp(self, older_than: float = 24 * 3600) -> int:
        """Remove leftovers of interrupted puts older than ``older_than`` seconds.

        Only temporary files and unfinished uploads: never a blob. Returns how many.
        """

    def copy_to(self, sha256: str, dest: Path, *, exclusive: bool = True) -> Digests:
        """Stream the blob into the file ``dest`` while hashing it (both digests in parallel,
        memory flat); the caller compares them with what it recorded at ingest. ``exclusive``
        refuses an existing file. Raises ``BlobNotFound`` and ``StoreError`` as ``open`` does."""
        reader = self.open(sha256)
        try:
            with dest.open("xb" if exclusive else "wb") as out:
                return digest_stream(reader, out.write)
        finally:
            reader.close()

    def describe(self) -> dict[str, object]:
        """Facts about the store for reports (kind, location, versioning, Object Lock)."""
        return {"kind": self.kind}


def range_bounds(start: int, end: int, size: int) -> tuple[int, int]:
    """Check a ``[start, end)`` range and clamp it to the blob's size, as slicing does."""
    if start < 0 or end < start:
        raise ValueError(f"bad range [{start}, {end})")
    return min(start, size), min(end, size)
