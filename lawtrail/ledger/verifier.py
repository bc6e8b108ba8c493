"""Standalone offline verifier for LawTrail ledger proofs.

This single file needs only Python 3.11+ and the ``cryptography`` package; copy it anywhere.

Usage::

    python verifier.py bundle.json --key verifier-key.txt [--key more-keys.txt] [--origin O]

The key file holds one C2SP verifier key per line (``<name>+<hex id>+<base64 key>``; blank
lines and lines starting with ``#`` are ignored). The bundle is a JSON object::

    {"checkpoint": "<signed checkpoint note>",
     "event": "<base64 canonical event bytes>", "index": 12,
     "inclusion_proof": ["<base64 hash>", ...],
     "old_checkpoint": "<signed checkpoint note>", "consistency_proof": ["<base64>", ...]}

"checkpoint" is required, with the event trio, the old-checkpoint pair, or both.

What is checked:

1. ``checkpoint`` is a C2SP signed note (c2sp.org/signed-note) carrying at least one valid
   Ed25519 signature by a key from the key files, and no invalid signature by such a key
   (signatures by other keys are listed but not relied on). Its text is a C2SP tlog
   checkpoint: origin, tree size, base64 SHA-256 root hash. With ``--origin`` the origin must
   match.
2. Inclusion: the leaf hash SHA-256(0x00 || event bytes) sits at position ``index`` of the
   tree whose root the checkpoint signs, by the RFC 6962 / RFC 9162 §2.1.3.2 algorithm. So
   the event bytes are exactly what the log recorded at that position.
3. Consistency: ``old_checkpoint`` is signed as in 1, has the same origin, and the RFC 9162
   §2.1.4.2 proof shows the new tree is the old tree with entries appended, nothing changed.

Exit status: 0 all checks passed; 1 a check failed (the reason is printed); 2 the command
line, key file or bundle could not be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EMPTY_ROOT = hashlib.sha256(b"").digest()
MAX_SIZE = (1 << 64) - 1
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class VerificationError(Exception):
    """A signature, checkpoint or proof does not verify."""


class InputError(Exception):
    """The command line, a key file or the bundle is unusable."""


def _b64(text: str, what: str, error: type[Exception] = VerificationError) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise error(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode() != text:  # one encoding per value
        raise error(f"{what} is not canonical base64")
    return raw


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _check(cond: bool, message: str) -> None:
    if not cond:
        raise VerificationError(message)


def _decomp(index: int, size: int) -> tuple[int, int]:
    inner = (index ^ (size - 1)).bit_length()
    return inner, (index >> inner).bit_count()


def _chain(seed: bytes, proof: Sequence[bytes], index: int, right_only: bool = False) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1:
            seed = _node(h, seed)
        elif not right_only:
            seed = _node(seed, h)
    return seed


def _border(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = _node(h, seed)
    return seed


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises VerificationError."""
    _check(0 < tree_size <= MAX_SIZE, f"tree size {tree_size} is not in 1..2^64-1")
    _check(0 <= leaf_index < tree_size, f"index {leaf_index} is not below size {tree_size}")
    _check(len(leaf_hash) == 32, "leaf hash is not 32 bytes")
    inner, border = _decomp(leaf_index, tree_size)
    _check(len(proof) == inner + border, f"inclusion proof needs {inner + border} hashes")
    _check(all(len(h) == 32 for h in proof), "a proof hash is not 32 bytes")
    calc = _border(_chain(leaf_hash, proof[:inner], leaf_index), proof[inner:])
    _check(hmac.compare_digest(calc, root), "inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2 for 0 < size1 <= size2; raises VerificationError."""
    _check(0 < size1 <= size2 <= MAX_SIZE, f"sizes {size1} -> {size2} are not 0 < old <= new")
    if size1 == size2:
        _check(not proof, "equal sizes need an empty consistency proof")
        _check(hmac.compare_digest(root1, root2), "equal sizes but different roots")
        return
    _check(bool(proof), "consistency proof is empty")
    _check(all(len(h) == 32 for h in proof) and len(root1) == 32, "a hash is not 32 bytes")
    inner, border = _decomp(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    seed, start = (root1, 0) if size1 == 1 << shift else (proof[0], 1)
    _check(len(proof) == start + inner + border, "consistency proof has the wrong length")
    rest, mask = proof[start:], (size1 - 1) >> shift
    hash1 = _border(_chain(seed, rest[:inner], mask, right_only=True), rest[inner:])
    _check(hmac.compare_digest(hash1, root1), "consistency proof does not match the old root")
    hash2 = _border(_chain(seed, rest[:inner], mask), rest[inner:])
    _check(hmac.compare_digest(hash2, root2), "consistency proof does not match the new root")


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def parse_verifier_key(vkey: str) -> tuple[str, int, Ed25519PublicKey]:
    """``<name>+<hex id>+<base64(0x01 || key)>`` -> (name, key id, public key)."""
    name, _, rest = vkey.partition("+")
    hex_id, _, key64 = rest.partition("+")
    if not _valid_name(name) or not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id):
        raise InputError(f"malformed verifier key {vkey!r}")
    raw = _b64(key64, "verifier key", InputError)
    if len(raw) != 33 or raw[0] != 1:
        raise InputError(f"verifier key for {name} is not an Ed25519 key")
    kid = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if int(hex_id, 16) != int.from_bytes(kid, "big"):
        raise InputError(f"verifier key ID {hex_id} does not match key {name}")
    return name, int(hex_id, 16), Ed25519PublicKey.from_public_bytes(raw[1:])


Keys = dict[tuple[str, int], Ed25519PublicKey]


def open_note(note: str, keys: Keys) -> tuple[str, list[str]]:
    """Verify a C2SP signed note; return its text and the names of known keys that signed."""
    try:
        note.encode()
    except UnicodeEncodeError:
        raise VerificationError("note is not valid Unicode text") from None
    _check(not _CONTROL.search(note) and note.endswith("\n"), "note has bad characters or end")
    split = note.rfind("\n\n")
    _check(split >= 0 and len(note) > split + 2, "note has no signature block")
    text, lines = note[: split + 1], note[split + 2 : -1].split("\n")
    _check(len(lines) <= 100, "note has too many signatures")
    names: list[str] = []
    seen: set[tuple[str, int]] = set()
    for line in lines:
        name, _, b64 = line.removeprefix("— ").partition(" ")
        _check(line.startswith("— ") and _valid_name(name), f"bad signature line {line[:60]!r}")
        raw = _b64(b64, f"signature by {name}")
        _check(len(raw) >= 5, f"signature by {name} is too short")
        kid = (name, int.from_bytes(raw[:4], "big"))
        key = keys.get(kid)
        if key is None or kid in seen:  # unknown keys are not relied on; repeats are ignored
            continue
        seen.add(kid)
        try:
            key.verify(raw[4:], text.encode())
        except InvalidSignature:
            raise VerificationError(f"signature by trusted key {name} is INVALID") from None
        names.append(name)
    _check(bool(names), "note is not signed by any trusted key")
    return text, names


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    """C2SP tlog checkpoint text -> (origin, size, root hash)."""
    lines = text[:-1].split("\n")
    _check(len(lines) >= 3 and all(lines), "checkpoint text is malformed")
    _check(re.fullmatch(r"0|[1-9][0-9]{0,19}", lines[1]) is not None, "bad checkpoint size")
    root = _b64(lines[2], "checkpoint root hash")
    _check(len(root) == 32 and int(lines[1]) <= MAX_SIZE, "bad checkpoint root or size")
    return lines[0], int(lines[1]), root


def open_checkpoint(note: str, keys: Keys, what: str) -> tuple[str, int, bytes, list[str]]:
    """Verify a signed checkpoint: (origin, size, root hash, signer names)."""
    try:
        text, names = open_note(note, keys)
        return (*parse_checkpoint(text), names)
    except VerificationError as exc:
        raise VerificationError(f"the {what} is not valid: {exc}") from None


def _field(bundle: dict[str, Any], key: str, kind: type) -> Any:
    value = bundle.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f'bundle field "{key}" is missing or not a {kind.__name__}')
    return value


