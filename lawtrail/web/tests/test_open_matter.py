"""Opening a matter from the form: parties, handlers, lead, GIS point and 第十四条 flags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.testing import Province
from lawtrail.web.tests.conftest import valid_resident_id, valid_uscc


def form(province: Province, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "inspection",
        "procedure": "general",
        "title": "某餐饮店卫生监督检查",
        "place": "西安市新城区解放路1号",
        "summary": "",
        "handlers": [province.officer_a.pk, province.officer_a2.pk],
        "lead": province.officer_a.pk,
        "latitude": "34.266000",
        "longitude": "108.954000",
        "datum": "GCJ-02",
        "gis_label": "门口",
        "av_contentious": "on",
        "party-TOTAL_FORMS": "2",
        "party-INITIAL_FORMS": "0",
        "party-MIN_NUM_FORMS": "1",
        "party-MAX_NUM_FORMS": "20",
        "party-0-type": "organisation",
        "party-0-name": "西安某餐饮有限公司",
        "party-0-credit_code": valid_uscc(),
        "party-1-type": "person",
        "party-1-name": "王某",
        "party-1-id_number": valid_resident_id(),
    }
    data.update(overrides)
    return data


def test_the_form_renders_for_an_officer(login: Callable[[str], Client]) -> None:
    body = login("officer_a").get("/matters/new/").content.decode()
    assert "第十四条" in body
    assert "统一社会信用代码" in body
    assert "GCJ-02" in body


@pytest.mark.parametrize("persona", ["supervisor", "admin", "reviewer_a"])
def test_people_who_do_not_open_matters_get_403(
    login: Callable[[str], Client], persona: str
) -> None:
    assert login(persona).get("/matters/new/").status_code == 403


def test_it_opens_the_matter_and_goes_to_its_page(
    login: Callable[[str], Client], province: Province
) -> None:
    response = login("officer_a").post("/matters/new/", form(province))
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert response["Location"] == f"/matters/{matter.pk}/"
    assert matter.parties.count() == 2
    assert matter.av_contentious and not matter.av_emergency
    assert matter.handlers.get(is_lead=True).officer == province.officer_a
    point = matter.gis_points.get()
    assert point.given_datum == "GCJ-02"
    assert point.latitude != point.given_latitude  # converted to WGS-84


def test_a_blank_extra_party_row_is_ignored(
    login: Callable[[str], Client], province: Province
) -> None:
    data = form(province, **{"party-TOTAL_FORMS": "3", "party-2-type": "organisation"})
    assert login("officer_a").post("/matters/new/", data).status_code == 302
    assert Matter.objects.get().parties.count() == 2


def test_a_wrong_credit_code_is_shown_and_nothing_changes(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(
        "/matters/new/", form(province, **{"party-0-credit_code": "91610102MA6U0XXX01"})
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "统一社会信用代码" in body
    assert 'class="error"' in body
    assert event_count() == before
    assert not Matter.objects.exists()


def test_a_missing_title_is_shown_and_nothing_changes(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post("/matters/new/", form(province, title=""))
    assert response.status_code == 422
    assert "此项为必填项" in response.content.decode()
    assert event_count() == before


def test_an_assistant_cannot_lead(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    data = form(
        province,
        handlers=[province.assistant_a.pk, province.officer_a.pk],
        lead=province.assistant_a.pk,
    )
    response = login("officer_a").post("/matters/new/", data)
    assert response.status_code == 422
    assert "第十条" in response.content.decode()
    assert event_count() == before


def test_a_latitude_without_longitude_is_refused(
    login: Callable[[str], Client], province: Province
) -> None:
    response = login("officer_a").post("/matters/new/", form(province, longitude=""))
    assert response.status_code == 422
    assert not Matter.objects.exists()


def test_officers_of_another_county_are_not_offered(
    login: Callable[[str], Client], province: Province
) -> None:
    body = login("officer_a").get("/matters/new/").content.decode()
    assert province.officer_b.name not in body
    data = form(province, handlers=[province.officer_a.pk, province.officer_b.pk])
    assert login("officer_a").post("/matters/new/", data).status_code == 422
