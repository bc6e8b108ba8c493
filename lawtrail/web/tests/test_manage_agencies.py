"""Agencies: the tree, creating one, and the responsible unit and person (第十一条)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from lawtrail.agencies.models import Agency
from lawtrail.testing import Province


def test_the_tree_lists_agencies_in_order(
    login: Callable[[str], Client], province: Province
) -> None:
    body = login("admin").get("/manage/agencies/").content.decode()
    names = [
        a.name for a in (province.province, province.city, province.county_a, province.county_b)
    ]
    positions = [body.index(name) for name in names]
    assert positions == sorted(positions)
    assert "--depth: 2" in body


def test_an_agency_is_created(login: Callable[[str], Client], province: Province) -> None:
    response = login("admin").post(
        "/manage/agencies/new/",
        {
            "name": "莲湖区卫生健康局",
            "level": "county",
            "region_code": "610104",
            "short_name": "莲",
            "parent_code": "610100",
            "responsible_unit": "综合监督科",
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get(region_code="610104")
    assert agency.parent == province.city
    assert response["Location"] == "/manage/agencies/610104/"


def test_a_county_under_the_province_is_refused(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        "/manage/agencies/new/",
        {
            "name": "某县",
            "level": "county",
            "region_code": "610199",
            "short_name": "某",
            "parent_code": "610000",
        },
    )
    assert response.status_code == 422
    assert event_count() == before
    assert not Agency.objects.filter(region_code="610199").exists()


def test_a_bad_region_code_is_shown(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        "/manage/agencies/new/",
        {
            "name": "某县",
            "level": "county",
            "region_code": "61A1X9",
            "short_name": "某",
            "parent_code": "610100",
        },
    )
    assert response.status_code == 422
    assert "六位数字" in response.content.decode()
    assert event_count() == before


def test_the_responsible_unit_and_person_are_set(
    login: Callable[[str], Client], province: Province
) -> None:
    response = login("admin").post(
        "/manage/agencies/610102/",
        {"responsible_unit": "法制稽查科", "responsible_person": province.head_a.pk},
    )
    assert response.status_code == 302
    province.county_a.refresh_from_db()
    assert province.county_a.responsible_unit == "法制稽查科"
    assert province.county_a.responsible_person == province.head_a


def test_a_responsible_person_from_elsewhere_is_not_offered(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("admin").post(
        "/manage/agencies/610102/",
        {"responsible_unit": "x", "responsible_person": province.officer_b.pk},
    )
    assert response.status_code == 422
    assert event_count() == before
