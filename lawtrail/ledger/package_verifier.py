"""Standalone verifier of a LawTrail copy package (第二十条: copies for courts and 复议机关).

One file, Python 3.11+ standard library only (no ``cryptography``, no Django): SHA-256 from
hashlib, SM3 from hashlib when OpenSSL offers it or else the pure-Python code below, Ed25519
verification by the reference algorithm of RFC 8032 §6. It is shipped inside every package as
``verify_package.py``; run it with

    python3 verify_package.py PACKAGE.zip [--key verifier-key.txt]

What is checked, each on its own line:

1. ``manifest.json`` is in its exact canonical form, and every file of the package is listed in
   it (no file missing, none extra) with the size, SHA-256 and SM3 the bytes really have.
2. The signed checkpoint (``ledger/checkpoint.txt``, a C2SP signed note) carries a valid Ed25519
   signature by the log's verifier key: the one given with ``--key`` (obtained from the agency
   through a channel you trust) or, without it, the one in the package (then say so).
3. Every ledger event in ``ledger/events/`` is, byte for byte, the entry its proof names in the
   tree the checkpoint signs (RFC 9162 §2.1.3.2 inclusion proof).
4. The ``package.built`` event names this package and the SHA-256 of the manifest's content
   part, so the list of files, their digests and the recipient are what the agency recorded.
5. Every original's digests and size equal those of its ``evidence.stored`` event: the bytes
   are the bytes received at ingest.

Exit status: 0 everything verified; 1 something failed (each failure is printed); 2 the
command line was unusable.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import re
import struct
import sys
import zipfile
from collections.abc import Sequence
from typing import Any

FORMAT = "lawtrail-package/1"
MANIFEST = "manifest.json"
CHECKPOINT = "ledger/checkpoint.txt"
KEY = "ledger/verifier-key.txt"
EVENTS = "ledger/events/"
PROOFS = "ledger/proofs/"
CHUNK = 1 << 20
MAX_SIZE = (1 << 64) - 1
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


class Failed(Exception):
    """One check failed; the message says which and why."""


# ------------------------------------------------------------------------------ SM3 (GB/T 32905)

_M = 0xFFFFFFFF
_SM3_IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D)
_SM3_IV8 = (*_SM3_IV, 0xB0FB0E4E)


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _M


def _p0(x: int) -> int:
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x: int) -> int:
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


class PureSM3:
    """SM3 in plain Python, for interpreters whose OpenSSL lacks it (slow, but correct)."""

    def __init__(self) -> None:
        self._v = list(_SM3_IV8)
        self._buffer = b""
        self._length = 0

    def update(self, data: bytes) -> None:
        self._length += len(data)
        data = self._buffer + data
        end = len(data) - len(data) % 64
        for offset in range(0, end, 64):
            self._compress(data[offset : offset + 64])
        self._buffer = data[end:]

    def _compress(self, block: bytes) -> None:
        w = list(struct.unpack(">16I", block))
        for j in range(16, 68):
            w.append(
                _p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6]
            )
        a, b, c, d, e, f, g, h = self._v
        for j in range(64):
            t = 0x79CC4519 if j < 16 else 0x7A879D8A
            a12 = _rotl(a, 12)
            ss1 = _rotl((a12 + e + _rotl(t, j)) & _M, 7)
            ss2 = ss1 ^ a12
            if j < 16:
                ff, gg = a ^ b ^ c, e ^ f ^ g
            else:
                ff, gg = (a & b) | (a & c) | (b & c), (e & f) | (~e & g)
            tt1 = (ff + d + ss2 + (w[j] ^ w[j + 4])) & _M
            tt2 = (gg + h + ss1 + w[j]) & _M
            a, b, c, d = tt1, a, _rotl(b, 9), c
            e, f, g, h = _p0(tt2), e, _rotl(f, 19), g
        self._v = [x ^ y for x, y in zip((a, b, c, d, e, f, g, h), self._v, strict=True)]

    def hexdigest(self) -> str:
        saved = (list(self._v), self._buffer, self._length)
        tail = self._buffer + b"\x80" + b"\x00" * ((55 - len(self._buffer)) % 64)
        tail += struct.pack(">Q", self._length * 8)
        for offset in range(0, len(tail), 64):
            self._compress(tail[offset : offset + 64])
        out = struct.pack(">8I", *self._v).hex()
        self._v, self._buffer, self._length = saved
        return out


def sm3() -> Any:
    try:
        return hashlib.new("sm3")
    except ValueError:
        return PureSM3()


# ------------------------------------------------------------------ Ed25519 (RFC 8032 §6)

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
Point = tuple[int, int, int, int]


def _add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _mul(s: int, p: Point) -> Point:
    q: Point = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _add(q, p)
        p = _add(p, p)
        s >>= 1
    return q


def _same(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    return _P - x if (x & 1) != sign else x


def _decompress(raw: bytes) -> Point | None:
    y = int.from_bytes(raw, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_G = _decompress(_GY.to_bytes(32, "little"))


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 §5.1.7 (cofactorless, as the reference code); True when the signature holds."""
    if len(public) != 32 or len(signature) != 64 or _G is None:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little")
    return _same(_mul(s, _G), _add(r, _mul(h % _L, a)))


