"""DESIGN.md invariant 6: a flipped bit in an archive package is found by ``lawtrail verify``
and named (as well as by ``lawtrail archive check``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


def verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    status = main(["verify", "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_lawtrail_verify_checks_every_archive_package(
    built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    status, report = verify(capsys)
    assert status == 0, report
    archive = report["archive"]
    assert isinstance(archive, dict) and archive["ok"] is True
    assert [p["archive_number"] for p in archive["packages"]] == [built.package.archive_number]


def test_a_flipped_bit_in_a_package_fails_lawtrail_verify_and_is_named(
    built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    target = built.path / "data" / "metadata.json"
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[10] ^= 0x01
    target.write_bytes(bytes(data))
    target.chmod(0o444)

    status, report = verify(capsys)

    assert status == 1
    archive = report["archive"]
    assert isinstance(archive, dict) and archive["ok"] is False
    text = json.dumps(archive, ensure_ascii=False)
    assert "data/metadata.json" in text
    assert report["store"]["ok"] is True  # type: ignore[index]  # the store itself is fine
