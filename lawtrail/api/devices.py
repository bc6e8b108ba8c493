"""/api/v1/devices: the registry of recording devices (第九条, 第十一条), their assignments and
docks, and the registry's findings about recordings (第二十三条).

Thin: reads go through ``lawtrail.devices.queries`` and ``scope`` (denial by default), changes
through ``lawtrail.devices.registry``. Equipment managers of the device's agency and system
administrators change; heads and supervisors see their agency and those below; an officer sees
the devices they hold.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lawtrail.api.api import caller
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyRef,
    Input,
    OfficerRef,
    agency_ref,
    officer_ref,
    one_of,
)
from lawtrail.devices import queries, registry
from lawtrail.devices.findings import Finding
from lawtrail.devices.models import Assignment, Device, DockSession, StatusChange
from lawtrail.devices.scope import visible_devices
from lawtrail.errors import NotFound
from lawtrail.evidence.models import AcquisitionFinding
from lawtrail.evidence.queries import get_visible_evidence, shown_acquisitions

router = Router(tags=["devices"])


# ---------------------------------------------------------------- shapes


class DeviceFilters(Schema):
    agency: str | None = Field(None, description="Region code; includes the agencies below.")
    status: str | None = one_of(Device.Status.values, default=None)
    kind: str | None = one_of(Device.Kind.values, default=None)
    officer: str | None = Field(None, description="Username or certificate number of the holder.")
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, description="The `next` cursor of the previous page.")


class DeviceOut(Schema):
    serial: str
    kind: str = one_of(Device.Kind.values, "第九条")
    model: str
    agency: AgencyRef
    status: str = one_of(Device.Status.values)
    assigned_to: OfficerRef | None = Field(description="The officer who holds it now.")
    registered_by: str
    registered_at: datetime.datetime
    last_docked_at: datetime.datetime | None
    last_station: str | None = Field(description="The station it was docked at last.")


class AssignmentOut(Schema):
    officer: OfficerRef | None = Field(description="null: taken back, held by nobody.")
    since: datetime.datetime
    assigned_by: str
    recorded_at: datetime.datetime
    reason: str


class StatusChangeOut(Schema):
    status: str = one_of(Device.Status.values)
    since: datetime.datetime
    changed_by: str
    reason: str


class FindingOut(Schema):
    code: str = Field(description="A stable code, e.g. device.not_assigned.")
    article: str = Field(description="The rule behind it, e.g. 第二十三条.")
    message: str


class DockOut(Schema):
    id: int
    station: int
    station_name: str
    serial: str
    device_known: bool
    officer: str | None = Field(description="Username of the officer the dock is recorded for.")
    docked_at: datetime.datetime
    undocked_at: datetime.datetime | None
    station_clock: datetime.datetime
    device_clock: datetime.datetime | None
    clock_offset_seconds: float | None = Field(description="Device clock minus station clock.")
    battery_percent: int | None
    files_found: int
    bytes_found: int
    files_uploaded: int
    bytes_uploaded: int
    files_failed: int
    findings: list[FindingOut]


class DeviceDetail(DeviceOut):
    note: str
    assignments: list[AssignmentOut] = Field(description="Every assignment, oldest first.")
    status_changes: list[StatusChangeOut] = Field(description="Every status, oldest first.")
    docks: list[DockOut] = Field(description="The latest docks, newest first.")


class DevicePage(Schema):
    items: list[DeviceOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class DeviceIn(Input):
    serial: str = Field(max_length=64)
    kind: str = one_of(Device.Kind.values, "第九条")
    agency: str = Field(description="Region code of the agency whose registry holds it.")
    model: str = Field("", max_length=100)
    note: str = Field("", max_length=2000)
    officer: str = Field("", max_length=64, description="Assign it at once (username or 执法证).")


class AssignmentIn(Input):
    officer: str | None = Field(
        max_length=64, description="Username or certificate number; null takes it back."
    )
    reason: str = Field("", max_length=2000, description="Required when it moves or is taken.")
    since: datetime.datetime | None = Field(
        None, description="When it was handed over; now if absent. Not before the latest one."
    )


class StatusIn(Input):
    status: str = one_of(Device.Status.values)
    reason: str = Field(max_length=2000)


class FindingFilters(Schema):
    evidence: int | None = Field(None, description="Only the findings about this evidence.")
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, description="The `next` cursor of the previous page.")


class RecordingFindingOut(FindingOut):
    id: int
    evidence: int
    acquisition: int
    officer: str | None = Field(description="Username of the recording officer.")
    device_serial: str
    found_at: datetime.datetime


class FindingPage(Schema):
    items: list[RecordingFindingOut]
    next: str | None


# ---------------------------------------------------------------- rows → shapes


def finding_out(finding: Finding) -> FindingOut:
    return FindingOut(code=finding.code, article=finding.article, message=finding.message)


def dock_out(dock: DockSession) -> DockOut:
    return DockOut(
        id=dock.pk,
        station=dock.station_id,
        station_name=dock.station.name,
        serial=dock.serial,
        device_known=dock.device_id is not None,
        officer=dock.officer.user.get_username() if dock.officer else None,
        docked_at=dock.docked_at,
        undocked_at=dock.undocked_at,
        station_clock=dock.station_clock,
        device_clock=dock.device_clock,
        clock_offset_seconds=(
            float(dock.clock_offset_seconds) if dock.clock_offset_seconds is not None else None
        ),
        battery_percent=dock.battery_percent,
        files_found=dock.files_found,
        bytes_found=dock.bytes_found,
        files_uploaded=dock.files_uploaded,
        bytes_uploaded=dock.bytes_uploaded,
        files_failed=dock.files_failed,
        findings=[
            finding_out(Finding(f.get("code", ""), f.get("detail", {}))) for f in dock.findings
        ],
    )


def device_fields(device: Device) -> dict[str, Any]:
    """Expects ``agency``, ``holder__user`` and the ``with_last_dock`` annotations."""
    return {
        "serial": device.serial,
        "kind": device.kind,
        "model": device.model,
        "agency": agency_ref(device.agency),
        "status": device.status,
        "assigned_to": officer_ref(device.holder) if device.holder else None,
        "registered_by": device.registered_by.get_username(),
        "registered_at": device.registered_at,
        "last_docked_at": getattr(device, queries.LAST_DOCKED, None),
        "last_station": getattr(device, queries.LAST_STATION, None),
    }


def device_detail(user: Any, serial: str) -> DeviceDetail:
    device = visible_device(user, serial)
    assignments = Assignment.objects.filter(device=device).select_related(
        "officer__user", "assigned_by"
    )
    changes = StatusChange.objects.filter(device=device).select_related("changed_by")
    return DeviceDetail(
        **device_fields(device),
        note=device.note,
        assignments=[
            AssignmentOut(
                officer=officer_ref(a.officer) if a.officer else None,
                since=a.since,
                assigned_by=a.assigned_by.get_username(),
                recorded_at=a.recorded_at,
                reason=a.reason,
            )
            for a in assignments.order_by("since", "id")
        ],
        status_changes=[
            StatusChangeOut(
                status=c.status,
                since=c.since,
                changed_by=c.changed_by.get_username(),
                reason=c.reason,
            )
            for c in changes.order_by("since", "id")
        ],
        docks=[dock_out(d) for d in queries.docks_of(device, user)],
    )


def visible_device(user: Any, serial: str) -> Device:
    device = (
        queries.with_last_dock(visible_devices(user))
        .select_related("agency", "holder__user", "registered_by")
        .filter(serial=serial)
        .first()
    )
    if device is None:
        raise NotFound(_("No such device."))
    return device


def recording_finding_out(row: AcquisitionFinding) -> RecordingFindingOut:
    acquisition = row.acquisition
    finding = Finding(row.code, row.detail)
    return RecordingFindingOut(
        id=row.pk,
        code=row.code,
        article=row.article,
        message=finding.message,
        evidence=acquisition.evidence_id,
        acquisition=acquisition.pk,
        officer=acquisition.officer.user.get_username() if acquisition.officer else None,
        device_serial=acquisition.device_serial,
        found_at=row.found_at,
    )


# ---------------------------------------------------------------- routes


@router.get("", response={200: DevicePage, **READ_ERRORS}, summary="List visible devices")
def list_devices(request: HttpRequest, filters: Query[DeviceFilters]) -> DevicePage:
    """The registry (第十一条) with each device's holder and last dock, by serial number."""
    devices = queries.device_list(
        caller(request),
        agency=filters.agency or "",
        status=filters.status or "",
        kind=filters.kind or "",
        officer=filters.officer or "",
    ).select_related("registered_by")
    page = paginate(devices, ["serial"], limit=filters.limit, after=filters.after)
    return DevicePage(items=[DeviceOut(**device_fields(d)) for d in page.rows], next=page.next)


