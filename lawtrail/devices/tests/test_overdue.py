"""第十九条: devices not docked within 48 hours, and docks that brought recordings which had
ended more than 48 hours before docking."""

from __future__ import annotations

import datetime

from django.test import Client
from django.utils import timezone

from lawtrail.devices import queries, registry
from lawtrail.devices.tests.helpers import Crew, bearer, dock_body, post
from lawtrail.devices.tests.test_station_ingest import recorded, upload
from lawtrail.evidence.tests.media import Media


def docked(token: str, serial: str, hours_ago: float) -> int:
    at = (timezone.now() - datetime.timedelta(hours=hours_ago)).isoformat()
    response = post(bearer(token), "/api/v1/stations/me/docks", dock_body(serial, docked_at=at))
    assert response.status_code == 201, response.content
    dock_id: int = response.json()["id"]
    return dock_id


def test_devices_held_by_an_officer_and_not_docked_within_48_hours(crew: Crew) -> None:
    p = crew.p
    _station, token = crew.station()
    crew.device("NEVER-1", p.officer_a)  # held a month, never docked
    crew.device("RECENT-1", p.officer_a2)
    docked(token, "RECENT-1", 2)
    crew.device("STALE-1", p.officer_a)
    docked(token, "STALE-1", 72)
    crew.device("NEW-1", p.officer_a2, since=timezone.now() - datetime.timedelta(hours=1))
    repair = crew.device("REPAIR-1", p.officer_a)
    registry.set_status(crew.equipment_a.user, repair, "in_repair", reason="送修")
    crew.device("SHELF-1")  # held by nobody
    crew.device("B-1", p.officer_b, agency="610103")
    listed = [d.serial for d in queries.not_docked(crew.equipment_a.user)]
    assert listed == ["NEVER-1", "STALE-1"]  # never docked first, then the oldest dock
    everyone = [d.serial for d in queries.not_docked(p.head_city.user)]
    assert everyone == ["B-1", "NEVER-1", "STALE-1"]
    assert queries.not_docked(p.officer_b2.user) == []


def test_docks_that_brought_recordings_older_than_48_hours(crew: Crew, media: Media) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    _station, token = crew.station()
    late_dock = docked(token, "DSJ-XC-0001", 0.5)
    upload(token, media.photo, dock=str(late_dock), officer="officer_a", **recorded(72))
    upload(token, media.audio_wav, dock=str(late_dock), officer="officer_a", **recorded(50))
    on_time_dock = docked(token, "DSJ-XC-0001", 0.1)
    upload(token, media.video, dock=str(on_time_dock), officer="officer_a", **recorded(3))
    late = queries.late_docks(crew.equipment_a.user)
    assert [(d.pk, getattr(d, queries.LATE_COUNT)) for d in late] == [(late_dock, 2)]
    assert queries.late_docks(crew.equipment_b.user) == []


def test_the_page_lists_both(crew: Crew, media: Media, client: Client) -> None:
    crew.device("NEVER-1", crew.p.officer_a)
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    _station, token = crew.station()
    dock = docked(token, "DSJ-XC-0001", 0.5)
    upload(token, media.photo, dock=str(dock), officer="officer_a", **recorded(60))
    client.force_login(crew.p.head_a.user)
    response = client.get("/devices/overdue/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-device="NEVER-1"' in body and 'data-device="DSJ-XC-0001"' not in body
    assert f'data-dock="{dock}"' in body
