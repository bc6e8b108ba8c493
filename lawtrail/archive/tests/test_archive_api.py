"""/api/v1/archive (第十八条, 第十九条; DA/T 70 四性): scope, readiness, archiving, checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawtrail.archive.models import ArchivePackage, PackageCheck
from lawtrail.archive.tests.archive_fixtures import Walked, counts, custodian, walk
from lawtrail.archive.tests.check_fixtures import archive_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client
from lawtrail.records.tests.helpers import open_matter
from lawtrail.testing import Province

pytestmark = pytest.mark.django_db
BASE = "/api/v1/archive"


@pytest.fixture
def walked(province: Province, media: Media, archive_home: Path) -> Walked:  # noqa: F811
    return walk(province, media)


def test_the_custodian_archives_a_ready_matter_and_reads_its_checks(
    province: Province, walked: Walked
) -> None:
    keeper = api_client(custodian(province))
    ready = keeper.get(f"{BASE}/matters/{walked.matter.pk}/readiness").json()
    assert ready["ready"] is True and ready["unmet"] == [] and ready["due"]
    made = keeper.post(f"{BASE}/matters/{walked.matter.pk}")
    assert made.status_code == 201, made.content
    body = made.json()
    package = ArchivePackage.objects.get(matter=walked.matter)
    assert body["archive_number"] == package.archive_number and body["passed"] is True
    assert [c["property"] for c in body["latest"]] == [
        "authenticity",
        "integrity",
        "usability",
        "security",
    ]
    listed = keeper.get(f"{BASE}/packages").json()
    assert [p["id"] for p in listed] == [package.pk]
    checked = keeper.post(f"{BASE}/packages/{package.pk}/checks")
    assert checked.status_code == 201 and all(c["passed"] for c in checked.json())
    detail = keeper.get(f"{BASE}/packages/{package.pk}").json()
    assert len(detail["checks"]) == 8 and {c["occasion"] for c in detail["checks"]} == {
        "creation",
        "manual",
    }
    again = keeper.post(f"{BASE}/matters/{walked.matter.pk}")
    assert again.status_code == 409
    assert "archive.already_archived" in [u["code"] for u in again.json()["unmet"]]


def test_a_matter_not_ready_gets_409_listing_what_is_missing_and_nothing_written(
    province: Province,
    archive_home: Path,  # noqa: F811
) -> None:
    matter = open_matter(province)
    keeper = api_client(custodian(province))
    ready = keeper.get(f"{BASE}/matters/{matter.pk}/readiness").json()
    assert ready["ready"] is False and ready["unmet"][0]["code"] == "archive.stage"
    before = counts()
    refused = keeper.post(f"{BASE}/matters/{matter.pk}")
    assert refused.status_code == 409
    assert refused.json()["unmet"] == ready["unmet"]
    assert counts() == before


def test_only_the_custodian_or_head_archives_and_checks(province: Province, walked: Walked) -> None:
    officer = api_client(province.officer_a)
    assert officer.get(f"{BASE}/matters/{walked.matter.pk}/readiness").status_code == 200
    before = counts()
    assert officer.post(f"{BASE}/matters/{walked.matter.pk}").status_code == 403
    assert counts() == before
    made = api_client(province.head_a).post(f"{BASE}/matters/{walked.matter.pk}")
    assert made.status_code == 201
    package_id = made.json()["id"]
    assert officer.get(f"{BASE}/packages/{package_id}").status_code == 200
    assert officer.post(f"{BASE}/packages/{package_id}/checks").status_code == 403
    assert PackageCheck.objects.count() == 4


def test_officer_b_sees_nothing_of_county_a(province: Province, walked: Walked) -> None:
    made = api_client(custodian(province)).post(f"{BASE}/matters/{walked.matter.pk}")
    package_id = made.json()["id"]
    outsider = api_client(province.officer_b)
    listed = outsider.get(f"{BASE}/packages")
    assert listed.status_code == 200 and listed.json() == []
    assert outsider.get(f"{BASE}/packages/{package_id}").status_code == 404
    assert outsider.post(f"{BASE}/packages/{package_id}/checks").status_code == 404
    assert outsider.get(f"{BASE}/matters/{walked.matter.pk}/readiness").status_code == 404
    assert outsider.post(f"{BASE}/matters/{walked.matter.pk}").status_code == 404
    assert PackageCheck.objects.count() == 4


def test_unknown_ids_are_404_and_bad_ones_422(province: Province, archive_home: Path) -> None:  # noqa: F811
    keeper = api_client(custodian(province))
    assert keeper.get(f"{BASE}/packages/999999").status_code == 404
    assert keeper.post(f"{BASE}/matters/999999").status_code == 404
    assert keeper.get(f"{BASE}/packages/abc").status_code == 422
