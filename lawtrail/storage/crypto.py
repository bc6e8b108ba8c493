"""Per-object encryption at rest: a streaming, segmented AES-256-GCM format (issue 6 §4).

An encrypted object is a 68-byte header followed by segments::

    header   magic  "\\x89LTENC\\r\\n"            8
             version (1)                         1
             algorithm (1 AES-256-GCM, 2 SM4-GCM) 1
             log2 of the segment size (20)       1
             reserved (0)                        1
             master key id                       8   (kms.key_id_of)
             nonce prefix (random per object)    8
             data key wrapped (RFC 3394)         40
    segment  ciphertext of up to 1 MiB of plaintext, then its 16-byte GCM tag

Segment ``i`` is sealed under the object's own random data key with the nonce
``prefix ‖ i`` (4 bytes, big-endian) and the associated data ``header ‖ final``, where ``final``
is 1 for the last segment only. So a changed byte, a swapped header, reordered segments
(wrong nonce) and an object cut at a segment boundary (the new last segment was sealed as not
final) all fail authentication. Only the last segment may be shorter than 1 MiB, so the
plaintext size follows from the object size, and a range read decrypts only the segments it
touches. Digests (SHA-256, SM3) are of the plaintext; the object's name is unchanged.

A reader tells an encrypted object from a plain one (written before a master key was set) by
the magic at its start; ``docs/decisions/0015-encryption-at-rest.md`` has the reasoning.
"""

from __future__ import annotations

import abc
import secrets
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lawtrail.storage.base import Readable
from lawtrail.storage.errors import StoreError
from lawtrail.storage.kms import KEY_ID_SIZE, KMS, WRAPPED_SIZE, MasterKeyError, WrapError

__all__ = [
    "AES_256_GCM",
    "HEADER_SIZE",
    "MAGIC",
    "SEGMENT_SIZE",
    "SM4_GCM",
    "CiphertextError",
    "Encryptor",
    "Header",
    "Layout",
    "decrypt_segments",
    "open_plain",
    "parse_header",
    "read_exact",
    "refuse_lookalike",
]

MAGIC = b"\x89LTENC\r\n"
VERSION = 1
AES_256_GCM = 1
SM4_GCM = 2
ALGORITHMS = {AES_256_GCM: "AES-256-GCM", SM4_GCM: "SM4-GCM"}
SEGMENT_SHIFT = 20
SEGMENT_SIZE = 1 << SEGMENT_SHIFT
TAG_SIZE = 16
PREFIX_SIZE = 8
_FIXED = struct.Struct(f">8sBBBB{KEY_ID_SIZE}s{PREFIX_SIZE}s{WRAPPED_SIZE}s")
HEADER_SIZE = _FIXED.size  # 68
MAX_SEGMENTS = 1 << 32


class CiphertextError(StoreError):
    """The stored ciphertext is not what was written: altered, truncated or reordered."""


@dataclass(frozen=True)
class Header:
    algorithm: int
    key_id: bytes
    prefix: bytes
    wrapped: bytes
    segment_size: int = SEGMENT_SIZE

    @property
    def raw(self) -> bytes:
        return _FIXED.pack(
            MAGIC,
            VERSION,
            self.algorithm,
            self.segment_size.bit_length() - 1,
            0,
            self.key_id,
            self.prefix,
            self.wrapped,
        )

    def describe(self) -> str:
        return f"{ALGORITHMS.get(self.algorithm, '?')}, master key {self.key_id.hex()}"


def parse_header(prefix: bytes) -> Header | None:
    """The header at the start of ``prefix``, or None if the object is not encrypted."""
    if not prefix.startswith(MAGIC):
        return None
    if len(prefix) < HEADER_SIZE:
        raise CiphertextError("the object is cut short inside its encryption header")
    _magic, version, algorithm, shift, reserved, key_id, nonce_prefix, wrapped = _FIXED.unpack(
        prefix[:HEADER_SIZE]
    )
    if version != VERSION or algorithm not in ALGORITHMS or shift != SEGMENT_SHIFT or reserved:
        raise CiphertextError(
            f"unknown encryption header (version {version}, algorithm {algorithm}, "
            f"segment 2^{shift})"
        )
    return Header(algorithm, key_id, nonce_prefix, wrapped, 1 << shift)


def refuse_lookalike(head: bytes) -> None:
    """A plain put (no master key) of bytes that start like an encrypted object would be read
    back as one: refuse it (a copy of a stored object being ingested, say). With a master key
    such bytes are simply encrypted like any others."""
    if head.startswith(MAGIC):
        raise StoreError(
            "the content starts like a lawtrail encrypted object and no master key is "
            "configured to store it encrypted; configure one (lawtrail keys init)"
        )


