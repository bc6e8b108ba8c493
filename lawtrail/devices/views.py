"""The pages of devices and stations (第九条, 第十一条, 第十九条, 第二十三条).

Thin, like every page: reads go through ``queries`` and ``scope`` (denial by default), changes
through the registry's and the stations' actions, whose errors come back on the form with their
status. Everyone logged in may open the pages; what they list is what the caller may see.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lawtrail.agencies.models import Officer
from lawtrail.devices import queries, registry, stations
from lawtrail.devices.findings import Finding
from lawtrail.devices.forms import (
    NOBODY,
    AssignForm,
    DeviceFilterForm,
    DeviceForm,
    StationForm,
    StatusForm,
)
from lawtrail.devices.models import Assignment, Device, DockSession, Station, StatusChange
from lawtrail.devices.scope import (
    can_manage,
    managed_agencies,
    manages_any,
    registry_agencies,
    visible_devices,
    visible_docks,
    visible_stations,
)
from lawtrail.errors import ActionError, Forbidden, NotFound
from lawtrail.evidence.deadlines import UPLOAD_WINDOW
from lawtrail.web.shortcuts import apply_error, page

PAGE_SIZE = 100


def rendered(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    error: ActionError | None = None,
    *forms_: Any,
) -> HttpResponse:
    failed = any(f.errors for f in forms_)
    status = error.status if error else (422 if failed else 200)
    return render(
        request, f"devices/{template}", {**context, "error": error, "nav": "devices"}, status=status
    )


def require_manages_any(request: HttpRequest) -> None:
    if not manages_any(request.user):
        raise Forbidden(
            _("Only equipment managers and system administrators register devices and stations.")
        )


def dock_rows(sessions: list[DockSession]) -> list[dict[str, Any]]:
    return [
        {
            "dock": s,
            "findings": [Finding(f.get("code", ""), f.get("detail", {})) for f in s.findings],
        }
        for s in sessions
    ]


# ------------------------------------------------------------------ devices


@page
def device_list(request: HttpRequest) -> HttpResponse:
    """第十一条: the registry with each device's holder and last dock."""
    form = DeviceFilterForm(registry_agencies(request.user), request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    devices = queries.device_list(
        request.user,
        agency=filters.get("agency", ""),
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        officer=filters.get("officer", ""),
    ).order_by("serial")
    after = request.GET.get("after", "")
    if after:
        devices = devices.filter(serial__gt=after)
    rows = list(devices[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rendered(
        request,
        "device_list.html",
        {
            "form": form,
            "devices": rows,
            "next": rows[-1].serial if more and rows else None,
            "may_register": manages_any(request.user),
            "tab": "devices",
        },
    )


@page
@require_http_methods(["GET", "POST"])
def device_new(request: HttpRequest) -> HttpResponse:
    require_manages_any(request)
    agencies = managed_agencies(request.user)
    form = DeviceForm(agencies, Officer.objects.filter(agency__in=agencies), request.POST or None)
    error: ActionError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            device = registry.register_device(
                request.user, registry.DeviceInput(**form.cleaned_data)
            )
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(request, _("Device %(s)s registered.") % {"s": device.serial})
            return redirect("devices:device", serial=device.serial)
    return rendered(request, "device_new.html", {"form": form, "tab": "devices"}, error, form)


def visible_device(request: HttpRequest, serial: str) -> Device:
    device = (
        queries.with_last_dock(visible_devices(request.user))
        .select_related("agency", "holder__user", "registered_by")
        .filter(serial=serial)
        .first()
    )
    if device is None:
        raise NotFound(_("No such device."))
    return device


def device_context(request: HttpRequest, device: Device, **forms_: Any) -> dict[str, Any]:
    manage = can_manage(request.user, device.agency)
    officers = Officer.objects.filter(agency=device.agency)
    context: dict[str, Any] = {
        "device": device,
        "manage": manage,
        "assignments": Assignment.objects.filter(device=device)
        .select_related("officer__user", "assigned_by")
        .order_by("-since", "-id"),
        "status_changes": StatusChange.objects.filter(device=device)
        .select_related("changed_by")
        .order_by("-since", "-id"),
        "docks": dock_rows(queries.docks_of(device, request.user, limit=50)),
        "findings": [
            {"row": row, "finding": Finding(row.code, row.detail)}
            for row in queries.findings_in_scope(request.user)
            .filter(acquisition__device_serial=device.serial)
            .order_by("-found_at", "-id")[:20]
        ],
        "holder_can_enforce": device.holder.can_enforce() if device.holder else None,
        "assign_form": AssignForm(officers) if manage else None,
        "status_form": StatusForm(initial={"status": device.status}) if manage else None,
        "tab": "devices",
    }
    context.update({k: v for k, v in forms_.items() if v is not None})
    return context


@page
def device_detail(request: HttpRequest, serial: str) -> HttpResponse:
    device = visible_device(request, serial)
    return rendered(request, "device_detail.html", device_context(request, device))


@page
@require_POST
def device_assign(request: HttpRequest, serial: str) -> HttpResponse:
    device = visible_device(request, serial)
    form = AssignForm(Officer.objects.filter(agency=device.agency), request.POST)
    error: ActionError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["officer"] != NOBODY:
                officer = registry.find_officer(data["officer"])
                registry.assign_device(
                    request.user, device, officer, reason=data["reason"], since=data["since"]
                )
                done = _("Device %(s)s assigned to %(name)s.") % {
                    "s": device.serial,
                    "name": officer.name,
                }
            else:
                registry.unassign(request.user, device, reason=data["reason"], since=data["since"])
                done = _("Device %(s)s taken back.") % {"s": device.serial}
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(request, done)
            return redirect("devices:device", serial=device.serial)
    context = device_context(request, device, assign_form=form)
    return rendered(request, "device_detail.html", context, error, form)


@page
@require_POST
def device_status(request: HttpRequest, serial: str) -> HttpResponse:
    device = visible_device(request, serial)
    form = StatusForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            registry.set_status(
                request.user,
                device,
                form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            messages.success(request, _("Status of device %(s)s changed.") % {"s": device.serial})
            return redirect("devices:device", serial=device.serial)
    context = device_context(request, device, status_form=form)
    return rendered(request, "device_detail.html", context, error, form)


# ------------------------------------------------------------------ stations


@page
def station_list(request: HttpRequest) -> HttpResponse:
    """第十九条: the stations, online or offline, with their queue and throughput."""
    now = timezone.now()
    rows = []
    listed = visible_stations(request.user).select_related("agency", "login")
    for station in listed.order_by("agency__path", "name", "id"):
        open_docks = DockSession.objects.filter(station=station, undocked_at__isnull=True)
        rows.append(
            {
                "station": station,
                "online": stations.is_online(station, now),
                "docked": open_docks.count(),
            }
        )
    return rendered(
        request,
        "station_list.html",
        {
            "rows": rows,
            "may_register": manages_any(request.user),
            "offline_minutes": int(stations.OFFLINE_AFTER.total_seconds() // 60),
            "tab": "stations",
        },
    )


@page
@require_http_methods(["GET", "POST"])
def station_new(request: HttpRequest) -> HttpResponse:
    """Registering shows the token once, on the answer itself (never in a message or a URL)."""
    require_manages_any(request)
    form = StationForm(managed_agencies(request.user), request.POST or None)
    error: ActionError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            registered = stations.register_station(
                request.user, stations.StationInput(**form.cleaned_data)
            )
        except ActionError as exc:
            error = exc
            apply_error(exc, form)
        else:
            response = rendered(
                request,
                "station_created.html",
                {"station": registered.station, "token": registered.token, "tab": "stations"},
            )
            response.status_code = 201
            response["Cache-Control"] = "no-store"
            return response
    return rendered(request, "station_new.html", {"form": form, "tab": "stations"}, error, form)


def station_context(request: HttpRequest, station: Station) -> dict[str, Any]:
    sessions = list(
        visible_docks(request.user)
        .filter(station=station)
        .select_related("device", "officer__user", "station")
        .order_by("-docked_at", "-id")[:50]
    )
    return {
        "station": station,
        "online": stations.is_online(station),
        "manage": can_manage(request.user, station.agency),
        "docks": dock_rows(sessions),
        "tab": "stations",
    }


@page
def station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    station = stations.get_visible_station(request.user, pk)
    return rendered(request, "station_detail.html", station_context(request, station))


@page
@require_POST
def station_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    station = stations.get_visible_station(request.user, pk)
    try:
        stations.revoke_station(request.user, station)
    except ActionError as exc:
        return rendered(request, "station_detail.html", station_context(request, station), exc)
    messages.success(
        request, _("Station %(name)s revoked; its token no longer works.") % {"name": station.name}
    )
    return redirect("devices:station", pk=station.pk)


# ------------------------------------------------------------------ the 48-hour list


@page
def overdue(request: HttpRequest) -> HttpResponse:
    """第十九条: devices not docked within 48 hours, and docks that brought late recordings."""
    now = timezone.now()
    devices = queries.not_docked(request.user, now)
    rows = []
    for device in devices:
        last = getattr(device, queries.LAST_DOCKED, None)
        since = last or getattr(device, queries.HELD_SINCE, None)
        rows.append(
            {
                "device": device,
                "last": last,
                "hours": int((now - since).total_seconds() // 3600) if since else None,
            }
        )
    late = [
        {"dock": d, "late": getattr(d, queries.LATE_COUNT, 0)}
        for d in queries.late_docks(request.user)
    ]
    return rendered(
        request,
        "overdue.html",
        {
            "rows": rows,
            "late": late,
            "window_hours": int(UPLOAD_WINDOW.total_seconds() // 3600),
            "tab": "overdue",
        },
    )
