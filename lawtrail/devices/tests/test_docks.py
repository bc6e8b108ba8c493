"""Dock sessions (第十九条, decision 0013): docking with the device clock's offset and the
registry's findings, progress while uploading, undocking; an unknown device is recorded,
never refused; a station reaches only its own sessions."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from lawtrail.devices.models import DockSession
from lawtrail.devices.tests.helpers import Crew, bearer, counts, dock_body, person, post
from lawtrail.ledger.models import Event

ME = "/api/v1/stations/me/"


def test_a_dock_session_from_docking_to_undocking(crew: Crew) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    station, token = crew.station()
    client = bearer(token)
    now = timezone.now()
    response = post(
        client,
        ME + "docks",
        dock_body(
            officer="61010200001",
            docked_at=(now - datetime.timedelta(seconds=5)).isoformat(),
            station_clock=now.isoformat(),
            device_clock=(now + datetime.timedelta(seconds=95, milliseconds=250)).isoformat(),
            battery_percent=35,
        ),
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["device"] == {
        "serial": "DSJ-XC-0001",
        "known": True,
        "status": "in_service",
        "assigned_to": "officer_a",
    }
    assert answer["officer"] == "officer_a"
    assert answer["clock_offset_seconds"] == 95.25
    assert answer["findings"] == []
    dock = DockSession.objects.get(pk=answer["id"])
    assert (dock.station, dock.officer, dock.battery_percent) == (station, crew.p.officer_a, 35)
    assert dock.clock_offset_seconds == Decimal("95.250")
    assert (dock.files_found, dock.bytes_found) == (3, 3_000_000)

    progress = {"files_uploaded": 1, "bytes_uploaded": 1_000_000, "files_failed": 0}
    events = Event.objects.count()
    response = post(client, f"{ME}docks/{dock.pk}/progress", progress)
    assert response.status_code == 200, response.content
    assert response.json()["bytes_uploaded"] == 1_000_000
    assert Event.objects.count() == events  # progress is telemetry

    undock = {
        "undocked_at": timezone.now().isoformat(),
        "files_uploaded": 2,
        "bytes_uploaded": 2_000_000,
        "files_failed": 1,
    }
    response = post(client, f"{ME}docks/{dock.pk}/undock", undock)
    assert response.status_code == 200, response.content
    ended = response.json()
    assert ended["undocked_at"] is not None and ended["files_failed"] == 1
    actions = Event.objects.filter(action__startswith="dock.").values_list("action", flat=True)
    assert list(actions.order_by("seq")) == ["dock.started", "dock.ended"]
    # The same undock again (its answer was lost) is answered, and recorded once.
    assert post(client, f"{ME}docks/{dock.pk}/undock", undock).status_code == 200
    assert Event.objects.filter(action="dock.ended").count() == 1
    # A session that ended takes no more progress, nor another end.
    before = counts()
    late = post(client, f"{ME}docks/{dock.pk}/progress", progress)
    assert late.status_code == 422 and "ended" in late.json()["detail"]
    again = post(client, f"{ME}docks/{dock.pk}/undock", {**undock, "files_uploaded": 3})
    assert again.status_code == 422
    assert counts() == before
    # The people who see the device see its docks.
    detail = person(crew.equipment_a).get("/api/v1/devices/DSJ-XC-0001").json()
    assert [d["id"] for d in detail["docks"]] == [dock.pk]
    assert detail["last_station"] == station.name


def test_an_unknown_device_is_recorded_with_a_finding_never_refused(crew: Crew) -> None:
    _station, token = crew.station()
    response = post(bearer(token), ME + "docks", dock_body("UNKNOWN-9", officer="officer_a"))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["device"] == {
        "serial": "UNKNOWN-9",
        "known": False,
        "status": None,
        "assigned_to": None,
    }
    assert [f["code"] for f in answer["findings"]] == ["device.unknown"]
    assert answer["findings"][0]["article"] == "第十一条"
    assert "UNKNOWN-9" in answer["findings"][0]["message"]
    dock = DockSession.objects.get(pk=answer["id"])
    assert dock.device is None and dock.serial == "UNKNOWN-9"


def test_docking_without_an_officer_records_the_holder(crew: Crew) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a2)
    _station, token = crew.station()
    answer = post(bearer(token), ME + "docks", dock_body()).json()
    assert answer["officer"] == "officer_a2" and answer["findings"] == []


@pytest.mark.parametrize(
    ("holder", "officer", "codes"),
    [
        ("officer_a2", "officer_a", ["device.not_assigned"]),
        ("assistant_a", "assistant_a", ["device.assignee_not_enforcement_officer"]),
        ("officer_a", "nobody-known", ["officer.unknown"]),
        ("officer_a", "officer_b", ["officer.other_agency", "device.not_assigned"]),
    ],
)
def test_the_dock_says_what_the_registry_finds(
    crew: Crew, holder: str, officer: str, codes: list[str]
) -> None:
    crew.device("DSJ-XC-0001", getattr(crew.p, holder))
    _station, token = crew.station()
    response = post(bearer(token), ME + "docks", dock_body(officer=officer))
    assert response.status_code == 201, response.content
    assert [f["code"] for f in response.json()["findings"]] == codes


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"device_serial": " "}, "device_serial"),
        ({"device_serial": "A" * 65}, "device_serial"),
        ({"battery_percent": 101}, "battery_percent"),
        ({"files_found": -1}, "files_found"),
        ({"docked_at": "yesterday"}, "docked_at"),
        ({"docked_at": "2099-01-01T00:00:00+08:00"}, "ahead of the server"),
        ({"station_clock": "2099-01-01T00:00:00+08:00"}, "ahead of the server"),
        ({"speed": 3}, "Unknown field"),
        ({"files_found": None}, "files_found"),
    ],
)
def test_a_bad_dock_is_refused_and_changes_nothing(
    crew: Crew, overrides: dict[str, object], says: str
) -> None:
    _station, token = crew.station()
    client = bearer(token)
    before = counts()
    response = post(client, ME + "docks", dock_body(**overrides))
    assert response.status_code == 422, response.content
    assert says in str(response.json())
    assert counts() == before


def test_a_station_reaches_only_its_own_sessions(crew: Crew) -> None:
    _a, token_a = crew.station("A")
    _b, token_b = crew.station("B")
    dock = post(bearer(token_a), ME + "docks", dock_body()).json()
    body = {"files_uploaded": 1, "bytes_uploaded": 1, "files_failed": 0}
    response = post(bearer(token_b), f"{ME}docks/{dock['id']}/progress", body)
    assert response.status_code == 404
    assert DockSession.objects.get(pk=dock["id"]).files_uploaded == 0


def test_undocking_before_docking_is_refused(crew: Crew) -> None:
    _station, token = crew.station()
    client = bearer(token)
    dock = post(client, ME + "docks", dock_body()).json()
    before = counts()
    response = post(
        client,
        f"{ME}docks/{dock['id']}/undock",
        {
            "undocked_at": (timezone.now() - datetime.timedelta(days=1)).isoformat(),
            "files_uploaded": 0,
            "bytes_uploaded": 0,
            "files_failed": 0,
        },
    )
    assert response.status_code == 422
    assert "before it was docked" in response.json()["detail"]
    assert counts() == before
