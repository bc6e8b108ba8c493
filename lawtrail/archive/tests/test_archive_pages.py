"""The archive pages (第十八条: within 30 days; 第十九条: the custodian; DA/T 70 四性)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.agencies.models import Officer
from lawtrail.archive.models import ArchivePackage, PackageCheck
from lawtrail.archive.tests.archive_fixtures import Walked, custodian, walk
from lawtrail.archive.tests.check_fixtures import archive_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.records.tests.helpers import open_matter
from lawtrail.testing import Province

pytestmark = pytest.mark.django_db


def client_of(officer: Officer) -> Client:
    client = Client()
    client.force_login(officer.user)
    return client


@pytest.fixture
def walked(province: Province, media: Media, archive_home: Path) -> Walked:  # noqa: F811
    return walk(province, media)


def test_a_ready_matter_is_listed_with_its_30_day_due_date_and_archived_by_the_custodian(
    province: Province, walked: Walked
) -> None:
    keeper = client_of(custodian(province))
    page = keeper.get("/archive/")
    assert page.status_code == 200
    text = page.content.decode()
    due = timezone.localdate(walked.matter.ended_at) + datetime.timedelta(days=30)
    assert f'data-pending="{walked.matter.pk}"' in text and due.isoformat() in text
    assert f"/archive/matters/{walked.matter.pk}/create/" in text

    done = keeper.post(f"/archive/matters/{walked.matter.pk}/create/")
    package = ArchivePackage.objects.get(matter=walked.matter)
    assert done.status_code == 302 and done["Location"] == f"/archive/{package.pk}/"
    detail = keeper.get(f"/archive/{package.pk}/").content.decode()
    assert package.archive_number in detail and package.bag_sha256 in detail
    assert detail.count('data-passed="true"') == 8  # latest four and the four runs
    index = keeper.get("/archive/").content.decode()
    assert f'data-package="{package.pk}"' in index
    assert f'data-pending="{walked.matter.pk}"' not in index


def test_the_head_checks_now_and_every_run_is_listed(province: Province, walked: Walked) -> None:
    from lawtrail.archive.actions import archive_matter

    package = archive_matter(province.head_a.user, walked.matter)
    head = client_of(province.head_a)
    assert head.post(f"/archive/{package.pk}/").status_code == 302
    assert PackageCheck.objects.filter(package=package, occasion="manual").count() == 4
    page = head.get(f"/archive/{package.pk}/").content.decode()
    assert page.count('data-passed="true"') == 12


def test_an_officer_may_see_but_neither_archive_nor_check(
    province: Province, walked: Walked
) -> None:
    officer = client_of(province.officer_a)
    page = officer.get("/archive/").content.decode()
    assert f'data-pending="{walked.matter.pk}"' in page
    assert "/create/" not in page
    refused = officer.post(f"/archive/matters/{walked.matter.pk}/create/")
    assert refused.status_code == 403
    assert not ArchivePackage.objects.exists()
    from lawtrail.archive.actions import archive_matter

    package = archive_matter(custodian(province).user, walked.matter)
    assert officer.post(f"/archive/{package.pk}/").status_code == 403
    assert PackageCheck.objects.filter(package=package).count() == 4  # only the creation's


def test_officer_b_sees_nothing_of_county_a(province: Province, walked: Walked) -> None:
    from lawtrail.archive.actions import archive_matter

    other = open_matter(province)
    package = archive_matter(custodian(province).user, walked.matter)
    outsider = client_of(province.officer_b)
    page = outsider.get("/archive/").content.decode()
    assert package.archive_number not in page and walked.matter.number not in page
    assert other.number not in page
    assert outsider.get(f"/archive/{package.pk}/").status_code == 404
    assert outsider.post(f"/archive/{package.pk}/").status_code == 404
    assert outsider.post(f"/archive/matters/{other.pk}/create/").status_code == 404


def test_a_matter_not_ready_is_refused_with_every_unmet_condition(
    province: Province,
    archive_home: Path,  # noqa: F811
) -> None:
    matter = open_matter(province)
    keeper = client_of(custodian(province))
    refused = keeper.post(f"/archive/matters/{matter.pk}/create/")
    assert refused.status_code == 409
    text = refused.content.decode()
    assert "归档管理" in text and "第十八条" in text
    assert not ArchivePackage.objects.exists()
    assert keeper.get(f"/archive/matters/{matter.pk}/create/").status_code == 405
