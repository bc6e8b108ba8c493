"""Viewing a record: every version, and the view itself is written to the ledger (第二十条)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.testing import Province


def test_it_shows_every_version_and_what_changed(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any, province: Province
) -> None:
    fields = dict(inspection_record.current_version().fields, findings="地面有积水，已整改。")
    actions.correct_record(province.officer_a.user, inspection_record, fields, "笔误")
    body = (
        login("officer_a")
        .get(f"/matters/{matter_a.pk}/records/{inspection_record.pk}/")
        .content.decode()
    )
    assert "版本 2" in body and "版本 1" in body
    assert "地面有积水，已整改。" in body and "后厨地面有积水。" in body
    assert "笔误" in body
    assert "已更改" in body


def test_viewing_is_an_event(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    login("officer_a").get(f"/matters/{matter_a.pk}/records/{inspection_record.pk}/")
    event = Event.objects.order_by("-seq").first()
    assert event is not None and event.action == "record.viewed"
    assert event.context == matter_a.context


def test_officer_b_gets_404_and_no_view_is_noted(
    login: Callable[[str], Client],
    matter_a: Matter,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    response = login("officer_b").get(f"/matters/{matter_a.pk}/records/{inspection_record.pk}/")
    assert response.status_code == 404
    assert event_count() == before


def test_a_record_of_another_matter_is_404(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any, province: Province
) -> None:
    from lawtrail.web.tests.conftest import open_matter

    other = open_matter(province)
    response = login("officer_a").get(f"/matters/{other.pk}/records/{inspection_record.pk}/")
    assert response.status_code == 404


def test_the_matter_page_lists_the_record(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    body = login("officer_a").get(f"/matters/{matter_a.pk}/").content.decode()
    assert "现场检查（勘验）笔录" in body
    assert f"/records/{inspection_record.pk}/" in body
