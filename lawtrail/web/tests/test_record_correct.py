"""Correcting a record makes a new version with a reason; the old one stays (第二十六条)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.web.tests.conftest import inspection_post


def url(matter: Matter, record: Any) -> str:
    return f"/matters/{matter.pk}/records/{record.pk}/correct/"


def test_the_form_starts_from_the_current_version(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    body = login("officer_a").get(url(matter_a, inspection_record)).content.decode()
    assert "后厨地面有积水。" in body
    assert 'value="2025-03-01T09:00"' in body
    assert "张明 61010200001\n李华 61010200002" in body


def test_a_correction_is_a_new_version(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    data = inspection_post(f_findings="地面有积水，已当场整改。", reason="补记整改情况")
    response = login("officer_a").post(url(matter_a, inspection_record), data)
    assert response.status_code == 302
    versions = list(inspection_record.versions.order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].corrects == versions[0]
    assert versions[1].reason == "补记整改情况"
    assert versions[0].fields["findings"] == "后厨地面有积水。"


def test_without_a_reason_nothing_changes(
    login: Callable[[str], Client],
    matter_a: Matter,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    response = login("officer_a").post(
        url(matter_a, inspection_record), inspection_post(f_findings="改了", reason="")
    )
    assert response.status_code == 422
    assert event_count() == before
    assert inspection_record.versions.count() == 1


def test_a_correction_that_changes_nothing_is_refused(
    login: Callable[[str], Client],
    matter_a: Matter,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    data = inspection_post(f_findings="后厨地面有积水。", reason="无")
    response = login("officer_a").post(url(matter_a, inspection_record), data)
    assert response.status_code == 422
    assert "没有改变任何内容" in response.content.decode()
    assert event_count() == before


def test_officer_b_gets_404_and_changes_nothing(
    login: Callable[[str], Client],
    matter_a: Matter,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    client = login("officer_b")
    assert client.get(url(matter_a, inspection_record)).status_code == 404
    data = inspection_post(f_findings="改了", reason="无")
    assert client.post(url(matter_a, inspection_record), data).status_code == 404
    assert event_count() == before
