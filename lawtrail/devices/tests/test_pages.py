"""The device and station pages: lists, details, the forms of the equipment manager, and the
token shown once; a refused form shows its sentence and changes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.api.models import ApiToken
from lawtrail.devices import stations
from lawtrail.devices.models import Device, Station
from lawtrail.devices.tests.helpers import Crew, bearer, counts, dock_body, post


@pytest.fixture(autouse=True)
def page_settings(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Pages render without ``collectstatic``; the catalogue may be behind, so read English."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    yield


@pytest.fixture
def login(client: Client, crew: Crew) -> Callable[[str], Client]:
    def as_user(username: str) -> Client:
        officer = getattr(crew, username, None) or getattr(crew.p, username)
        client.force_login(officer.user)
        client.cookies["django_language"] = "en"
        return client

    return as_user


def test_the_device_list_shows_holder_and_last_dock(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    crew.device("DSJ-XC-0002")
    _station, token = crew.station("新城区采集站01")
    post(bearer(token), "/api/v1/stations/me/docks", dock_body("DSJ-XC-0001"))
    response = login("equipment_a").get("/devices/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-device="DSJ-XC-0001"' in body and 'data-device="DSJ-XC-0002"' in body
    assert "张明" in body and "新城区采集站01" in body
    assert "/devices/new/" in body  # the manager may register
    assert "/devices/new/" not in login("head_a").get("/devices/").content.decode()
    filtered = login("head_a").get("/devices/?officer=officer_a").content.decode()
    assert 'data-device="DSJ-XC-0001"' in filtered and 'data-device="DSJ-XC-0002"' not in filtered


def test_an_officer_sees_only_the_device_they_hold(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    crew.device("DSJ-XC-0002", crew.p.officer_a2)
    body = login("officer_a").get("/devices/").content.decode()
    assert 'data-device="DSJ-XC-0001"' in body and 'data-device="DSJ-XC-0002"' not in body
    assert login("officer_a").get("/devices/DSJ-XC-0002/").status_code == 404


def test_the_manager_registers_a_device_from_the_form(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    client = login("equipment_a")
    assert client.get("/devices/new/").status_code == 200
    response = client.post(
        "/devices/new/",
        {
            "serial": "DSJ-XC-0300",
            "kind": "body_camera",
            "model": "V9",
            "agency_code": "610102",
            "officer": "officer_a",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/devices/DSJ-XC-0300/"
    assert Device.objects.get(serial="DSJ-XC-0300").holder == crew.p.officer_a


def test_a_refused_form_shows_the_sentence_and_changes_nothing(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    crew.device("DSJ-XC-0001")
    client = login("equipment_a")
    before = counts()
    response = client.post(
        "/devices/new/",
        {"serial": "DSJ-XC-0001", "kind": "camera", "agency_code": "610102", "officer": ""},
    )
    assert response.status_code == 422
    assert "already registered" in response.content.decode()
    assert counts() == before


def test_officers_may_not_open_the_registration_forms(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    client = login("officer_a")
    assert client.get("/devices/new/").status_code == 403
    assert client.get("/devices/stations/new/").status_code == 403


def test_assign_and_status_from_the_device_page(crew: Crew, login: Callable[[str], Client]) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    client = login("equipment_a")
    page = client.get("/devices/DSJ-XC-0001/").content.decode()
    assert "/devices/DSJ-XC-0001/assign/" in page
    refused = client.post("/devices/DSJ-XC-0001/assign/", {"officer": "officer_a2", "reason": ""})
    assert refused.status_code == 422 and "Say why" in refused.content.decode()
    unchosen = client.post("/devices/DSJ-XC-0001/assign/", {"officer": "", "reason": "x"})
    assert unchosen.status_code == 422
    done = client.post("/devices/DSJ-XC-0001/assign/", {"officer": "assistant_a", "reason": "协助"})
    assert done.status_code == 302
    page = client.get("/devices/DSJ-XC-0001/").content.decode()
    assert 'data-holder="assistant_a"' in page and "not a certified enforcement officer" in page
    done = client.post("/devices/DSJ-XC-0001/status/", {"status": "in_repair", "reason": "送修"})
    assert done.status_code == 302
    assert Device.objects.get(serial="DSJ-XC-0001").status == "in_repair"
    back = client.post("/devices/DSJ-XC-0001/assign/", {"officer": "-", "reason": "收回"})
    assert back.status_code == 302
    assert Device.objects.get(serial="DSJ-XC-0001").holder is None
    # The head sees the device but gets no forms, and a post is refused.
    head = login("head_a")
    assert "/assign/" not in head.get("/devices/DSJ-XC-0001/").content.decode()
    before = counts()
    response = head.post("/devices/DSJ-XC-0001/status/", {"status": "in_service", "reason": "x"})
    assert response.status_code == 403
    assert counts() == before


def test_registering_a_station_shows_its_token_once(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    client = login("equipment_a")
    response = client.post(
        "/devices/stations/new/",
        {"agency_code": "610102", "name": "新城区采集站09", "location": "二楼", "latitude": "",
         "longitude": ""},
    )  # fmt: skip
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    station = Station.objects.get(name="新城区采集站09")
    token = body.split("data-token>")[1].split("<")[0]
    assert token.startswith("lt_") and ApiToken.objects.filter(user=station.login).exists()
    assert post(bearer(token), "/api/v1/stations/me/heartbeat", {}).status_code == 200
    detail = client.get(f"/devices/stations/{station.pk}/").content.decode()
    assert token not in detail and 'data-state="online"' in detail
    listing = client.get("/devices/stations/").content.decode()
    assert token not in listing and f'data-station="{station.pk}"' in listing


def test_the_station_pages_show_state_docks_and_revoke(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    station, token = crew.station()
    post(bearer(token), "/api/v1/stations/me/docks", dock_body("UNKNOWN-7", battery_percent=40))
    client = login("equipment_a")
    listing = client.get("/devices/stations/").content.decode()
    assert 'data-state="offline"' in listing  # never beat
    detail = client.get(f"/devices/stations/{station.pk}/").content.decode()
    assert "UNKNOWN-7" in detail and 'data-finding="device.unknown"' in detail and "40%" in detail
    response = client.post(f"/devices/stations/{station.pk}/revoke/")
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.revoked_at is not None
    assert post(bearer(token), "/api/v1/stations/me/heartbeat", {}).status_code == 401
    assert 'data-state="revoked"' in client.get("/devices/stations/").content.decode()
    again = client.post(f"/devices/stations/{station.pk}/revoke/")
    assert again.status_code == 422


def test_the_station_list_is_online_within_three_minutes(
    crew: Crew, login: Callable[[str], Client]
) -> None:
    station, _token = crew.station()
    stations.record_heartbeat(station, stations.HeartbeatInput(queue_files=4))
    Station.objects.filter(pk=station.pk).update(
        last_seen_at=timezone.now() - stations.OFFLINE_AFTER / 2
    )
    assert 'data-state="online"' in login("head_a").get("/devices/stations/").content.decode()
    Station.objects.filter(pk=station.pk).update(
        last_seen_at=timezone.now() - stations.OFFLINE_AFTER * 2
    )
    assert 'data-state="offline"' in login("head_a").get("/devices/stations/").content.decode()


def test_the_nav_links_to_the_devices(crew: Crew, login: Callable[[str], Client]) -> None:
    body = login("officer_a").get("/devices/").content.decode()
    assert 'href="/devices/" aria-current="page"' in body


def test_the_device_page_lists_the_findings_about_its_recordings(
    crew: Crew, media: Any, login: Callable[[str], Client]
) -> None:
    from lawtrail.devices.tests.test_station_ingest import recorded, upload

    crew.device("DSJ-XC-0001", crew.p.officer_a2)
    _station, token = crew.station()
    acquisition = upload(
        token, media.photo, device="DSJ-XC-0001", officer="officer_a", **recorded(1)
    )
    body = login("equipment_a").get("/devices/DSJ-XC-0001/").content.decode()
    assert 'data-finding="device.not_assigned"' in body
    assert f"/evidence/{acquisition.evidence_id}/" in body
    other = login("equipment_b").get("/devices/DSJ-XC-0001/")
    assert other.status_code == 404
