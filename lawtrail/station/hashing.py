"""One streaming pass over a file: its SHA-256, and the SHA-256 of each upload chunk.

The whole digest is declared to the server (``sha256`` metadata; it compares, never trusts);
the chunk digests go with each PATCH (``Upload-Checksum``), so bytes that change on the device
between hashing and sending are refused chunk by chunk. Both come from the same read, so the
file is read once to hash and once to send, a piece at a time.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PIECE = 1 << 20
DIGEST_SIZE = 32


@dataclass(frozen=True)
class Digests:
    sha256: str
    size: int
    chunk_size: int
    #: The 32-byte digests of the chunks, one after the other.
    chunks: bytes

    def chunk(self, offset: int) -> bytes | None:
        """The digest of the chunk that starts at ``offset``, if one starts there."""
        if offset % self.chunk_size:
            return None
        index = offset // self.chunk_size
        digest = self.chunks[index * DIGEST_SIZE : (index + 1) * DIGEST_SIZE]
        return digest if len(digest) == DIGEST_SIZE else None


def hash_file(
    path: Path,
    chunk_size: int,
    *,
    on_read: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Digests:
    """Hash ``path`` in one pass. Raises OSError if it cannot be read to the end."""
    whole = hashlib.sha256()
    chunks = bytearray()
    part = hashlib.sha256()
    in_part = 0
    size = 0
    buffer = bytearray(PIECE)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as f:
        while True:
            if should_stop is not None and should_stop():
                raise InterruptedError("stopping")
            n = f.readinto(view[: min(PIECE, chunk_size - in_part)])
            if not n:
                break
            piece = view[:n]
            whole.update(piece)
            part.update(piece)
            in_part += n
            size += n
            if in_part == chunk_size:
                chunks += part.digest()
                part = hashlib.sha256()
                in_part = 0
            if on_read is not None:
                on_read(n)
        if in_part:
            chunks += part.digest()
        if size != os.fstat(f.fileno()).st_size:
            raise OSError(f"{path.name} changed size while it was being hashed")
    return Digests(whole.hexdigest(), size, chunk_size, bytes(chunks))


def hash_region(path: Path, start: int, length: int) -> bytes:
    """The SHA-256 of ``length`` bytes from ``start`` (to tell a changed file from a network
    fault after a refused chunk)."""
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as f:
        f.seek(start)
        remaining = length
        while remaining:
            piece = f.read(min(PIECE, remaining))
            if not piece:
                break
            digest.update(piece)
            remaining -= len(piece)
    return digest.digest()
