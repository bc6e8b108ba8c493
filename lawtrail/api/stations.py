"""/api/v1/stations: collection stations (采集站, 第十九条), and /api/v1/stations/me/: the four
calls a station makes with its own token (docs/decisions/0013-station-protocol.md).

People register, list and revoke stations (equipment managers of the agency and system
administrators change; heads and supervisors see). Only a station's token reaches
``/stations/me/``; a person's token or session gets 403 with a sentence. Uploads themselves are
plain tus under /api/v1/uploads/.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from lawtrail.api.api import caller
from lawtrail.api.devices import DockOut, FindingOut, dock_out, finding_out
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, AgencyRef, Input, agency_ref
from lawtrail.devices import docks, stations
from lawtrail.devices.models import DockSession, Station
from lawtrail.devices.scope import visible_docks, visible_stations

router = Router(tags=["stations"])
me_router = Router(tags=["stations"])


# ---------------------------------------------------------------- shapes


class StationOut(Schema):
    id: int
    name: str
    agency: AgencyRef
    location: str
    latitude: float | None = Field(description="WGS-84.")
    longitude: float | None = Field(description="WGS-84.")
    login: str = Field(description="The station's service login, station-<id>.")
    created_at: datetime.datetime
    revoked_at: datetime.datetime | None
    online: bool = Field(description="A heartbeat within the last three minutes.")
    last_seen_at: datetime.datetime | None
    queue_files: int
    queue_bytes: int
    uploading: int
    bytes_per_second: int
    agent_version: str


class StationDetail(StationOut):
    docks: list[DockOut] = Field(description="The latest dock sessions, newest first.")


class StationCreated(Schema):
    station: StationOut
    token: str = Field(description="The station's bearer token, shown this once.")


class StationIn(Input):
    agency: str = Field(description="Region code of the station's agency.")
    name: str = Field(max_length=100)
    location: str = Field("", max_length=200)
    latitude: float | None = Field(None, description="WGS-84 degrees; with longitude.")
    longitude: float | None = Field(None, description="WGS-84 degrees; with latitude.")


class HeartbeatIn(Input):
    queue_files: int = Field(0, ge=0)
    queue_bytes: int = Field(0, ge=0)
    uploading: int = Field(0, ge=0)
    bytes_per_second: float = Field(0, ge=0)
    agent_version: str = Field("", max_length=64)


class StationRef(Schema):
    id: int
    name: str
    agency: str = Field(description="Region code.")


class HeartbeatOut(Schema):
    station: StationRef
    server_time: datetime.datetime = Field(description="The server's clock, to compare with.")


class DockIn(Input):
    device_serial: str = Field(max_length=64)
    officer: str | None = Field(
        None, max_length=64, description="Certificate number or username, if the device says."
    )
    docked_at: datetime.datetime = Field(description="Station clock.")
    station_clock: datetime.datetime = Field(description="When the device clock was read.")
    device_clock: datetime.datetime | None = Field(None, description="The device's clock then.")
    battery_percent: int | None = Field(None, ge=0, le=100)
    files_found: int = Field(ge=0)
    bytes_found: int = Field(ge=0)


class DockDeviceOut(Schema):
    serial: str
    known: bool = Field(description="In the registry.")
    status: str | None
    assigned_to: str | None = Field(description="Username of the officer who holds it now.")


class DockCreated(Schema):
    id: int
    device: DockDeviceOut
    officer: str | None = Field(description="Username of the officer the dock is recorded for.")
    clock_offset_seconds: float | None = Field(description="Device clock minus station clock.")
    findings: list[FindingOut]


class ProgressIn(Input):
    files_uploaded: int = Field(ge=0)
    bytes_uploaded: int = Field(ge=0)
    files_failed: int = Field(ge=0)


class UndockIn(ProgressIn):
    undocked_at: datetime.datetime = Field(description="Station clock.")


# ---------------------------------------------------------------- rows → shapes


def station_fields(station: Station, now: datetime.datetime | None = None) -> dict[str, Any]:
    return dict(
        id=station.pk,
        name=station.name,
        agency=agency_ref(station.agency),
        location=station.location,
        latitude=float(station.latitude) if station.latitude is not None else None,
        longitude=float(station.longitude) if station.longitude is not None else None,
        login=station.login.get_username(),
        created_at=station.created_at,
        revoked_at=station.revoked_at,
        online=stations.is_online(station, now),
        last_seen_at=station.last_seen_at,
        queue_files=station.queue_files,
        queue_bytes=station.queue_bytes,
        uploading=station.uploading,
        bytes_per_second=station.bytes_per_second,
        agent_version=station.agent_version,
    )


def station_out(station: Station, now: datetime.datetime | None = None) -> StationOut:
    return StationOut(**station_fields(station, now))


def recent_docks(user: Any, station: Station, limit: int = 20) -> list[DockSession]:
    return list(
        visible_docks(user)
        .filter(station=station)
        .select_related("station", "officer__user")
        .order_by("-docked_at", "-id")[:limit]
    )


def dock_created(dock: DockSession, found: list[Any]) -> DockCreated:
    device = dock.device
    holder = device.holder if device else None
    return DockCreated(
        id=dock.pk,
        device=DockDeviceOut(
            serial=dock.serial,
            known=device is not None,
            status=device.status if device else None,
            assigned_to=holder.user.get_username() if holder else None,
        ),
        officer=dock.officer.user.get_username() if dock.officer else None,
        clock_offset_seconds=(
            float(dock.clock_offset_seconds) if dock.clock_offset_seconds is not None else None
        ),
        findings=[finding_out(f) for f in found],
    )


def reloaded(dock: DockSession) -> DockSession:
    return DockSession.objects.select_related("station", "officer__user").get(pk=dock.pk)


# ---------------------------------------------------------------- people


@router.get("", response={200: list[StationOut], **READ_ERRORS}, summary="Visible stations")
def list_stations(request: HttpRequest) -> list[StationOut]:
    """With online/offline, queue and throughput from their last heartbeat."""
    now = timezone.now()
    rows = visible_stations(caller(request)).select_related("agency", "login")
    return [station_out(s, now) for s in rows.order_by("agency__path", "name", "id")]


@router.post(
    "", response={201: StationCreated, **WRITE_ERRORS}, summary="Register a station (token once)"
)
def register_station(request: HttpRequest, data: StationIn) -> Status[StationCreated]:
    """第十九条: a station of the agency, with its service login and a bearer token that is
    shown in this answer only."""
    registered = stations.register_station(
        caller(request),
        stations.StationInput(
            agency_code=data.agency,
            name=data.name,
            location=data.location,
            latitude=data.latitude,
            longitude=data.longitude,
        ),
    )
    return Status(
        201, StationCreated(station=station_out(registered.station), token=registered.token)
    )


@router.get("/{int:station_id}", response={200: StationDetail, **READ_ERRORS}, summary="A station")
def get_station(request: HttpRequest, station_id: int) -> StationDetail:
    user = caller(request)
    station = stations.get_visible_station(user, station_id)
    return StationDetail(
        **station_fields(station), docks=[dock_out(d) for d in recent_docks(user, station)]
    )


@router.post(
    "/{int:station_id}/revoke",
    response={200: StationOut, **WRITE_ERRORS},
    summary="Revoke a station's token",
)
def revoke_station(request: HttpRequest, station_id: int) -> StationOut:
    """The station is refused from its next request on; what it uploaded stays evidence."""
    user = caller(request)
    station = stations.get_visible_station(user, station_id)
    return station_out(stations.revoke_station(user, station))


# ---------------------------------------------------------------- the station itself


@me_router.post("/heartbeat", response={200: HeartbeatOut, **WRITE_ERRORS}, summary="Heartbeat")
def heartbeat(request: HttpRequest, data: HeartbeatIn) -> HeartbeatOut:
    """About once a minute; the station is shown offline after three missed minutes."""
    station = stations.require_station(caller(request))
    stations.record_heartbeat(station, stations.HeartbeatInput(**data.model_dump()))
    return HeartbeatOut(
        station=StationRef(id=station.pk, name=station.name, agency=station.agency.region_code),
        server_time=timezone.now(),
    )


@me_router.post("/docks", response={201: DockCreated, **WRITE_ERRORS}, summary="A device docked")
def dock(request: HttpRequest, data: DockIn) -> Status[DockCreated]:
    """Records the dock session with the clock offset and the registry's findings. An unknown
    device is recorded with a finding, never refused: its files are evidence."""
    station = stations.require_station(caller(request))
    session, found = docks.start_dock(
        station,
        docks.DockInput(
            device_serial=data.device_serial,
            officer=data.officer or "",
            docked_at=data.docked_at,
            station_clock=data.station_clock,
            device_clock=data.device_clock,
            battery_percent=data.battery_percent,
            files_found=data.files_found,
            bytes_found=data.bytes_found,
        ),
    )
    return Status(201, dock_created(session, found))


@me_router.post(
    "/docks/{int:dock_id}/progress", response={200: DockOut, **WRITE_ERRORS}, summary="Progress"
)
def progress(request: HttpRequest, dock_id: int, data: ProgressIn) -> DockOut:
    station = stations.require_station(caller(request))
    session = docks.report_progress(
        station, docks.get_dock(station, dock_id), docks.Counts(**data.model_dump())
    )
    return dock_out(
        DockSession.objects.select_related("station", "officer__user").get(pk=session.pk)
    )


@me_router.post(
    "/docks/{int:dock_id}/undock", response={200: DockOut, **WRITE_ERRORS}, summary="Undocked"
)
def undock(request: HttpRequest, dock_id: int, data: UndockIn) -> DockOut:
    station = stations.require_station(caller(request))
    counts = docks.Counts(**data.model_dump(exclude={"undocked_at"}))
    session = docks.undock(station, docks.get_dock(station, dock_id), data.undocked_at, counts)
    return dock_out(
        DockSession.objects.select_related("station", "officer__user").get(pk=session.pk)
    )
