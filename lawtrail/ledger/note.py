"""C2SP signed notes (Ed25519) and tlog checkpoints.

Signed note (c2sp.org/signed-note, golang.org/x/mod/sumdb/note)::

    <text ending in a newline>
    <blank line>
    — <key name> <base64(key ID (4 bytes, big endian) || Ed25519 signature)>
    ...

The key ID is the first four bytes of SHA-256(name || 0x0A || 0x01 || public key). Key strings:
verifier ``<name>+<8 hex id>+<base64(0x01 || public key)>``, signer
``PRIVATE+KEY+<name>+<8 hex id>+<base64(0x01 || seed)>``.

Checkpoint (c2sp.org/tlog-checkpoint) note text: origin line, decimal tree size, base64 root
hash, then optional non-empty extension lines.

Parsing is strict: base64 must be canonical, so one signature has exactly one encoding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

__all__ = [
    "MAX_SIGNATURES",
    "Checkpoint",
    "NoteError",
    "NoteSignature",
    "OpenedNote",
    "Signer",
    "Verifier",
    "add_signatures",
    "generate_key",
    "key_id",
    "open_checkpoint",
    "open_note",
    "parse_note",
    "sign_checkpoint",
    "sign_note",
]

ALG_ED25519 = 1
# Same cap as the Go implementation: bounds the work an attacker-supplied note can cause.
MAX_SIGNATURES = 100
_SIG_PREFIX = "— "
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX_ID = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A key, note or checkpoint is malformed, or its signatures do not verify."""


def _b64decode(text: str, what: str) -> bytes:
    """Decode standard base64, refusing any non-canonical encoding."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} is not canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _check_name(name: str) -> None:
    # Names sit between spaces and plus signs in note and key syntax, so neither may occur.
    if not name or "+" in name or any(c.isspace() for c in name) or _CONTROL.search(name):
        raise NoteError(f"invalid key name {name!r}: must be non-empty, no spaces or '+'")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NoteError(f"invalid key name {name!r}: not valid UTF-8") from exc


def key_id(name: str, public_key: bytes) -> int:
    """Key ID for an Ed25519 ``public_key`` (32 raw bytes) under ``name``."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key that checks note signatures."""

    name: str
    key_id: int
    public_key: Ed25519PublicKey

    @classmethod
    def from_key(cls, vkey: str) -> Verifier:
        """Parse ``<name>+<hex id>+<base64(0x01 || public key)>``."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key must be <name>+<hex id>+<base64 key>")
        name, hex_id, key64 = parts
        _check_name(name)
        if not _HEX_ID.fullmatch(hex_id):
            raise NoteError("verifier key ID must be 8 hex digits")
        raw = _b64decode(key64, "verifier key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("verifier key must be 0x01 followed by a 32-byte Ed25519 key")
        if int(hex_id, 16) != key_id(name, raw[1:]):
            raise NoteError(f"verifier key ID {hex_id} does not match name and key")
        return cls.from_public_key(name, raw[1:])

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> Verifier:
        _check_name(name)
        if len(public_key) != 32:
            raise NoteError("Ed25519 public key must be 32 bytes")
        return cls(name, key_id(name, public_key), Ed25519PublicKey.from_public_bytes(public_key))

    @property
    def key(self) -> str:
        """The verifier key string."""
        raw = bytes([ALG_ED25519]) + _raw_public(self.public_key)
        return f"{self.name}+{self.key_id:08x}+{_b64(raw)}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key that signs notes."""

    name: str
    key_id: int
    private_key: Ed25519PrivateKey

    @classmethod
    def from_key(cls, skey: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>``."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
            raise NoteError("signer key must be PRIVATE+KEY+<name>+<hex id>+<base64 key>")
        _, _, name, hex_id, key64 = parts
        _check_name(name)
        if not _HEX_ID.fullmatch(hex_id):
            raise NoteError("signer key ID must be 8 hex digits")
        raw = _b64decode(key64, "signer key")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("signer key must be 0x01 followed by a 32-byte Ed25519 seed")
        signer = cls.from_seed(name, raw[1:])
        # The ID names the public key, so it can only be checked after deriving that key.
        if int(hex_id, 16) != signer.key_id:
            raise NoteError(f"signer key ID {hex_id} does not match name and key")
        return signer

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> Signer:
        _check_name(name)
        if len(seed) != 32:
            raise NoteError("Ed25519 seed must be 32 bytes")
        private = Ed25519PrivateKey.from_private_bytes(seed)
        return cls(name, key_id(name, _raw_public(private.public_key())), private)

    @property
    def key(self) -> str:
        """The signer key string (secret)."""
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{_b64(bytes([ALG_ED25519]) + seed)}"

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.private_key.public_key())

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def __repr__(self) -> str:  # never print the private key
        return f"Signer(name={self.name!r}, key_id={self.key_id:08x})"


