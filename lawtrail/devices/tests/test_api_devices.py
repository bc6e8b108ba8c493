"""/api/v1/devices: list with filters, one device with its history, registering, assigning and
changing the status; who sees and who changes (invariant 7); bad input changes nothing."""

from __future__ import annotations

import pytest

from lawtrail.devices.models import Device
from lawtrail.devices.tests.helpers import Crew, counts, person, post


@pytest.fixture
def fleet(crew: Crew) -> Crew:
    p = crew.p
    crew.device("DSJ-XC-0001", p.officer_a)
    crew.device("DSJ-XC-0002", p.assistant_a, kind="camera")
    crew.device("ZD-XC-0003")
    crew.device("DSJ-BL-0001", p.officer_b, agency="610103")
    return crew


def serials(response: object) -> list[str]:
    return [item["serial"] for item in response.json()["items"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("equipment_a", ["DSJ-XC-0001", "DSJ-XC-0002", "ZD-XC-0003"]),
        ("equipment_b", ["DSJ-BL-0001"]),
        ("head_a", ["DSJ-XC-0001", "DSJ-XC-0002", "ZD-XC-0003"]),
        ("head_city", ["DSJ-BL-0001", "DSJ-XC-0001", "DSJ-XC-0002", "ZD-XC-0003"]),
        ("admin", ["DSJ-BL-0001", "DSJ-XC-0001", "DSJ-XC-0002", "ZD-XC-0003"]),
        ("officer_a", ["DSJ-XC-0001"]),  # the one they hold
        ("officer_a2", []),
        ("reviewer_a", []),
    ],
)
def test_who_sees_which_devices(fleet: Crew, who: str, sees: list[str]) -> None:
    officer = getattr(fleet, who, None) or getattr(fleet.p, who)
    response = person(officer).get("/api/v1/devices")
    assert response.status_code == 200, response.content
    assert serials(response) == sees


@pytest.mark.parametrize(
    ("query", "sees"),
    [
        ("?kind=camera", ["DSJ-XC-0002"]),
        ("?officer=officer_a", ["DSJ-XC-0001"]),
        ("?officer=61010300001", ["DSJ-BL-0001"]),
        ("?agency=610103", ["DSJ-BL-0001"]),
        ("?agency=610100", ["DSJ-BL-0001", "DSJ-XC-0001", "DSJ-XC-0002", "ZD-XC-0003"]),
        ("?status=in_repair", []),
        ("?limit=2", ["DSJ-BL-0001", "DSJ-XC-0001"]),
    ],
)
def test_the_list_filters(fleet: Crew, query: str, sees: list[str]) -> None:
    response = person(fleet.p.head_city).get("/api/v1/devices" + query)
    assert response.status_code == 200, response.content
    assert serials(response) == sees


def test_the_list_pages_by_serial(fleet: Crew) -> None:
    client = person(fleet.p.admin)
    first = client.get("/api/v1/devices?limit=3").json()
    second = client.get(f"/api/v1/devices?limit=3&after={first['next']}").json()
    assert [d["serial"] for d in first["items"] + second["items"]] == [
        "DSJ-BL-0001",
        "DSJ-XC-0001",
        "DSJ-XC-0002",
        "ZD-XC-0003",
    ]
    assert second["next"] is None


def test_one_device_with_its_history(fleet: Crew) -> None:
    detail = person(fleet.equipment_a).get("/api/v1/devices/DSJ-XC-0001").json()
    assert detail["assigned_to"]["username"] == "officer_a"
    assert detail["agency"]["region_code"] == "610102"
    assert [a["officer"]["username"] for a in detail["assignments"]] == ["officer_a"]
    assert [c["status"] for c in detail["status_changes"]] == ["in_service"]
    assert detail["last_docked_at"] is None and detail["docks"] == []
    assert person(fleet.p.officer_b).get("/api/v1/devices/DSJ-XC-0001").status_code == 404


