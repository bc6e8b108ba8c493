"""Collection stations (第十九条, decision 0013): registering one gives a service login and a
token shown once; revoking it stops the station; only a station's token reaches
/api/v1/stations/me/, and people get 403 with a sentence."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from lawtrail.agencies.models import Officer
from lawtrail.api.models import ApiToken
from lawtrail.devices import stations
from lawtrail.devices.models import DockSession, Station
from lawtrail.devices.tests.helpers import Crew, bearer, counts, dock_body, person, post
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger.models import Event


def test_a_station_gets_a_service_login_without_password_or_profile_and_a_token(
    crew: Crew,
) -> None:
    station, token = crew.station()
    login = station.login
    assert login.get_username() == f"station-{station.pk}"
    assert not login.has_usable_password()
    assert not Officer.objects.filter(user=login).exists()
    [stored] = ApiToken.objects.filter(user=login)
    assert stored.digest != token and token.startswith("lt_")  # only the digest is kept
    assert stations.station_of(login) == station
    assert stations.station_of(crew.p.officer_a.user) is None
    assert Event.objects.filter(action="station.registered").count() == 1
    me = bearer(token).get("/api/v1/me").json()
    assert me == {"username": login.get_username(), "officer": None}


def test_the_api_registers_a_station_and_shows_the_token_once(crew: Crew) -> None:
    client = person(crew.equipment_a)
    response = post(
        client,
        "/api/v1/stations",
        {"agency": "610102", "name": "新城区采集站02", "latitude": 34.2686, "longitude": 108.963},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    token = created["token"]
    assert created["station"]["login"] == f"station-{created['station']['id']}"
    assert created["station"]["online"] is False
    listed = client.get("/api/v1/stations").json()
    assert [s["name"] for s in listed] == ["新城区采集站02"]
    assert token not in str(listed)
    detail = client.get(f"/api/v1/stations/{created['station']['id']}").json()
    assert token not in str(detail) and detail["docks"] == []
    assert post(bearer(token), "/api/v1/stations/me/heartbeat", {}).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"agency": "610102", "name": " "}, 422, "name"),
        ({"agency": "999999", "name": "站"}, 422, "No agency"),
        ({"agency": "610102", "name": "站", "latitude": 95, "longitude": 108}, 422, "latitude"),
        ({"agency": "610102", "name": "站", "latitude": 34.2}, 422, "both"),
        ({"agency": "610102", "name": "站", "colour": "red"}, 422, "Unknown field"),
        ({"agency": "610103", "name": "站"}, 403, "equipment managers"),
    ],
)
def test_bad_station_input_is_refused_and_changes_nothing(
    crew: Crew, body: dict[str, object], status: int, says: str
) -> None:
    client = person(crew.equipment_a)
    users = get_user_model().objects.count()
    before = counts()
    response = post(client, "/api/v1/stations", body)
    assert response.status_code == status, response.content
    assert says in str(response.json())
    assert counts() == before
    assert get_user_model().objects.count() == users


def test_a_station_name_is_used_once_per_agency(crew: Crew) -> None:
    crew.station("采集站")
    before = counts()
    with pytest.raises(Invalid, match="already has a station"):
        crew.station("采集站")
    assert counts() == before
    crew.station("采集站", agency="610103")  # another county may use the same name


def test_the_heartbeat_keeps_the_numbers_and_online_means_three_minutes(crew: Crew) -> None:
    station, token = crew.station()
    body = {
        "queue_files": 12,
        "queue_bytes": 7_000_000_000,
        "uploading": 3,
        "bytes_per_second": 85_000_000.5,
        "agent_version": "lawtrail-station 1.0",
    }
    events = Event.objects.count()
    response = post(bearer(token), "/api/v1/stations/me/heartbeat", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["station"] == {"id": station.pk, "name": station.name, "agency": "610102"}
    assert abs(datetime.datetime.fromisoformat(answer["server_time"]) - timezone.now()) < (
        datetime.timedelta(seconds=5)
    )
    station.refresh_from_db()
    assert (station.queue_files, station.queue_bytes, station.uploading) == (12, 7_000_000_000, 3)
    assert station.bytes_per_second == 85_000_000 and station.agent_version.endswith("1.0")
    assert stations.is_online(station)
    assert not stations.is_online(station, timezone.now() + datetime.timedelta(minutes=4))
    assert Event.objects.count() == events  # telemetry, not a record


def test_a_heartbeat_with_bad_numbers_is_refused(crew: Crew) -> None:
    station, token = crew.station()
    response = post(bearer(token), "/api/v1/stations/me/heartbeat", {"queue_files": -1})
    assert response.status_code == 422
    station.refresh_from_db()
    assert station.last_seen_at is None


@pytest.mark.parametrize("path", ["heartbeat", "docks", "docks/1/progress", "docks/1/undock"])
def test_a_person_calling_the_station_api_gets_403_with_a_sentence(crew: Crew, path: str) -> None:
    crew.station()
    client = person(crew.p.officer_a)
    body: dict[str, object] = dock_body()
    if path == "heartbeat":
        body = {}
    elif path != "docks":
        body = {"files_uploaded": 0, "bytes_uploaded": 0, "files_failed": 0}
        if "undock" in path:
            body["undocked_at"] = timezone.now().isoformat()
    before = counts()
    response = post(client, f"/api/v1/stations/me/{path}", body)
    assert response.status_code == 403, response.content
    assert "station's token" in response.json()["detail"]
    assert counts() == before


def test_a_person_logged_in_with_a_session_gets_403_too(crew: Crew, client: Client) -> None:
    crew.station()
    client.force_login(crew.p.officer_a.user)
    response = client.post("/api/v1/stations/me/heartbeat", {}, content_type="application/json")
    assert response.status_code == 403


def test_a_revoked_station_is_refused_and_nothing_changes(crew: Crew) -> None:
    station, token = crew.station()
    client = bearer(token)
    dock = post(client, "/api/v1/stations/me/docks", dock_body()).json()
    stations.revoke_station(crew.equipment_a.user, station)
    station.refresh_from_db()
    assert station.revoked_at is not None and not station.login.is_active
    assert not ApiToken.objects.filter(user=station.login, revoked_at=None).exists()
    before = counts()
    for path, body in (
        ("heartbeat", {}),
        ("docks", dock_body("DSJ-XC-0002")),
        (
            f"docks/{dock['id']}/undock",
            {
                "undocked_at": timezone.now().isoformat(),
                "files_uploaded": 1,
                "bytes_uploaded": 1,
                "files_failed": 0,
            },
        ),
    ):
        response = post(client, f"/api/v1/stations/me/{path}", body)
        assert response.status_code == 401, response.content
        assert response.json()["detail"]
    tus = client.post(
        "/api/v1/uploads/", b"", content_type="application/offset+octet-stream",
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10"},
    )  # fmt: skip
    assert tus.status_code == 401
    assert counts() == before
    assert DockSession.objects.get(pk=dock["id"]).undocked_at is None
    station.refresh_from_db()
    assert station.last_seen_at is None


def test_revoking_twice_or_by_another_county_is_refused(crew: Crew) -> None:
    station, _token = crew.station()
    with pytest.raises(Forbidden):
        stations.revoke_station(crew.equipment_b.user, station)
    stations.revoke_station(crew.equipment_a.user, station)
    before = counts()
    with pytest.raises(Invalid, match="already revoked"):
        stations.revoke_station(crew.equipment_a.user, station)
    assert counts() == before


def test_the_api_revokes_and_lists_the_station_as_revoked(crew: Crew) -> None:
    station, token = crew.station()
    client = person(crew.equipment_a)
    response = client.post(f"/api/v1/stations/{station.pk}/revoke")
    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"] is not None
    assert post(bearer(token), "/api/v1/stations/me/heartbeat", {}).status_code == 401
    assert Event.objects.filter(action="station.revoked").count() == 1
    assert Event.objects.filter(action="api_token.revoked").count() == 1


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("equipment_a", {"A"}),
        ("equipment_b", {"B"}),
        ("head_a", {"A"}),
        ("head_city", {"A", "B"}),
        ("supervisor", {"A", "B"}),
        ("admin", {"A", "B"}),
        ("officer_a", set()),
    ],
)
def test_who_sees_which_stations(crew: Crew, who: str, sees: set[str]) -> None:
    crew.station("A")
    crew.station("B", agency="610103")
    officer = getattr(crew, who, None) or getattr(crew.p, who)
    listed = {s["name"] for s in person(officer).get("/api/v1/stations").json()}
    assert listed == sees


def test_a_station_sees_no_stations_devices_or_evidence(crew: Crew) -> None:
    crew.station("A")
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    _station, token = crew.station("B")
    client = bearer(token)
    assert client.get("/api/v1/stations").json() == []
    assert client.get("/api/v1/devices").json()["items"] == []
    assert client.get("/api/v1/evidence").json()["items"] == []
    assert Station.objects.count() == 2
