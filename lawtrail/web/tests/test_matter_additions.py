"""Adding a handler, a party and a GIS point from the matter page."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.testing import Province
from lawtrail.web.tests.conftest import valid_resident_id


def test_a_handler_is_added(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/handlers/", {"officer": province.head_a.pk}
    )
    assert response.status_code == 302
    assert matter_a.handlers.filter(officer=province.head_a).exists()


def test_a_party_with_a_bad_id_number_is_refused(
    login: Callable[[str], Client], matter_a: Matter, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/parties/",
        {"party-type": "person", "party-name": "王某", "party-id_number": "610102199001011230"},
    )
    assert response.status_code == 422
    assert "校验码" in response.content.decode()
    assert event_count() == before


def test_a_party_is_added(login: Callable[[str], Client], matter_a: Matter) -> None:
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/parties/",
        {"party-type": "person", "party-name": "王某", "party-id_number": valid_resident_id()},
    )
    assert response.status_code == 302
    assert matter_a.parties.filter(name="王某").exists()


def test_a_gis_point_needs_both_coordinates(
    login: Callable[[str], Client], matter_a: Matter, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/gis/", {"latitude": "34.1", "datum": "WGS-84"}
    )
    assert response.status_code == 422
    assert event_count() == before
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/gis/",
        {"latitude": "34.1", "longitude": "108.9", "datum": "WGS-84", "gis_label": "仓库"},
    )
    assert response.status_code == 302
    assert matter_a.gis_points.filter(label="仓库").exists()