def _hashes(bundle: dict[str, Any], key: str) -> list[bytes]:
    items = _field(bundle, key, list)
    if not all(isinstance(h, str) for h in items):
        raise InputError(f'bundle field "{key}" must be a list of base64 strings')
    return [_b64(h, f"{key} element", InputError) for h in items]


def run(bundle: dict[str, Any], keys: Keys, origin: str | None) -> list[str]:
    """Do every check the bundle asks for; return the findings as sentences."""
    note = _field(bundle, "checkpoint", str)
    has_event, has_old = "event" in bundle, "old_checkpoint" in bundle
    if not has_event and not has_old:
        raise InputError('bundle needs "event" or "old_checkpoint" (or both)')
    event = _b64(_field(bundle, "event", str), "event", InputError) if has_event else b""
    index = _field(bundle, "index", int) if has_event else 0
    incl = _hashes(bundle, "inclusion_proof") if has_event else []
    old_note = _field(bundle, "old_checkpoint", str) if has_old else ""
    cons = _hashes(bundle, "consistency_proof") if has_old else []

    log, size, root, signers = open_checkpoint(note, keys, "checkpoint")
    _check(origin is None or log == origin, f"checkpoint origin {log!r} is not {origin!r}")
    out = [
        f"The checkpoint of log {log!r} at tree size {size} (root {root.hex()}) "
        f"is validly signed by: {', '.join(signers)}."
    ]
    if has_event:
        leaf = hashlib.sha256(b"\x00" + event).digest()
        try:
            verify_inclusion(index, size, leaf, incl, root)
        except VerificationError as exc:
            raise VerificationError(f"event is NOT proven at index {index}: {exc}") from None
        out.append(
            f"The event ({len(event)} bytes, leaf hash {leaf.hex()}) is entry {index} of that tree."
        )
    if has_old:
        old_log, old_size, old_root, _ = open_checkpoint(old_note, keys, "old checkpoint")
        _check(old_log == log, f"old checkpoint is for another log ({old_log!r})")
        try:
            if old_size == 0:  # every tree extends the empty tree
                _check(old_root == EMPTY_ROOT and not cons, "bad empty old checkpoint")
            else:
                verify_consistency(old_size, size, cons, old_root, root)
        except VerificationError as exc:
            raise VerificationError(f"log is NOT proven append-only: {exc}") from None
        out.append(
            f"The tree at size {size} extends the signed tree at size {old_size} "
            "without changing any earlier entry."
        )
    return out


def load_keys(paths: Sequence[str]) -> Keys:
    keys: Keys = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read key file {path}: {exc}") from None
        for line in lines:
            if line.strip() and not line.lstrip().startswith("#"):
                name, kid, key = parse_verifier_key(line.strip())
                keys[(name, kid)] = key
    if not keys:
        raise InputError("the key files contain no verifier key")
    return keys


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a LawTrail ledger proof bundle.")
    parser.add_argument("bundle", help="bundle JSON file")
    parser.add_argument("--key", action="append", required=True, help="verifier key file")
    parser.add_argument("--origin", help="require this checkpoint origin")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the reason
        return 0 if exc.code == 0 else 2
    try:
        keys = load_keys(args.key)
        try:
            with open(args.bundle, encoding="utf-8") as fh:
                bundle = json.load(fh)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read bundle {args.bundle} as JSON: {exc}") from None
        if not isinstance(bundle, dict):
            raise InputError("the bundle must be a JSON object")
        findings = run(bundle, keys, args.origin)
    except InputError as exc:
        print(f"Cannot verify: {exc}", file=sys.stderr)
        return 2
    except VerificationError as exc:
        print(f"VERIFICATION FAILED: {exc}")
        return 1
    print("VERIFIED. " + " ".join(findings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