def _nonce(header: Header, index: int) -> bytes:
    return header.prefix + index.to_bytes(4, "big")


def _aad(header_raw: bytes, final: bool) -> bytes:
    return header_raw + (b"\x01" if final else b"\x00")


class _Sealer:
    """Seals and opens the segments of one object under its data key."""

    def __init__(self, header: Header, data_key: bytes) -> None:
        self.header = header
        self.raw = header.raw
        self.algorithm = header.algorithm
        self.key = data_key
        self._aes = AESGCM(data_key) if header.algorithm == AES_256_GCM else None

    def seal(self, index: int, data: bytes | memoryview, final: bool) -> bytes:
        nonce, aad = _nonce(self.header, index), _aad(self.raw, final)
        if self._aes is not None:
            return self._aes.encrypt(nonce, data, aad)
        enc = Cipher(algorithms.SM4(self.key[:16]), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        return enc.update(data) + enc.finalize() + enc.tag

    def open(self, index: int, data: bytes, final: bool) -> bytes:
        if len(data) < TAG_SIZE:
            raise CiphertextError(f"segment {index} of the object is cut short")
        nonce, aad = _nonce(self.header, index), _aad(self.raw, final)
        try:
            if self._aes is not None:
                return self._aes.decrypt(nonce, data, aad)
            dec = Cipher(
                algorithms.SM4(self.key[:16]), modes.GCM(nonce, data[-TAG_SIZE:])
            ).decryptor()
            dec.authenticate_additional_data(aad)
            return dec.update(data[:-TAG_SIZE]) + dec.finalize()
        except InvalidTag:
            raise CiphertextError(
                f"segment {index} of the object fails authentication "
                "(the ciphertext was altered, truncated or reordered)"
            ) from None


def _unwrap(header: Header, kms: KMS | None) -> _Sealer:
    if kms is None:
        raise MasterKeyError(
            f"the object is encrypted ({header.describe()}) and no master key is configured "
            "(LAWTRAIL_MASTER_KEY_FILE or LAWTRAIL_MASTER_KEY)"
        )
    try:
        return _Sealer(header, kms.unwrap(header.key_id, header.wrapped))
    except WrapError as exc:
        raise CiphertextError(str(exc)) from None


class Encryptor:
    """A sink that encrypts what it is given and hands the ciphertext on to ``sink``.

    Call ``start`` before the first byte and ``finish`` after the last: the last segment is
    only known once the stream has ended, so one full segment is held back until more comes.
    Memory: at most one segment plus one incoming buffer.
    """

    def __init__(
        self,
        kms: KMS,
        sink: Callable[[memoryview], object],
        *,
        algorithm: int = AES_256_GCM,
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm}")
        data_key = secrets.token_bytes(32)
        key_id, wrapped = kms.wrap(data_key)
        header = Header(algorithm, key_id, secrets.token_bytes(PREFIX_SIZE), wrapped)
        self.header = header
        self._sealer = _Sealer(header, data_key)
        self._sink = sink
        self._buffer = bytearray()
        self._index = 0
        #: Ciphertext bytes handed to the sink so far (header included).
        self.written = 0

    def _emit(self, data: bytes) -> None:
        self._sink(memoryview(data))
        self.written += len(data)

    def start(self) -> None:
        self._emit(self.header.raw)

    def _seal(self, data: bytes | memoryview, final: bool) -> None:
        if self._index >= MAX_SEGMENTS:
            raise StoreError("the object is too large for one encrypted stream")
        self._emit(self._sealer.seal(self._index, data, final))
        self._index += 1

    def __call__(self, view: memoryview) -> None:
        size = self.header.segment_size
        self._buffer += view
        # Strictly more than a segment: a full segment may be the last one.
        while len(self._buffer) > size:
            with memoryview(self._buffer) as whole:
                self._seal(whole[:size], final=False)
            del self._buffer[:size]

    def finish(self) -> None:
        self._seal(bytes(self._buffer), final=True)
        self._buffer = bytearray()


@dataclass(frozen=True)
class Layout:
    """Where the segments of an encrypted object of ``stored_size`` bytes lie."""

    header: Header
    stored_size: int
    plain_size: int
    segments: int

    @classmethod
    def of(cls, header: Header, stored_size: int) -> Layout:
        body = stored_size - HEADER_SIZE
        sealed = header.segment_size + TAG_SIZE
        if body < TAG_SIZE:
            raise CiphertextError("the encrypted object is cut short (no complete segment)")
        segments = -(-body // sealed)
        last = body - (segments - 1) * sealed - TAG_SIZE
        if last < 0 or (last == 0 and segments > 1):
            raise CiphertextError("the encrypted object has an impossible size (cut short)")
        return cls(header, stored_size, (segments - 1) * header.segment_size + last, segments)

    def span(self, start: int, end: int) -> tuple[int, int, int]:
        """For plaintext ``[start, end)`` (non-empty, within the size): the first segment and
        the ciphertext byte range ``[from, to)`` that holds every segment it touches."""
        size = self.header.segment_size
        sealed = size + TAG_SIZE
        first, last = start // size, (end - 1) // size
        begin = HEADER_SIZE + first * sealed
        return first, begin, min(HEADER_SIZE + (last + 1) * sealed, self.stored_size)


def read_exact(raw: Readable, n: int) -> bytes:
    """Up to ``n`` bytes; fewer only at the end of the stream."""
    chunk = raw.read(n)
    if len(chunk) == n or not chunk:
        return bytes(chunk)
    parts = [chunk]
    got = len(chunk)
    while got < n:
        more = raw.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def decrypt_segments(
    raw: Readable,
    layout: Layout,
    kms: KMS | None,
    first: int,
    start: int,
    end: int,
) -> Iterator[bytes]:
    """Plaintext ``[start, end)`` from ``raw``, which is positioned at segment ``first``.

    The data key is unwrapped now (a wrong master key raises here, at the call); the chunks,
    at most one segment each, come as they are decrypted. A segment that fails
    authentication raises ``CiphertextError`` before any of its bytes are given out.
    """
    try:
        sealer = _unwrap(layout.header, kms)
    except BaseException:
        raw.close()
        raise
    return _segments(raw, layout, sealer, first, start, end)


def _segments(
    raw: Readable, layout: Layout, sealer: _Sealer, first: int, start: int, end: int
) -> Iterator[bytes]:
    size = layout.header.segment_size
    index = first
    pos = first * size
    try:
        while pos < end:
            data = read_exact(raw, size + TAG_SIZE)
            plain = sealer.open(index, data, final=index == layout.segments - 1)
            lo, hi = max(start - pos, 0), min(end - pos, len(plain))
            if hi > lo:
                yield plain[lo:hi]
            if not plain:
                break
            pos += len(plain)
            index += 1
    finally:
        raw.close()


class _Closing(abc.ABC):
    """Readers are context managers, like the file objects they stand for."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Prefixed(_Closing):
    """A plain object whose first bytes were already read to look for a header."""

    def __init__(self, head: bytes, raw: Readable) -> None:
        self._head = head
        self._raw = raw

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            if size < 0:
                out, self._head = self._head + self._raw.read(), b""
                return out
            out, self._head = self._head[:size], self._head[size:]
            return out
        return self._raw.read(size)

    def close(self) -> None:
        self._raw.close()


class DecryptingReader(_Closing):
    """The plaintext of an encrypted object, read segment by segment (one segment ahead)."""

    def __init__(self, raw: Readable, header: Header, kms: KMS | None) -> None:
        self._sealer = _unwrap(header, kms)
        self._raw = raw
        self._sealed = header.segment_size + TAG_SIZE
        self._index = 0
        self._ahead: bytes | None = None
        self._done = False
        self._plain = b""
        self._offset = 0

    def _next_segment(self) -> bytes:
        data = self._ahead if self._ahead is not None else read_exact(self._raw, self._sealed)
        self._ahead = None
        final = True
        if len(data) == self._sealed:
            following = read_exact(self._raw, self._sealed)
            if following:
                final = False
                self._ahead = following
        plain = self._sealer.open(self._index, data, final)
        self._index += 1
        self._done = final
        return plain

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            parts = [self._plain[self._offset :]]
            while not self._done:
                parts.append(self._next_segment())
            self._plain, self._offset = b"", 0
            return b"".join(parts)
        while self._offset >= len(self._plain) and not self._done:
            self._plain, self._offset = self._next_segment(), 0
        out = self._plain[self._offset : self._offset + size]
        self._offset += len(out)
        return out

    def close(self) -> None:
        self._raw.close()


def open_plain(raw: Readable, kms: KMS | None) -> tuple[Readable, Header | None]:
    """The plaintext stream of a stored object, whether it is encrypted or not."""
    head = read_exact(raw, HEADER_SIZE)
    try:
        header = parse_header(head)
        if header is None:
            return _Prefixed(head, raw), None
        return DecryptingReader(raw, header, kms), header
    except BaseException:
        raw.close()
        raise