@router.post("", response={201: DeviceDetail, **WRITE_ERRORS}, summary="Register a device")
def register_device(request: HttpRequest, data: DeviceIn) -> Status[DeviceDetail]:
    """第九条, 第十一条: equipment managers of the agency and system administrators."""
    user = caller(request)
    device = registry.register_device(
        user,
        registry.DeviceInput(
            serial=data.serial,
            kind=data.kind,
            agency_code=data.agency,
            model=data.model,
            note=data.note,
            officer=data.officer,
        ),
    )
    return Status(201, device_detail(user, device.serial))


@router.get(
    "/findings",
    response={200: FindingPage, **READ_ERRORS},
    summary="The registry's findings about recordings",
)
def list_findings(request: HttpRequest, filters: Query[FindingFilters]) -> FindingPage:
    """第二十三条: recordings from an unknown, retired or in-repair device, from a device not
    assigned to the recording officer at capture time, or assigned to someone who is not an
    enforcement officer. With ``evidence``: the findings of that evidence the caller sees (as
    its acquisitions are shown); without: those of the agencies whose registry the caller sees.
    Newest first."""
    user = caller(request)
    if filters.evidence is not None:
        evidence = get_visible_evidence(user, filters.evidence)
        rows = AcquisitionFinding.objects.filter(
            acquisition__in=shown_acquisitions(user, evidence)
        ).select_related("acquisition__officer__user")
    else:
        rows = queries.findings_in_scope(user)
    page = paginate(rows, ["-found_at", "-id"], limit=filters.limit, after=filters.after)
    return FindingPage(items=[recording_finding_out(r) for r in page.rows], next=page.next)