def test_register_assign_take_back_and_retire_through_the_api(crew: Crew) -> None:
    client = person(crew.equipment_a)
    response = post(
        client,
        "/api/v1/devices",
        {"serial": "DSJ-XC-0100", "kind": "body_camera", "agency": "610102", "model": "V9"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["assigned_to"] is None
    response = post(client, "/api/v1/devices/DSJ-XC-0100/assignments", {"officer": "61010200001"})
    assert response.status_code == 201, response.content
    assert response.json()["assigned_to"]["username"] == "officer_a"
    response = post(
        client,
        "/api/v1/devices/DSJ-XC-0100/assignments",
        {"officer": "officer_a2", "reason": "张明休假"},
    )
    assert response.json()["assigned_to"]["username"] == "officer_a2"
    response = post(
        client, "/api/v1/devices/DSJ-XC-0100/assignments", {"officer": None, "reason": "收回"}
    )
    assert response.status_code == 201 and response.json()["assigned_to"] is None
    response = post(
        client, "/api/v1/devices/DSJ-XC-0100/status", {"status": "retired", "reason": "报废"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "retired"
    assert [a["reason"] for a in response.json()["assignments"]] == ["", "张明休假", "收回"]


@pytest.mark.parametrize(
    ("who", "path", "body", "status", "says"),
    [
        ("equipment_a", "", {"serial": "X 1", "kind": "camera", "agency": "610102"}, 422,
         "serial number"),
        ("equipment_a", "", {"serial": "X-1", "kind": "drone", "agency": "610102"}, 422,
         "Unknown kind"),
        ("equipment_a", "", {"serial": "X-1", "kind": "camera"}, 422, "agency"),
        ("equipment_a", "", {"serial": "DSJ-XC-0001", "kind": "camera", "agency": "610102"}, 422,
         "already registered"),
        ("officer_a", "", {"serial": "X-1", "kind": "camera", "agency": "610102"}, 403,
         "equipment managers"),
        ("head_a", "/DSJ-XC-0001/assignments", {"officer": "officer_a2", "reason": "x"}, 403,
         "equipment managers"),
        ("equipment_a", "/DSJ-XC-0001/assignments", {"officer": "officer_a2"}, 422, "Say why"),
        ("equipment_a", "/DSJ-XC-0001/assignments", {"officer": "officer_b", "reason": "x"}, 422,
         "another agency"),
        ("equipment_a", "/DSJ-XC-0001/assignments", {"officer": "ghost", "reason": "x"}, 422,
         "No officer"),
        ("equipment_a", "/DSJ-XC-0001/assignments", {"reason": "x"}, 422, "officer"),
        ("equipment_b", "/DSJ-XC-0001/assignments", {"officer": "officer_a2", "reason": "x"}, 404,
         "No such device"),
        ("equipment_a", "/DSJ-XC-0001/status", {"status": "lost", "reason": "x"}, 422,
         "Unknown status"),
        ("equipment_a", "/DSJ-XC-0001/status", {"status": "in_repair"}, 422, "reason"),
    ],
)  # fmt: skip
def test_bad_writes_are_refused_with_a_sentence_and_change_nothing(
    fleet: Crew, who: str, path: str, body: dict[str, object], status: int, says: str
) -> None:
    client = person(getattr(fleet, who, None) or getattr(fleet.p, who))
    before = counts()
    response = post(client, "/api/v1/devices" + path, body)
    assert response.status_code == status, response.content
    assert says in str(response.json())
    assert counts() == before
    assert Device.objects.get(serial="DSJ-XC-0001").holder == fleet.p.officer_a


def test_the_openapi_spec_lists_the_device_and_station_paths(db: None) -> None:
    from django.test import Client

    spec = Client().get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/devices",
        "/api/v1/devices/findings",
        "/api/v1/devices/{serial}",
        "/api/v1/devices/{serial}/assignments",
        "/api/v1/devices/{serial}/status",
        "/api/v1/stations",
        "/api/v1/stations/{station_id}",
        "/api/v1/stations/{station_id}/revoke",
        "/api/v1/stations/me/heartbeat",
        "/api/v1/stations/me/docks",
        "/api/v1/stations/me/docks/{dock_id}/progress",
        "/api/v1/stations/me/docks/{dock_id}/undock",
    ):
        assert path in spec["paths"], path
