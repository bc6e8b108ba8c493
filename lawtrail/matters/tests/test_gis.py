"""GIS points: WGS-84 is stored; a point given in GCJ-02 (the datum of Chinese map apps) is
converted, and what was given is kept beside it (第十九条 puts GIS on the working copy)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawtrail.errors import Invalid
from lawtrail.matters import actions, gis
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter, snapshot
from lawtrail.testing import Province

# 西安钟楼 in WGS-84.
BELL_TOWER = (34.261000, 108.942200)


@pytest.fixture
def matter(province: Province) -> Matter:
    return open_matter(province)


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        (90.000001, 108.9, "latitude"),
        (-91, 108.9, "latitude"),
        (34.2, 180.5, "longitude"),
        (34.2, -181, "longitude"),
        ("north", 108.9, "latitude"),
        (float("nan"), 108.9, "latitude"),
        (34.2, float("inf"), "longitude"),
    ],
)
def test_coordinates_out_of_range_are_refused_naming_the_field(
    province: Province, matter: Matter, latitude: object, longitude: object, field: str
) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.add_gis_point(
            province.officer_a.user, matter, actions.GisInput(latitude, longitude)
        )
    assert list(refused.value.fields) == [field]
    assert field in refused.value.message
    assert snapshot() == before


def test_opening_names_the_point_at_fault(province: Province) -> None:
    points = [actions.GisInput(*BELL_TOWER), actions.GisInput(34.2, 200)]
    with pytest.raises(Invalid) as refused:
        open_matter(province, gis_points=points)
    assert list(refused.value.fields) == ["gis_points[1].longitude"]


def test_an_unknown_datum_is_refused(province: Province, matter: Matter) -> None:
    with pytest.raises(Invalid) as refused:
        actions.add_gis_point(
            province.officer_a.user, matter, actions.GisInput(*BELL_TOWER, datum="BD-09")
        )
    assert list(refused.value.fields) == ["datum"]


def test_the_extremes_are_allowed(province: Province, matter: Matter) -> None:
    point = actions.add_gis_point(province.officer_a.user, matter, actions.GisInput(-90, 180))
    assert (point.latitude, point.longitude) == (Decimal("-90"), Decimal("180"))


def test_a_wgs84_point_is_stored_as_given(province: Province, matter: Matter) -> None:
    point = actions.add_gis_point(
        province.officer_a.user, matter, actions.GisInput(*BELL_TOWER, label="现场")
    )
    point.refresh_from_db()
    assert (point.latitude, point.longitude) == (Decimal("34.261000"), Decimal("108.942200"))
    assert point.given_datum == "WGS-84"
    assert point.label == "现场"


def test_a_gcj02_point_is_stored_in_wgs84_keeping_what_was_given(
    province: Province, matter: Matter
) -> None:
    glat, glon = gis.wgs84_to_gcj02(*BELL_TOWER)
    given = (round(glat, 6), round(glon, 6))
    point = actions.add_gis_point(
        province.officer_a.user, matter, actions.GisInput(*given, datum="GCJ-02")
    )
    point.refresh_from_db()
    assert point.given_datum == "GCJ-02"
    assert (float(point.given_latitude), float(point.given_longitude)) == given
    # The GCJ-02 offset around Xi'an is several hundred metres; the conversion undoes it.
    assert abs(given[0] - BELL_TOWER[0]) + abs(given[1] - BELL_TOWER[1]) > 1e-3
    assert abs(float(point.latitude) - BELL_TOWER[0]) < 1e-5
    assert abs(float(point.longitude) - BELL_TOWER[1]) < 1e-5


@settings(max_examples=200)
@given(
    lat=st.floats(min_value=18.2, max_value=53.5),
    lon=st.floats(min_value=73.6, max_value=134.7),
)
def test_the_gcj02_round_trip_stays_within_a_hundred_thousandth_of_a_degree(
    lat: float, lon: float
) -> None:
    glat, glon = gis.wgs84_to_gcj02(lat, lon)
    wlat, wlon = gis.to_wgs84(
        gis.parse_coordinate(glat, name="latitude", limit=90),
        gis.parse_coordinate(glon, name="longitude", limit=180),
        "GCJ-02",
    )
    assert abs(float(wlat) - lat) < 1e-5
    assert abs(float(wlon) - lon) < 1e-5


def test_outside_china_gcj02_is_wgs84(province: Province, matter: Matter) -> None:
    point = actions.add_gis_point(
        province.officer_a.user, matter, actions.GisInput(48.8584, 2.2945, datum="GCJ-02")
    )
    assert (point.latitude, point.longitude) == (Decimal("48.858400"), Decimal("2.294500"))
