"""Dock sessions (第十九条): a device docked at a station, its clock, and what was moved.

The station reports the docking (``start_dock``), its progress while it uploads
(``report_progress``) and the undocking (``undock``). Docking and undocking are ledger events;
progress reports are telemetry on the row, like the heartbeat. The device clock's offset from
the station clock is measured at docking (GA/T 947 clock sync); ingest keeps both the device's
times and the corrected ones on every recording (decision 0013).

An unknown device, or one that should not be in that officer's hands, is recorded with its
findings and never refused: the files on it are evidence all the same (第二十三条).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer
from lawtrail.devices.findings import Code, Finding, assignment_at, check_device, person
from lawtrail.devices.models import Device, DockSession, Station
from lawtrail.devices.registry import CLOCK_TOLERANCE
from lawtrail.errors import Invalid, NotFound
from lawtrail.ledger import events


def aware(value: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def not_ahead(value: datetime.datetime, name: str) -> datetime.datetime:
    """A time on the station's clock may not run ahead of the server's by more than a little:
    the station's clock is the one recordings are corrected to."""
    value = aware(value)
    if value > timezone.now() + CLOCK_TOLERANCE:
        raise Invalid(
            _(
                "%(name)s is ahead of the server's clock by more than %(minutes)d minutes; set "
                "the station's clock."
            )
            % {"name": name, "minutes": CLOCK_TOLERANCE.total_seconds() // 60},
            {name: []},
        )
    return value


def clean_serial(value: str) -> str:
    serial = value.strip()
    if not serial:
        raise Invalid(_("device_serial is required."), {"device_serial": []})
    if len(serial) > 64 or any(not c.isprintable() for c in serial):
        raise Invalid(_("device_serial is at most 64 printable characters."), {"device_serial": []})
    return serial


def officer_by_name(value: str) -> Officer | None:
    value = value.strip()
    if not value:
        return None
    officer = Officer.objects.select_related("user", "agency").filter(user__username=value).first()
    if officer is None:
        officer = (
            Officer.objects.select_related("user", "agency")
            .filter(certificates__number=value)
            .first()
        )
    return officer


@dataclass
class DockInput:
    device_serial: str
    docked_at: datetime.datetime
    station_clock: datetime.datetime
    officer: str = ""
    device_clock: datetime.datetime | None = None
    battery_percent: int | None = None
    files_found: int = 0
    bytes_found: int = 0


@dataclass
class Counts:
    files_uploaded: int = 0
    bytes_uploaded: int = 0
    files_failed: int = 0


def check_counts(*numbers: int | None) -> None:
    if any(n is not None and n < 0 for n in numbers):
        raise Invalid(_("Counts of files and bytes cannot be negative."), {"body": []})


def clock_offset(data: DockInput) -> Decimal | None:
    """Device clock minus station clock, in seconds (to the millisecond)."""
    if data.device_clock is None:
        return None
    delta = aware(data.device_clock) - aware(data.station_clock)
    seconds = Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 10**6
    return seconds.quantize(Decimal("0.001"))


def dock_findings(
    station: Station, serial: str, given: str, officer: Officer | None, at: datetime.datetime
) -> tuple[Device | None, Officer | None, list[Finding]]:
    """The device, the officer the dock is recorded for, and what the registry finds."""
    found: list[Finding] = []
    if given and officer is None:
        found.append(Finding(Code.UNKNOWN_OFFICER, {"serial": serial, "officer_given": given}))
    elif officer is not None and officer.agency_id != station.agency_id:
        found.append(
            Finding(
                Code.OFFICER_OTHER_AGENCY,
                {
                    "serial": serial,
                    **person(officer, "officer"),
                    "agency_name": station.agency.name,
                },
            )
        )
    device, about_device = check_device(serial, officer, at)
    found.extend(about_device)
    if officer is None and not given and device is not None:
        # The station did not say whose device it is: the holder at docking is.
        assignment = assignment_at(device, at)
        officer = assignment.officer if assignment else None
    return device, officer, found


@transaction.atomic
def start_dock(station: Station, data: DockInput) -> tuple[DockSession, list[Finding]]:
    """A device was docked. Returns the session and the registry's findings about it."""
    serial = clean_serial(data.device_serial)
    docked_at = not_ahead(data.docked_at, "docked_at")
    station_clock = not_ahead(data.station_clock, "station_clock")
    if data.battery_percent is not None and not 0 <= data.battery_percent <= 100:
        raise Invalid(_("battery_percent lies between 0 and 100."), {"battery_percent": []})
    check_counts(data.files_found, data.bytes_found)
    given = data.officer.strip()[:64]
    device, officer, found = dock_findings(
        station, serial, given, officer_by_name(given), docked_at
    )
    now = timezone.now()
    dock = DockSession.objects.create(
        station=station,
        device=device,
        serial=serial,
        officer=officer,
        officer_given=given,
        docked_at=docked_at,
        received_at=now,
        station_clock=station_clock,
        device_clock=aware(data.device_clock) if data.device_clock else None,
        clock_offset_seconds=clock_offset(data),
        battery_percent=data.battery_percent,
        files_found=data.files_found,
        bytes_found=data.bytes_found,
        findings=[f.stored() for f in found],
        updated_at=now,
    )
    events.append(
        events.Actor.of(station.login),
        "dock.started",
        dock,
        {
            "station": station.pk,
            "serial": serial,
            "device": device.pk if device else None,
            "officer": officer.user.get_username() if officer else None,
            "officer_given": given,
            "docked_at": docked_at.isoformat(),
            "clock_offset_seconds": str(dock.clock_offset_seconds)
            if dock.clock_offset_seconds is not None
            else None,
            "battery_percent": data.battery_percent,
            "files_found": data.files_found,
            "bytes_found": data.bytes_found,
            "findings": [f.code for f in found],
        },
    )
    return dock, found


def get_dock(station: Station, pk: Any) -> DockSession:
    """One of this station's dock sessions (another station's is not found)."""
    try:
        return DockSession.objects.select_related("device", "officer__user").get(
            pk=int(pk), station=station
        )
    except (DockSession.DoesNotExist, ValueError, TypeError):
        raise NotFound(
            _("This station has no dock session %(id)s.") % {"id": str(pk)[:20]}
        ) from None


def require_open(dock: DockSession) -> None:
    if dock.undocked_at is not None:
        raise Invalid(
            _("Dock session %(id)d ended at %(at)s.")
            % {
                "id": dock.pk,
                "at": timezone.localtime(dock.undocked_at).strftime("%Y-%m-%d %H:%M:%S"),
            },
            {"dock": []},
        )


def apply_counts(dock: DockSession, counts: Counts) -> list[str]:
    check_counts(counts.files_uploaded, counts.bytes_uploaded, counts.files_failed)
    dock.files_uploaded = counts.files_uploaded
    dock.bytes_uploaded = counts.bytes_uploaded
    dock.files_failed = counts.files_failed
    dock.updated_at = timezone.now()
    return ["files_uploaded", "bytes_uploaded", "files_failed", "updated_at"]


@transaction.atomic
def report_progress(station: Station, dock: DockSession, counts: Counts) -> DockSession:
    """The latest counts while the station uploads (telemetry: no ledger event)."""
    dock = DockSession.objects.select_for_update().get(pk=dock.pk, station=station)
    require_open(dock)
    dock.save(update_fields=apply_counts(dock, counts))
    return dock


@transaction.atomic
def undock(
    station: Station, dock: DockSession, undocked_at: datetime.datetime, counts: Counts
) -> DockSession:
    """The device was taken off the station: the session ends with its final counts."""
    dock = DockSession.objects.select_for_update().get(pk=dock.pk, station=station)
    undocked_at = not_ahead(undocked_at, "undocked_at")
    if dock.undocked_at == undocked_at and (
        dock.files_uploaded,
        dock.bytes_uploaded,
        dock.files_failed,
    ) == (counts.files_uploaded, counts.bytes_uploaded, counts.files_failed):
        return dock  # the same call again (its answer was lost): already recorded
    require_open(dock)
    if undocked_at < dock.docked_at:
        raise Invalid(_("A device cannot be undocked before it was docked."), {"undocked_at": []})
    fields = apply_counts(dock, counts)
    dock.undocked_at = undocked_at
    dock.save(update_fields=[*fields, "undocked_at"])
    events.append(
        events.Actor.of(station.login),
        "dock.ended",
        dock,
        {
            "station": station.pk,
            "serial": dock.serial,
            "undocked_at": undocked_at.isoformat(),
            "files_uploaded": dock.files_uploaded,
            "bytes_uploaded": dock.bytes_uploaded,
            "files_failed": dock.files_failed,
        },
    )
    return dock


def stored_findings(dock: DockSession) -> list[Finding]:
    return [Finding(f.get("code", ""), f.get("detail", {})) for f in dock.findings]
