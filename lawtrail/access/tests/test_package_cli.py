"""``lawtrail package build|verify`` (第二十条): exit 0 fine, 1 does not verify, 2 bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawtrail.access.tests.package_fixtures import (  # noqa: F401
    RECIPIENT,
    Case,
    case_fixture,
    flip,
    rewrite,
    signing_key_fixture,
)
from lawtrail.cli import main
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401
from lawtrail.ledger.models import Event


def build_argv(case: Case, out: Path, *ids: int) -> list[str]:
    return [
        "package",
        "build",
        *[arg for pk in ids for arg in ("--evidence", str(pk))],
        "--recipient",
        RECIPIENT.name,
        "--organisation",
        RECIPIENT.organisation,
        "--request-number",
        RECIPIENT.request_number,
        "--originals",
        "--out",
        str(out),
        "--as",
        case.province.head_a.user.get_username(),
    ]


def test_build_then_verify(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "copy.zip"
    assert main(build_argv(case, out, case.photo.pk)) == 0
    assert "复制材料包" in capsys.readouterr().out  # "package … written to …", in zh-hans
    assert Event.objects.filter(action="package.built", actor="head_a").count() == 1

    assert main(["package", "verify", str(out)]) == 0
    assert "VERIFIED." in capsys.readouterr().out

    def change(members: dict[str, bytes]) -> None:
        name = next(n for n in members if n.startswith("originals/"))
        members[name] = flip(members[name])

    tampered = rewrite(out, tmp_path / "tampered.zip", change)
    assert main(["package", "verify", str(tampered)]) == 1
    assert "VERIFICATION FAILED" in capsys.readouterr().out


def test_build_of_unknown_evidence_exits_2_and_writes_nothing(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = Event.objects.count()
    out = tmp_path / "copy.zip"
    assert main(build_argv(case, out, 424242)) == 2
    assert "424242" in capsys.readouterr().err
    assert not out.exists() and Event.objects.count() == before