# ------------------------------------------------------------- signed notes and proofs


def _b64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failed(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode() != text:
        raise Failed(f"{what} is not canonical base64")
    return raw


def parse_key(vkey: str) -> tuple[str, int, bytes]:
    """C2SP verifier key ``<name>+<hex id>+<base64(0x01 || key)>`` -> (name, id, key)."""
    name, _, rest = vkey.strip().partition("+")
    hex_id, _, key64 = rest.partition("+")
    if not name or any(c.isspace() for c in name) or not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise Failed(f"malformed verifier key {vkey.strip()[:80]!r}")
    raw = _b64(key64, "verifier key")
    if len(raw) != 33 or raw[0] != 1:
        raise Failed(f"verifier key of {name} is not an Ed25519 key")
    kid = int.from_bytes(hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4], "big")
    if kid != int(hex_id, 16):
        raise Failed(f"verifier key ID {hex_id} does not match the key of {name}")
    return name, kid, raw[1:]


def open_checkpoint(note: str, key: tuple[str, int, bytes]) -> tuple[str, int, bytes]:
    """Check the note's signature by ``key``; return (origin, tree size, root hash)."""
    if _CONTROL.search(note) or not note.endswith("\n"):
        raise Failed("the checkpoint note has bad characters or does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise Failed("the checkpoint note has no signature")
    text, lines = note[: split + 1], note[split + 2 : -1].split("\n")
    name, kid, public = key
    signed = False
    for line in lines:
        signer, _, sig64 = line.removeprefix("— ").partition(" ")
        if not line.startswith("— "):
            raise Failed(f"bad signature line {line[:60]!r}")
        raw = _b64(sig64, f"signature by {signer}")
        if signer != name or len(raw) < 4 or int.from_bytes(raw[:4], "big") != kid:
            continue  # a witness or another key: not relied on
        if not ed25519_verify(public, text.encode(), raw[4:]):
            raise Failed(f"the checkpoint signature by {name} is INVALID")
        signed = True
    if not signed:
        raise Failed(f"the checkpoint is not signed by {name}")
    body = text[:-1].split("\n")
    if len(body) < 3 or not re.fullmatch(r"0|[1-9][0-9]{0,19}", body[1]):
        raise Failed("the checkpoint text is malformed")
    root = _b64(body[2], "checkpoint root hash")
    if len(root) != 32 or int(body[1]) > MAX_SIZE:
        raise Failed("the checkpoint root hash or size is malformed")
    return body[0], int(body[1]), root


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2; raises Failed."""
    if not 0 <= index < size <= MAX_SIZE:
        raise Failed(f"index {index} is not below tree size {size}")
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    if len(proof) != inner + border or any(len(h) != 32 for h in proof):
        raise Failed(f"the inclusion proof must be {inner + border} hashes of 32 bytes")
    seed = leaf
    for i, h in enumerate(proof[:inner]):
        seed = _node(h, seed) if (index >> i) & 1 else _node(seed, h)
    for h in proof[inner:]:
        seed = _node(h, seed)
    if not hmac.compare_digest(seed, root):
        raise Failed("the inclusion proof does not lead to the signed root")


# ------------------------------------------------------------------------- the package


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The one form a manifest is written in; any other bytes are a changed manifest."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def manifest_core(manifest: dict[str, Any]) -> dict[str, Any]:
    """The part the ``package.built`` event commits to: all but the attachments."""
    return {k: v for k, v in manifest.items() if k != "attachments"}


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def ok(self, line: str) -> None:
        print(f"OK    {line}")

    def fail(self, line: str) -> None:
        self.failures += 1
        print(f"FAIL  {line}")


def digest_member(zf: zipfile.ZipFile, name: str) -> tuple[int, str, str]:
    sha, s3, size = hashlib.sha256(), sm3(), 0
    with zf.open(name) as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            s3.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest(), s3.hexdigest()


def check_files(zf: zipfile.ZipFile, manifest: dict[str, Any], report: Report) -> None:
    listed: dict[str, dict[str, Any]] = {}
    for entry in [*manifest.get("files", []), *manifest.get("attachments", [])]:
        listed[str(entry.get("path"))] = entry
    present = [n for n in zf.namelist() if n != MANIFEST and not n.endswith("/")]
    if len(present) != len(set(present)):
        report.fail("the zip holds two entries of the same name")
    for name in sorted(set(present) - set(listed)):
        report.fail(f"{name}: EXTRA file, not in the manifest")
    for name in sorted(set(listed) - set(present)):
        report.fail(f"{name}: MISSING from the package")
    for name in sorted(set(listed) & set(present)):
        entry = listed[name]
        try:
            size, sha, s3 = digest_member(zf, name)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            report.fail(f"{name}: cannot be read ({exc})")
            continue
        if (size, sha, s3) != (entry.get("size"), entry.get("sha256"), entry.get("sm3")):
            report.fail(f"{name}: CHANGED (SHA-256 {sha}, SM3 {s3}, {size} bytes)")
        else:
            report.ok(f"{name}: {size} bytes, SHA-256 {sha[:16]}…, SM3 {s3[:16]}…")


def read_text(zf: zipfile.ZipFile, name: str) -> str:
    try:
        return zf.read(name).decode("utf-8")
    except KeyError:
        raise Failed(f"{name} is missing") from None
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError) as exc:
        raise Failed(f"{name} cannot be read: {exc}") from None


def check_events(
    zf: zipfile.ZipFile,
    root: bytes,
    size: int,
    report: Report,
) -> dict[int, dict[str, Any]]:
    """Prove every event against the checkpoint; return the proven ones by sequence number."""
    proven: dict[int, dict[str, Any]] = {}
    for name in sorted(n for n in zf.namelist() if n.startswith(EVENTS) and n.endswith(".json")):
        stem = name[len(EVENTS) :]
        try:
            body = zf.read(name)
            proof = json.loads(read_text(zf, PROOFS + stem))
            hashes = [_b64(h, "proof hash") for h in proof["inclusion_proof"]]
            index, tree_size = proof["index"], proof["tree_size"]
            event = json.loads(body)
            if not isinstance(event, dict) or event.get("seq") != index or tree_size != size:
                raise Failed("its sequence number, proof index and tree size disagree")
            leaf = hashlib.sha256(b"\x00" + body).digest()
            verify_inclusion(index, size, leaf, hashes, root)
        except (Failed, KeyError, TypeError, ValueError, zipfile.BadZipFile) as exc:
            report.fail(f"event {stem}: NOT proven in the signed log: {exc}")
            continue
        proven[index] = event
        report.ok(f"event #{index} {event.get('action')} is entry {index} of the signed log")
    return proven


def check_package(zf: zipfile.ZipFile, key_text: str | None, report: Report) -> None:
    raw = zf.read(MANIFEST) if MANIFEST in zf.namelist() else None
    if raw is None:
        raise Failed("manifest.json is missing")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Failed(f"manifest.json is not JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Failed(f"manifest.json is not a {FORMAT} manifest")
    if manifest_bytes(manifest) != raw:
        report.fail("manifest.json is not in its canonical form: it was edited")
    check_files(zf, manifest, report)

    packaged_key = read_text(zf, KEY).strip()
    key = parse_key(key_text if key_text is not None else packaged_key)
    origin, size, root = open_checkpoint(read_text(zf, CHECKPOINT), key)
    if origin != manifest.get("log_origin"):
        report.fail(f"the checkpoint is of log {origin!r}, not {manifest.get('log_origin')!r}")
    report.ok(f"checkpoint of log {origin} at size {size} (root {root.hex()}) signed by {key[0]}")
    if key_text is None:
        print(f"NOTE  the key came with the package; compare it with the agency's: {packaged_key}")
    proven = check_events(zf, root, size, report)

    built = [
        e
        for e in proven.values()
        if e.get("action") == "package.built"
        and e.get("payload", {}).get("package") == manifest.get("package")
    ]
    core_sha = hashlib.sha256(canonical(manifest_core(manifest))).hexdigest()
    if not built:
        report.fail("no proven package.built event names this package")
    elif built[0]["payload"].get("manifest_sha256") != core_sha:
        report.fail("the manifest's file list or recipient differs from the package.built event")
    else:
        report.ok(f"package {manifest['package']} is the one recorded in event #{built[0]['seq']}")
        for seq in built[0]["payload"].get("events", []):
            if seq not in proven:
                report.fail(f"event #{seq}, packed with this package, is missing or not proven")
    stored = {
        str(e.get("object")).removeprefix("evidence.evidence/"): e
        for e in proven.values()
        if e.get("action") == "evidence.stored"
    }
    for entry in manifest.get("files", []):
        if entry.get("role") != "original":
            continue
        event = stored.get(str(entry.get("evidence")))
        payload = event.get("payload", {}) if event else {}
        recorded = (payload.get("size"), payload.get("sha256"), payload.get("sm3"))
        if event is None:
            report.fail(f"{entry.get('path')}: no proven evidence.stored event for it")
        elif recorded != (entry.get("size"), entry.get("sha256"), entry.get("sm3")):
            report.fail(f"{entry.get('path')}: digests differ from those recorded at ingest")
        else:
            report.ok(
                f"{entry['path']} is byte for byte the original stored in event #{event['seq']}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a LawTrail copy package offline.")
    parser.add_argument("package", help="the package .zip")
    parser.add_argument("--key", help="a file holding the log's verifier key, from the agency")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    key_text = None
    if args.key:
        try:
            with open(args.key, encoding="utf-8") as fh:
                lines = [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
        except (OSError, UnicodeDecodeError) as exc:
            print(f"Cannot read the key file: {exc}", file=sys.stderr)
            return 2
        if not lines:
            print("The key file holds no verifier key.", file=sys.stderr)
            return 2
        key_text = lines[0]
    report = Report()
    try:
        with zipfile.ZipFile(args.package) as zf:
            check_package(zf, key_text, report)
    except FileNotFoundError:
        print(f"No such file: {args.package}", file=sys.stderr)
        return 2
    except (Failed, zipfile.BadZipFile, KeyError, OSError) as exc:
        report.fail(str(exc))
    except Exception as exc:  # a malformed package fails, it does not crash
        report.fail(f"the package is malformed: {exc!r}")
    if report.failures:
        print(f"VERIFICATION FAILED: {report.failures} problem(s).")
        return 1
    print("VERIFIED. Every file matches the manifest, every event is in the signed log.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
