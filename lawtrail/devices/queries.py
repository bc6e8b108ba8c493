"""Reading the registry for the pages and the API: last docks, the 48-hour list, findings.

Every query starts from what the caller may see (``scope``), so a filter can only narrow it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from lawtrail.devices.models import Assignment, Device, DockSession
from lawtrail.devices.scope import registry_agencies, visible_devices, visible_docks
from lawtrail.evidence.deadlines import UPLOAD_WINDOW
from lawtrail.evidence.models import Acquisition, AcquisitionFinding

#: The annotations ``with_last_dock`` adds (named through constants for the type checker).
LAST_DOCKED = "last_docked_at"
LAST_STATION = "last_station_name"
HELD_SINCE = "held_since"


def with_last_dock(devices: models.QuerySet[Device]) -> models.QuerySet[Device]:
    """Annotate when and where each device was docked last, and since when its holder has it."""
    last = DockSession.objects.filter(device=models.OuterRef("pk")).order_by("-docked_at", "-id")
    held = (
        Assignment.objects.filter(device=models.OuterRef("pk"))
        .order_by("-since", "-id")
        .values("since")[:1]
    )
    return devices.annotate(
        last_docked_at=models.Subquery(last.values("docked_at")[:1]),
        last_station_name=models.Subquery(last.values("station__name")[:1]),
        held_since=models.Subquery(held),
    )


def device_list(
    user: Any,
    *,
    agency: str = "",
    status: str = "",
    kind: str = "",
    officer: str = "",
) -> models.QuerySet[Device]:
    """The devices ``user`` sees, narrowed by agency (region code, with the agencies below),
    status, kind and holder (username or certificate number)."""
    devices = visible_devices(user).select_related("agency", "holder__user")
    if agency:
        devices = devices.filter(agency__path__contains=f"{agency}/")
    if status:
        devices = devices.filter(status=status)
    if kind:
        devices = devices.filter(kind=kind)
    if officer:
        by_name = models.Q(holder__user__username=officer)
        by_certificate = models.Q(holder__certificates__number=officer)
        devices = devices.filter(by_name | by_certificate).distinct()
    return with_last_dock(devices)


def not_docked(user: Any, now: datetime.datetime | None = None) -> list[Device]:
    """第十九条: in-service devices held by an officer that have not been docked within 48 hours:
    their last dock (or, never docked, the start of their assignment) lies further back.

    A device's recordings must reach the station within 48 hours; one that has not been docked
    for longer either recorded nothing, or holds recordings that are late. The list says which
    to ask about.
    """
    now = now or timezone.now()
    limit = now - UPLOAD_WINDOW
    devices = with_last_dock(
        visible_devices(user)
        .filter(status=Device.Status.IN_SERVICE, holder__isnull=False)
        .select_related("agency", "holder__user")
    )
    overdue = devices.filter(
        models.Q(last_docked_at__lt=limit)
        | models.Q(last_docked_at__isnull=True, held_since__lt=limit)
    )
    return list(overdue.order_by(models.F(LAST_DOCKED).asc(nulls_first=True), "serial"))


def late_recordings() -> models.QuerySet[Acquisition]:
    """Recordings that ended more than 48 hours before the dock that brought them."""
    return Acquisition.objects.filter(
        dock=models.OuterRef("pk"),
        recorded_to__lt=models.ExpressionWrapper(
            models.OuterRef("docked_at") - UPLOAD_WINDOW, output_field=models.DateTimeField()
        ),
    )


LATE_COUNT = "late_count"


def late_docks(user: Any, *, limit: int = 50) -> list[DockSession]:
    """第十九条: dock sessions that brought recordings which had ended more than 48 hours
    before the device was docked, newest first, with how many (``late_count``)."""
    count = (
        late_recordings().order_by().values("dock").annotate(n=models.Count("pk")).values("n")[:1]
    )
    docks = (
        visible_docks(user)
        .filter(models.Exists(late_recordings()))
        .annotate(late_count=models.Subquery(count))
        .select_related("station", "device", "officer__user")
        .order_by("-docked_at", "-id")
    )
    return list(docks[:limit])


def findings_in_scope(user: Any) -> models.QuerySet[AcquisitionFinding]:
    """Findings about recordings of the agencies whose registry ``user`` sees (by the recording
    officer's agency, or the station's)."""
    agencies = registry_agencies(user)
    return AcquisitionFinding.objects.filter(
        models.Q(acquisition__officer__agency__in=agencies)
        | models.Q(acquisition__collection_station__agency__in=agencies)
    ).select_related("acquisition__officer__user", "acquisition__evidence")


def docks_of(device: Device, user: Any, limit: int = 20) -> list[DockSession]:
    return list(
        visible_docks(user)
        .filter(device=device)
        .select_related("station", "officer__user")
        .order_by("-docked_at", "-id")[:limit]
    )
