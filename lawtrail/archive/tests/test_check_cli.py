"""``lawtrail archive check [PACKAGE] [--json] [--deep]`` (issue 8 §5; 四性检测, DA/T 70)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lawtrail.archive.models import PackageCheck
from lawtrail.archive.tests.check_fixtures import Built, archive_home, build  # noqa: F401
from lawtrail.cli import main
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.testing import Province

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(province: Province, media: Media, archive_home: Path) -> Built:  # noqa: F811
    return build(province, media)


def test_a_sound_package_by_its_archive_number_exits_0_and_records_the_checks(
    built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["archive", "check", built.package.archive_number]) == 0
    out = capsys.readouterr().out
    assert built.package.archive_number in out
    assert PackageCheck.objects.filter(package=built.package, occasion="manual").count() == 4


def test_every_package_when_none_is_named(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["archive", "check", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert [r["package"] for r in reports] == [built.package.archive_number]
    assert [r["property"] for r in reports[0]["results"]] == [
        "authenticity",
        "integrity",
        "usability",
        "security",
    ]


def test_a_damaged_package_exits_1_naming_the_property_and_the_file(
    built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    (built.path / "data" / "records" / "001-inquiry.pdf").unlink()
    assert main(["archive", "check", str(built.path)]) == 1
    captured = capsys.readouterr()
    assert "data/records/001-inquiry.pdf" in captured.out
    assert built.package.archive_number in captured.err and "integrity" in captured.err
    # the folder of a recorded package is checked as that package: rows are written
    assert PackageCheck.objects.filter(package=built.package, passed=False).exists()


def test_a_copy_outside_the_archive_is_checked_without_recording_anything(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "handed-over" / built.path.name
    shutil.copytree(built.path, copy)
    assert main(["archive", "check", str(copy), "--json", "--deep"]) == 0
    report = json.loads(capsys.readouterr().out)[0]
    assert report["recorded"] is False and report["passed"] is True
    assert not PackageCheck.objects.exists()
    (copy / "data" / "metadata.xml").write_text("<案卷>")
    assert main(["archive", "check", str(copy), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)[0]
    usability = next(r for r in report["results"] if r["property"] == "usability")
    assert any("data/metadata.xml" in i["detail"] for i in usability["items"] if not i["passed"])


def test_an_unknown_archive_number_or_a_folder_that_is_no_bag_exits_2(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["archive", "check", "610102-2026-30Y-CF-9999"]) == 2
    assert "610102-2026-30Y-CF-9999" in capsys.readouterr().err
    assert main(["archive", "check", str(tmp_path)]) == 2
    assert "bagit.txt" in capsys.readouterr().err
    assert main(["archive", "check", "--json", "--loop"]) == 2
    assert main(["archive", "check", "--every", "5"]) == 2
    assert not PackageCheck.objects.exists()
