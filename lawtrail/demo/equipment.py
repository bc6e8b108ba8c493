"""The demo's devices and collection stations, made through the registry's actions.

Each county has a station; the equipment manager of 新城区 registers its body cameras and a
mobile terminal and hands them out, the administrator does the same for 碑林区 (it has no
equipment manager). The assignments are dated a month back, so the recordings of the demo were
made while the devices were held. One camera (DSJ-XC-0207) is officer_a2's but officer_a
recorded with it: its recordings carry a finding of 第二十三条. The recordings go up through
the station of 新城区 (``Equipment.ingest``), one dock session per device, as the station agent
would; the officer then binds them to the matter from the inbox.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from lawtrail.demo.people import COUNTY_A, COUNTY_B, Staff
from lawtrail.devices import docks, registry, stations
from lawtrail.devices.models import Device, DockSession, Station
from lawtrail.evidence.actions import bind_evidence
from lawtrail.evidence.ingest import IngestInput, ingest_file
from lawtrail.evidence.models import Acquisition
from lawtrail.matters.models import Matter


@dataclass(frozen=True)
class DemoDevice:
    serial: str
    kind: str
    model: str
    agency: str
    holder: str
    #: How far the device's clock runs ahead of the station's, in seconds.
    clock_ahead: int = 0


DEVICES = [
    DemoDevice("DSJ-XC-0213", "body_camera", "DSJ-V9 执法记录仪", COUNTY_A, "officer_a", 95),
    DemoDevice("DSJ-XC-0207", "body_camera", "DSJ-V9 执法记录仪", COUNTY_A, "officer_a2", -12),
    DemoDevice("DSJ-XC-0219", "body_camera", "DSJ-V9 执法记录仪", COUNTY_A, "assistant_a"),
    DemoDevice("ZD-XC-0031", "mobile_terminal", "ZF-T6 移动执法终端", COUNTY_A, "officer_a2"),
    DemoDevice("DSJ-BL-0101", "body_camera", "DSJ-V9 执法记录仪", COUNTY_B, "officer_b"),
    DemoDevice("DSJ-BL-0102", "body_camera", "DSJ-V9 执法记录仪", COUNTY_B, "officer_b2"),
]

#: Who manages each county's equipment in the demo (第十一条).
MANAGERS = {COUNTY_A: "equipment_a", COUNTY_B: "admin"}
STATIONS = {
    COUNTY_A: (
        "新城区卫生健康局采集站01",
        "新城区西一路 执法大队二楼 设备室",
        "34.268590",
        "108.963020",
    ),
    COUNTY_B: (
        "碑林区卫生健康局采集站01",
        "碑林区南关正街 执法大队一楼",
        "34.251610",
        "108.945320",
    ),
}
HELD_SINCE = datetime.timedelta(days=30)


@dataclass
class Equipment:
    staff: Staff
    stations: dict[str, Station] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    devices: dict[str, DemoDevice] = field(default_factory=dict)
    sessions: dict[str, DockSession] = field(default_factory=dict)
    counts: dict[int, docks.Counts] = field(default_factory=dict)

    def ingest(
        self,
        path: Path,
        *,
        matter: Matter,
        lead: str,
        data: IngestInput,
    ) -> Acquisition:
        """Upload ``path`` through the station of the matter's agency, in the dock session of
        its device, and bind it to ``matter`` as the lead officer would from the inbox."""
        code = matter.agency.region_code
        station = self.stations[code]
        dock = self.dock(station, data.device)
        ahead = datetime.timedelta(seconds=self.devices[data.device].clock_ahead)
        recorded_from = datetime.datetime.fromisoformat(data.recorded_from)
        recorded_to = datetime.datetime.fromisoformat(data.recorded_to)
        data.source = Acquisition.Source.STATION
        data.station = ""
        data.dock = str(dock.pk)
        data.device_recorded_from = (recorded_from + ahead).isoformat()
        data.device_recorded_to = (recorded_to + ahead).isoformat()
        acquisition = ingest_file(station.login, path, data)
        officer = self.staff[lead]
        bind_evidence(
            officer.user,
            acquisition.evidence_id,
            matter_id=matter.pk,
            matter_number="",
            reason="",
        )
        counts = self.counts.setdefault(dock.pk, docks.Counts())
        counts.files_uploaded += 1
        counts.bytes_uploaded += acquisition.evidence.size
        return acquisition

    def dock(self, station: Station, serial: str) -> DockSession:
        """One dock session per device, opened twenty minutes ago with its clock read."""
        if serial not in self.sessions:
            docked_at = timezone.localtime() - datetime.timedelta(minutes=20)
            ahead = datetime.timedelta(seconds=self.devices[serial].clock_ahead)
            session, _found = docks.start_dock(
                station,
                docks.DockInput(
                    device_serial=serial,
                    docked_at=docked_at,
                    station_clock=docked_at,
                    device_clock=docked_at + ahead,
                    battery_percent=35,
                    files_found=0,
                    bytes_found=0,
                ),
            )
            self.sessions[serial] = session
        return self.sessions[serial]

    def finish(self) -> None:
        """Undock every device, and let the stations beat once (they show online a while)."""
        now = timezone.localtime()
        for session in self.sessions.values():
            counts = self.counts.get(session.pk, docks.Counts())
            DockSession.objects.filter(pk=session.pk).update(
                files_found=counts.files_uploaded, bytes_found=counts.bytes_uploaded
            )
            docks.undock(session.station, session, now, counts)
        for station in self.stations.values():
            stations.record_heartbeat(station, stations.HeartbeatInput(agent_version="demo"))


def equip(staff: Staff) -> Equipment:
    """Stations and devices of the demo province, through the registry's actions."""
    equipment = Equipment(staff)
    for code, (name, location, latitude, longitude) in STATIONS.items():
        manager = staff[MANAGERS[code]].user
        registered = stations.register_station(
            manager,
            stations.StationInput(
                agency_code=code,
                name=name,
                location=location,
                latitude=Decimal(latitude),
                longitude=Decimal(longitude),
            ),
        )
        equipment.stations[code] = registered.station
        equipment.tokens[name] = registered.token
    since = timezone.now() - HELD_SINCE
    for item in DEVICES:
        manager = staff[MANAGERS[item.agency]].user
        device: Device = registry.register_device(
            manager,
            registry.DeviceInput(
                serial=item.serial, kind=item.kind, agency_code=item.agency, model=item.model
            ),
        )
        registry.assign_device(manager, device, staff[item.holder], reason="", since=since)
        equipment.devices[item.serial] = item
    return equipment
