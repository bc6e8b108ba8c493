"""``lawtrail archive create MATTER_NUMBER`` (issue 8 §5; 第十八条): the package's folder on the
last line; exit 1 with every unmet condition when the case file is not ready; 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import bagit
import pytest

from lawtrail.archive.models import ArchivePackage
from lawtrail.archive.tests import archive_fixtures
from lawtrail.archive.tests.archive_fixtures import counts, custodian, walk
from lawtrail.cli import main
from lawtrail.evidence.tests import fixtures as evidence_fixtures
from lawtrail.evidence.tests.media import Media
from lawtrail.testing import Province

archive_home = archive_fixtures.archive_home
evidence_home = evidence_fixtures.evidence_home
media = evidence_fixtures.media
pytestmark = pytest.mark.django_db


def test_create_prints_the_package_folder_on_its_last_line(
    province: Province, media: Media, archive_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    walked = walk(province, media)
    custodian(province)
    assert main(["archive", "create", walked.matter.number, "--as", "custodian_a"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    path = Path(out[-1])
    package = ArchivePackage.objects.get(matter=walked.matter)
    assert path.is_absolute() and path.name == package.archive_number
    bagit.Bag(str(path)).validate(fast=False)
    assert any(package.archive_number in line for line in out[:-1])


def test_create_refuses_an_incomplete_matter_with_exit_1_listing_every_unmet(
    province: Province, media: Media, archive_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    walked = walk(province, media, skip=("filing_report",), extra=("hearing_notice",))
    custodian(province)
    before = counts()
    assert main(["archive", "create", walked.matter.number, "--as", "custodian_a"]) == 1
    err = capsys.readouterr().err
    assert "archive.record.filing_report" in err and "archive.record_served" in err
    assert "第十六条" in err and "第十三条(五)" in err
    assert counts() == before


def test_create_as_json(
    province: Province, media: Media, archive_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    walked = walk(province, media)
    custodian(province)
    assert main(["archive", "create", walked.matter.number, "--as", "custodian_a", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    package = ArchivePackage.objects.get(matter=walked.matter)
    assert data["archive_number"] == package.archive_number
    assert Path(data["path"]).is_dir() and data["references"] == 0
    assert data["checks"] == {
        "authenticity": True,
        "integrity": True,
        "security": True,
        "usability": True,
    }


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["archive", "create", "不存在-1", "--as", "custodian_a"], "不存在-1"),
        (["archive", "create", "{number}"], "--as"),
        (["archive", "create", "{number}", "--as", "nobody"], "nobody"),
        (["archive", "create", "{number}", "--as", "officer_a"], ""),
        (
            ["archive", "create", "{number}", "--agency", "999999", "--as", "custodian_a"],
            "{number}",
        ),
    ],
)
def test_create_with_bad_input_exits_2_and_writes_nothing(
    province: Province,
    media: Media,
    archive_home: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    says: str,
) -> None:
    walked = walk(province, media)
    custodian(province)
    before = counts()
    number = walked.matter.number
    assert main([a.replace("{number}", number) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lawtrail: ") and says.replace("{number}", number) in err
    assert counts() == before