@router.get("/{serial}", response={200: DeviceDetail, **READ_ERRORS}, summary="A device")
def get_device(request: HttpRequest, serial: str) -> DeviceDetail:
    """With every assignment and status it had, and its latest docks."""
    return device_detail(caller(request), serial)


@router.post(
    "/{serial}/assignments",
    response={201: DeviceDetail, **WRITE_ERRORS},
    summary="Assign a device, or take it back",
)
def assign_device(request: HttpRequest, serial: str, data: AssignmentIn) -> Status[DeviceDetail]:
    """第二十三条: to an officer of the device's agency (``officer``), or back to nobody
    (``officer`` null). Moving it from one officer to another, or taking it back, needs a
    reason. Assigning it to someone who is not a certified enforcement officer is allowed but
    each of their recordings then carries a finding."""
    user = caller(request)
    device = visible_device(user, serial)
    if data.officer is None:
        registry.unassign(user, device, reason=data.reason, since=data.since)
    else:
        officer = registry.find_officer(data.officer)
        registry.assign_device(user, device, officer, reason=data.reason, since=data.since)
    return Status(201, device_detail(user, serial))


@router.post(
    "/{serial}/status",
    response={200: DeviceDetail, **WRITE_ERRORS},
    summary="Put a device in service, in repair, or retire it",
)
def set_status(request: HttpRequest, serial: str, data: StatusIn) -> DeviceDetail:
    """With a reason. Retiring is final and takes the device back from its officer."""
    user = caller(request)
    device = visible_device(user, serial)
    registry.set_status(user, device, data.status, reason=data.reason)
    return device_detail(user, serial)
