"""Building blocks of the device and station tests: the equipment managers, a device held by an
officer, a station and its client, and counts that a refused request must leave as they were."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django.utils import timezone

from lawtrail.agencies.models import Officer, Role
from lawtrail.api.models import ApiToken
from lawtrail.api.tokens import create_token
from lawtrail.devices import registry, stations
from lawtrail.devices.models import Assignment, Device, DockSession, Station, StatusChange
from lawtrail.evidence.models import Acquisition, AcquisitionFinding, Evidence
from lawtrail.ledger.models import Event
from lawtrail.testing import Province, make_person

#: Long enough ago that every assignment of a test is in force at the recordings' times.
LONG_AGO = datetime.timedelta(days=30)


@dataclass
class Crew:
    """The province and the equipment managers of its two counties."""

    p: Province
    equipment_a: Officer
    equipment_b: Officer

    @classmethod
    def of(cls, p: Province) -> Crew:
        manager = [Role.EQUIPMENT_MANAGER]
        return cls(
            p,
            make_person("equipment_a", "黄涛", p.county_a, manager),
            make_person("equipment_b", "钱进", p.county_b, manager),
        )

    def device(
        self,
        serial: str = "DSJ-XC-0001",
        holder: Officer | None = None,
        *,
        agency: str = "610102",
        kind: str = "body_camera",
        since: datetime.datetime | None = None,
    ) -> Device:
        """A device of county A (by default), held by ``holder`` since a month ago."""
        manager = self.equipment_a if agency == "610102" else self.equipment_b
        device = registry.register_device(
            manager.user, registry.DeviceInput(serial=serial, kind=kind, agency_code=agency)
        )
        if holder is not None:
            registry.assign_device(
                manager.user, device, holder, since=since or timezone.now() - LONG_AGO
            )
        return Device.objects.get(pk=device.pk)

    def station(self, name: str = "新城区采集站01", agency: str = "610102") -> tuple[Station, str]:
        manager = self.equipment_a if agency == "610102" else self.equipment_b
        registered = stations.register_station(
            manager.user, stations.StationInput(agency_code=agency, name=name, location="二楼")
        )
        return registered.station, registered.token


#: The API answers in the caller's language; the tests read its sentences in English.
ENGLISH = {"Accept-Language": "en"}


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}", **ENGLISH})


def person(officer: Officer) -> Client:
    """A client with a fresh bearer token of ``officer``."""
    return bearer(create_token(officer.user))


def counts() -> dict[str, int]:
    """What a refused request must leave as it was."""
    return {
        "devices": Device.objects.count(),
        "assignments": Assignment.objects.count(),
        "status_changes": StatusChange.objects.count(),
        "stations": Station.objects.count(),
        "docks": DockSession.objects.count(),
        "tokens": ApiToken.objects.count(),
        "evidence": Evidence.objects.count(),
        "acquisitions": Acquisition.objects.count(),
        "findings": AcquisitionFinding.objects.count(),
        "events": Event.objects.count(),
    }


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def dock_body(serial: str = "DSJ-XC-0001", **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body: dict[str, Any] = {
        "device_serial": serial,
        "docked_at": iso(now),
        "station_clock": iso(now),
        "files_found": 3,
        "bytes_found": 3_000_000,
    }
    body.update(overrides)
    return body


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, body, content_type="application/json")
