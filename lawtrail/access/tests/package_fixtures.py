"""Shared set-up of the copy-package tests: a real video and photo, bound to a matter, a ledger
signing key of the test's own, and the standalone verifier run as a plain Python process."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lawtrail.access.packages import PackageResult, Recipient, build_package
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.tests.fixtures import ingest
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province

RECIPIENT = Recipient("李法官", "西安市新城区人民法院", "新卫复〔2026〕7号")
RECORDED = {
    "recorded_from": "2026-11-20T09:00:00+08:00",
    "recorded_to": "2026-11-20T09:10:00+08:00",
}


@dataclass
class Case:
    province: Province
    matter: Matter
    video: Evidence
    photo: Evidence
    media: Media


@pytest.fixture(name="signing_key")
def signing_key_fixture(settings: Any, evidence_home: Path) -> None:
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    checkpoints.ensure_signing_key()


@pytest.fixture(name="case")
def case_fixture(province: Province, media: Media, signing_key: None) -> Case:
    matter = open_matter(province)
    user = province.officer_a.user
    video = ingest(user, media.video, matter=matter.number, **RECORDED).evidence
    photo = ingest(user, media.photo, matter=matter.number).evidence
    return Case(province, matter, video, photo, media)


def build(case: Case, out: Path, *, originals: bool = True) -> PackageResult:
    return build_package(
        case.province.officer_a.user,
        [case.video.pk, case.photo.pk],
        RECIPIENT,
        originals,
        out,
    )


VERIFIER = Path(__file__).resolve().parents[2] / "ledger" / "package_verifier.py"


def run_verifier(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python3 -I verify_package.py PACKAGE``, with the script taken out of the package and
    run by an isolated interpreter: no Django, no lawtrail, no site-packages on its path."""
    script = package.parent / f"{package.stem}-verify_package.py"
    with zipfile.ZipFile(package) as zf:
        script.write_bytes(zf.read("verify_package.py"))
    assert script.read_bytes() == VERIFIER.read_bytes()
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    return subprocess.run(
        [python, "-I", "-S", str(script), str(package), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=package.parent,
    )


def rewrite(package: Path, out: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    """A copy of ``package`` whose members ``change`` has edited (as a tamperer would do it,
    with valid zip checksums)."""
    with zipfile.ZipFile(package) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    change(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    out.write_bytes(buffer.getvalue())
    return out


def flip(data: bytes, at: int | None = None) -> bytes:
    index = len(data) // 2 if at is None else at
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]
