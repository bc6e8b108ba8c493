"""The master key and the wrapping of per-object data keys (issue 6 §4).

Every encrypted object has its own random data key; the data key is stored in the object's
header *wrapped* (AES key wrap, RFC 3394) under a master key that never enters the database or
the store. This module is the small KMS interface: a ``KeyRing`` wraps with its current key and
unwraps with whichever of its keys an object names by its key id, so the master key can be
rotated (docs/decisions/0015-encryption-at-rest.md) and another KMS (an HSM, a cloud KMS) can
take its place behind the same two methods.

Where the master key comes from, in this order (both at once is refused):

- ``LAWTRAIL_MASTER_KEY``: base64 of 32 bytes; several comma-separated keys after a rotation,
  the current one first;
- ``LAWTRAIL_MASTER_KEY_FILE``: a file readable by its owner only (0600 or 0400) with one
  base64 key a line, the current one first (``lawtrail keys init`` / ``lawtrail keys rotate``).

Neither set: no key ring, objects are stored as they are (``store_encrypts()`` is False).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from lawtrail.storage.errors import StoreError

__all__ = [
    "KEY_ID_SIZE",
    "KMS",
    "WRAPPED_SIZE",
    "KeyRing",
    "MasterKey",
    "MasterKeyConfigError",
    "MasterKeyError",
    "WrapError",
    "configured_keyring",
    "create_key_file",
    "load_keyring",
    "rotate_key_file",
]

KEY_SIZE = 32
KEY_ID_SIZE = 8
#: AES key wrap of a 32-byte data key: 40 bytes.
WRAPPED_SIZE = KEY_SIZE + 8
ENV_KEY = "LAWTRAIL_MASTER_KEY"
ENV_FILE = "LAWTRAIL_MASTER_KEY_FILE"


class MasterKeyConfigError(ValueError):
    """The master key settings cannot be used; the message says why."""


class MasterKeyError(StoreError):
    """An object cannot be decrypted with the configured master key(s)."""


class WrapError(MasterKeyError):
    """A wrapped data key that does not unwrap: the object's header was altered."""


class KMS(Protocol):
    """What the stores need from a key management service."""

    def wrap(self, data_key: bytes) -> tuple[bytes, bytes]:
        """``(key_id, wrapped)`` of ``data_key`` under the current master key."""
        ...

    def unwrap(self, key_id: bytes, wrapped: bytes) -> bytes:
        """The data key; raises ``MasterKeyError`` for an unknown key id or a bad wrap."""
        ...


def key_id_of(key: bytes) -> bytes:
    """A public name of a master key: 8 bytes of a SHA-256 over it (reveals nothing usable)."""
    return hashlib.sha256(b"lawtrail master key id\x00" + key).digest()[:KEY_ID_SIZE]


@dataclass(frozen=True)
class MasterKey:
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) != KEY_SIZE:
            raise MasterKeyConfigError(f"a master key is {KEY_SIZE} bytes, not {len(self.key)}")

    @property
    def key_id(self) -> bytes:
        return key_id_of(self.key)


class KeyRing:
    """Master keys held in memory: the first wraps new data keys, all of them unwrap."""

    def __init__(self, keys: list[MasterKey], *, source: str = "") -> None:
        if not keys:
            raise MasterKeyConfigError("a key ring needs at least one master key")
        self.keys = keys
        self.source = source
        self._by_id = {k.key_id: k for k in keys}

    def __repr__(self) -> str:
        return f"KeyRing(current={self.current_id.hex()}, keys={len(self.keys)})"

    @property
    def current_id(self) -> bytes:
        return self.keys[0].key_id

    def key_ids(self) -> list[str]:
        return [k.key_id.hex() for k in self.keys]

    def wrap(self, data_key: bytes) -> tuple[bytes, bytes]:
        current = self.keys[0]
        return current.key_id, aes_key_wrap(current.key, data_key)

    def unwrap(self, key_id: bytes, wrapped: bytes) -> bytes:
        master = self._by_id.get(key_id)
        if master is None:
            raise MasterKeyError(
                f"the object was encrypted under master key {key_id.hex()}, which is not "
                f"configured (configured: {', '.join(self.key_ids())}); set {ENV_FILE} or "
                f"{ENV_KEY} to the key it was written with"
            )
        try:
            return aes_key_unwrap(master.key, wrapped)
        except InvalidUnwrap:
            raise WrapError(
                f"the data key of the object does not unwrap under master key {key_id.hex()}: "
                "its header was altered"
            ) from None