def generate_key(name: str) -> tuple[str, str]:
    """New Ed25519 key pair for ``name``: (signer key string, verifier key string)."""
    _check_name(name)
    seed = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    signer = Signer.from_seed(name, seed)
    return signer.key, signer.verifier.key


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key ID and the base64 of ID || signature."""

    name: str
    key_id: int
    base64: str

    @property
    def line(self) -> str:
        return f"{_SIG_PREFIX}{self.name} {self.base64}\n"

    @property
    def signature(self) -> bytes:
        return base64.b64decode(self.base64)[4:]


@dataclass(frozen=True)
class OpenedNote:
    """Result of ``open_note``: the text, the signatures that verified, and signatures by
    keys the caller did not supply (ignored, kept so they can be passed on)."""

    text: str
    signatures: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]

    @property
    def names(self) -> list[str]:
        """Names of the keys whose signatures verified."""
        return [s.name for s in self.signatures]


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if _CONTROL.search(text):
        raise NoteError("note text contains control characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NoteError("note text is not valid UTF-8") from exc


def parse_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Split a signed note into text and signature lines without verifying anything."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("note is not valid UTF-8") from exc
    _check_text(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block:
        raise NoteError("note has no signatures")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    sigs: list[NoteSignature] = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"signature line does not start with an em dash: {line[:40]!r}")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep:
            raise NoteError("signature line has no space between name and signature")
        _check_name(name)
        raw = _b64decode(b64, f"signature by {name}")
        if len(raw) < 5:
            raise NoteError(f"signature by {name} is too short")
        sigs.append(NoteSignature(name, int.from_bytes(raw[:4], "big"), b64))
    return text, sigs


def _verifier_map(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        other = known.setdefault((v.name, v.key_id), v)
        # Two different keys with one name and ID would make "which key signed" ambiguous.
        if _raw_public(other.public_key) != _raw_public(v.public_key):
            raise NoteError(f"ambiguous verifier keys for {v.name}+{v.key_id:08x}")
    return known


def open_note(note: str | bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Parse ``note`` and check its signatures against ``verifiers``.

    Raises NoteError if the note is malformed, if a signature by a known key (name and ID)
    does not verify, or if no known key signed it. Signatures by unknown keys are ignored and
    reported in ``unverified``; repeated signatures are dropped.
    """
    known = _verifier_map(verifiers)
    text, sigs = parse_note(note)
    message = text.encode("utf-8")
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen: set[tuple[str, int]] = set()
    seen_unknown: set[str] = set()
    for sig in sigs:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            if sig.line not in seen_unknown:
                seen_unknown.add(sig.line)
                unverified.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        if not v.verify(message, sig.signature):
            raise NoteError(f"invalid signature by known key {sig.name}+{sig.key_id:08x}")
        verified.append(sig)
    if not verified:
        found = ", ".join(f"{s.name}+{s.key_id:08x}" for s in unverified) or "none"
        raise NoteError(f"note has no signature by a known key (signatures found: {found})")
    return OpenedNote(text, tuple(verified), tuple(unverified))


def _sign_lines(text: str, signers: Sequence[Signer]) -> list[NoteSignature]:
    message = text.encode("utf-8")
    out = []
    for s in signers:
        _check_name(s.name)
        raw = s.key_id.to_bytes(4, "big") + s.sign(message)
        out.append(NoteSignature(s.name, s.key_id, _b64(raw)))
    return out


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Sign ``text`` (which must end in a newline) with each signer."""
    _check_text(text)
    if not signers:
        raise NoteError("at least one signer is required")
    return text + "\n" + "".join(s.line for s in _sign_lines(text, signers))


def add_signatures(
    note: str | bytes,
    signers: Sequence[Signer],
    *,
    verifiers: Iterable[Verifier] | None = None,
) -> str:
    """Add (co)signatures to an existing signed note.

    Existing lines are kept in order, except one by the same key as a new signer, which the
    new signature replaces. If ``verifiers`` is given the note must first open with them, so
    a witness never countersigns a note it has not checked.
    """
    if verifiers is not None:
        open_note(note, verifiers)
    text, existing = parse_note(note)
    new = _sign_lines(text, signers)
    replaced = {(s.name, s.key_id) for s in new}
    kept = [s for s in existing if (s.name, s.key_id) not in replaced]
    if len(kept) + len(new) > MAX_SIGNATURES:
        raise NoteError(f"note would have more than {MAX_SIGNATURES} signatures")
    return text + "\n" + "".join(s.line for s in [*kept, *new])


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog checkpoint: the note text naming a log's tree head."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, line in [("origin", self.origin), *(("extension", e) for e in self.extensions)]:
            # An empty line or embedded newline would change what the text parses back to.
            if not line or "\n" in line or _CONTROL.search(line):
                raise NoteError(f"checkpoint {what} must be a non-empty single line")
        if isinstance(self.size, bool) or not 0 <= self.size <= (1 << 64) - 1:
            raise NoteError("checkpoint size must be between 0 and 2^64-1")
        if len(self.root_hash) != 32:
            raise NoteError("checkpoint root hash must be 32 bytes")

    def to_text(self) -> str:
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text strictly."""
        if not text.endswith("\n"):
            raise NoteError("checkpoint must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("checkpoint needs origin, size and root hash lines")
        origin, size, root64, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise NoteError(f"checkpoint size {size!r} is not a plain decimal number")
        root = _b64decode(root64, "checkpoint root hash")
        return cls(origin, int(size), root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[Signer]) -> str:
    return sign_note(checkpoint.to_text(), signers)


def open_checkpoint(
    note: str | bytes, verifiers: Iterable[Verifier]
) -> tuple[Checkpoint, OpenedNote]:
    """Verify a signed checkpoint note and parse its text."""
    opened = open_note(note, verifiers)
    return Checkpoint.parse(opened.text), opened
