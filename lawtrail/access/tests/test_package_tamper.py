"""第二十六条 and issue 6 §3: tampering with any file of a copy package is detected by the
standalone verifier, run as a plain Python process."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from lawtrail.access import package_manifest as pm
from lawtrail.access.tests.package_fixtures import (  # noqa: F401
    Case,
    build,
    case_fixture,
    flip,
    rewrite,
    run_verifier,
    signing_key_fixture,
)
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401

Members = dict[str, bytes]


def first(members: Members, prefix: str, suffix: str = "") -> str:
    return next(n for n in sorted(members) if n.startswith(prefix) and n.endswith(suffix))


def flip_original(m: Members) -> None:
    name = first(m, "originals/", ".mp4")
    m[name] = flip(m[name])


def flip_working_copy(m: Members) -> None:
    name = first(m, "working/", ".jpg")
    m[name] = flip(m[name])


def flip_manifest(m: Members) -> None:
    text = m[pm.MANIFEST].decode()
    m[pm.MANIFEST] = text.replace("李法官", "王法官").encode()


def flip_manifest_digest(m: Members) -> None:
    manifest = json.loads(m[pm.MANIFEST])
    manifest["files"][0]["sha256"] = "0" * 64
    m[pm.MANIFEST] = pm.manifest_bytes(manifest)


def reformat_manifest(m: Members) -> None:
    m[pm.MANIFEST] = json.dumps(json.loads(m[pm.MANIFEST])).encode()


def flip_event(m: Members) -> None:
    name = first(m, pm.EVENTS, "evidence.stored.json")
    m[name] = m[name].replace(b'"size":', b'"size":1')


def flip_proof(m: Members) -> None:
    name = first(m, pm.PROOFS, "package.built.json")
    proof = json.loads(m[name])
    hashes = proof["inclusion_proof"]
    assert hashes, "a one-event log has nothing to tamper with"
    hashes[0] = ("B" if hashes[0][0] != "B" else "C") + hashes[0][1:]
    m[name] = json.dumps(proof).encode()


def flip_signature(m: Members) -> None:
    note = m[pm.CHECKPOINT].decode()
    line = re.search(r"^— \S+ (\S+)$", note, re.M)
    assert line is not None
    sig = line.group(1)
    changed = sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]
    m[pm.CHECKPOINT] = note.replace(sig, changed).encode()


def remove_file(m: Members) -> None:
    del m[first(m, "working/", ".mp4")]


def add_file(m: Members) -> None:
    m["working/extra.txt"] = b"not from the agency"


def drop_event(m: Members) -> None:
    """Remove an event and its proof, and mend the manifest's attachments to match."""
    name = first(m, pm.EVENTS, "evidence.acquired.json")
    proof = pm.PROOFS + name.removeprefix(pm.EVENTS)
    del m[name], m[proof]
    manifest = json.loads(m[pm.MANIFEST])
    manifest["attachments"] = [a for a in manifest["attachments"] if a["path"] not in (name, proof)]
    m[pm.MANIFEST] = pm.manifest_bytes(manifest)


def swap_readme(m: Members) -> None:
    """Change the README and mend the manifest's digests of it."""
    m[pm.README] = m[pm.README].replace(b"python3", b"python2")
    manifest = json.loads(m[pm.MANIFEST])
    entry = next(f for f in manifest["files"] if f["path"] == pm.README)
    entry["sha256"] = hashlib.sha256(m[pm.README]).hexdigest()
    entry["sm3"] = hashlib.new("sm3", m[pm.README]).hexdigest()
    m[pm.MANIFEST] = pm.manifest_bytes(manifest)


def swap_key(m: Members) -> None:
    from lawtrail.ledger import note

    _signer, other = note.generate_key("lawtrail.local/log")
    m[pm.KEY] = (other + "\n").encode()


CASES: dict[str, tuple[Callable[[Members], None], str]] = {
    "original": (flip_original, "originals/evidence-"),
    "working copy": (flip_working_copy, "CHANGED"),
    "manifest recipient": (flip_manifest, "differs from the package.built event"),
    "manifest digest": (flip_manifest_digest, "differs from the package.built event"),
    "manifest form": (reformat_manifest, "not in its canonical form"),
    "event": (flip_event, "NOT proven in the signed log"),
    "proof": (flip_proof, "NOT proven in the signed log"),
    "checkpoint signature": (flip_signature, "signature by lawtrail.local/log is INVALID"),
    "missing file": (remove_file, "MISSING"),
    "extra file": (add_file, "EXTRA"),
    "verifier key": (swap_key, "not signed by"),
    "event dropped": (drop_event, "missing or not proven"),
    "readme mended": (swap_readme, "differs from the package.built event"),
}


@pytest.fixture
def package(case: Case, tmp_path: Path) -> Path:
    built = tmp_path / "copy.zip"
    build(case, built)
    return built


def test_every_kind_of_tampering_is_caught(package: Path, tmp_path: Path) -> None:
    """One package, every tampering on its own copy (building is the slow part)."""
    assert run_verifier(package).returncode == 0
    for label, (change, reason) in CASES.items():
        tampered = rewrite(package, tmp_path / f"tampered-{label.replace(' ', '-')}.zip", change)
        result = run_verifier(tampered)
        assert result.returncode == 1, (label, result.stdout, result.stderr)
        failures = [ln for ln in result.stdout.splitlines() if ln.startswith("FAIL")]
        assert any(reason in ln for ln in failures), (label, failures)
        assert result.stdout.strip().splitlines()[-1].startswith("VERIFICATION FAILED"), label


def test_a_byte_flipped_in_the_zip_itself_is_caught(package: Path, tmp_path: Path) -> None:
    tampered = tmp_path / "raw.zip"
    shutil.copy(package, tampered)
    data = tampered.read_bytes()
    tampered.write_bytes(flip(data, len(data) // 3))

    result = run_verifier(tampered)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "VERIFICATION FAILED" in result.stdout


def test_the_failure_names_the_changed_file(package: Path, tmp_path: Path) -> None:
    tampered = rewrite(package, tmp_path / "t.zip", flip_original)
    result = run_verifier(tampered)
    [line] = [ln for ln in result.stdout.splitlines() if ln.startswith("FAIL") and "CHANGED" in ln]
    assert "originals/evidence-" in line


def test_a_missing_package_is_a_usage_error(tmp_path: Path, package: Path) -> None:
    result = run_verifier(package, "--key", str(tmp_path / "absent.txt"))
    assert result.returncode == 2