def _decode(text: str, where: str) -> MasterKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyConfigError(f"{where} is not base64") from None
    if len(raw) != KEY_SIZE:
        raise MasterKeyConfigError(
            f"{where} decodes to {len(raw)} bytes; a master key is {KEY_SIZE} bytes "
            "(create one with `lawtrail keys init`)"
        )
    return MasterKey(raw)


def _read_key_file(path: Path) -> list[MasterKey]:
    try:
        info = path.stat()
    except FileNotFoundError:
        raise MasterKeyConfigError(
            f"{ENV_FILE}={str(path)!r} does not exist (create it with `lawtrail keys init`)"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise MasterKeyConfigError(f"{ENV_FILE}={str(path)!r} is not a regular file")
    if info.st_mode & 0o077:
        raise MasterKeyConfigError(
            f"{ENV_FILE}={str(path)!r} is readable by others (mode "
            f"{stat.S_IMODE(info.st_mode):o}); chmod 600 it"
        )
    lines = [
        line.strip()
        for line in path.read_text(encoding="ascii", errors="replace").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise MasterKeyConfigError(f"{ENV_FILE}={str(path)!r} holds no key")
    return [_decode(line, f"line {i + 1} of {path}") for i, line in enumerate(lines)]


def load_keyring(env: Mapping[str, str] | None = None) -> KeyRing | None:
    """The key ring the environment configures, None if none; ``MasterKeyConfigError`` else."""
    env = os.environ if env is None else env
    inline = env.get(ENV_KEY, "")
    file = env.get(ENV_FILE, "")
    if inline and file:
        raise MasterKeyConfigError(f"set {ENV_KEY} or {ENV_FILE}, not both")
    if inline:
        parts = [p for p in inline.split(",") if p.strip()]
        keys = [_decode(p, f"{ENV_KEY} (key {i + 1})") for i, p in enumerate(parts)]
        return KeyRing(keys, source=ENV_KEY)
    if file:
        path = Path(file).expanduser()
        if not path.is_absolute():
            raise MasterKeyConfigError(f"{ENV_FILE} must be an absolute path, not {file!r}")
        return KeyRing(_read_key_file(path), source=str(path))
    return None


@functools.cache
def configured_keyring() -> KeyRing | None:
    """The key ring of this process's environment (read once)."""
    return load_keyring()


def _new_key_line() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_SIZE)).decode("ascii")


def _write_private(path: Path, text: str, *, exclusive: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


_HEADER = (
    "# lawtrail master key(s): base64, the current key first. Without it encrypted evidence\n"
    '# cannot be read. Keep a copy offline (docs/operations.md, "The master key").\n'
)


def create_key_file(path: Path) -> bytes:
    """Write a new master key file (0600); refuses to replace one. Returns the key id."""
    line = _new_key_line()
    try:
        _write_private(path, _HEADER + line + "\n", exclusive=True)
    except FileExistsError:
        raise MasterKeyConfigError(f"{path} exists already; it is never overwritten") from None
    return _decode(line, str(path)).key_id


def rotate_key_file(path: Path) -> bytes:
    """Put a new current key on top of the file; the old keys stay for reading old objects."""
    old = _read_key_file(path)
    line = _new_key_line()
    old_lines = [base64.b64encode(k.key).decode("ascii") for k in old]
    tmp = path.with_name(path.name + ".new")
    _write_private(tmp, _HEADER + "\n".join([line, *old_lines]) + "\n", exclusive=False)
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return _decode(line, str(path)).key_id
