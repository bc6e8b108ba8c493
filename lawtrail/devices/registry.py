"""Actions on the device registry (第九条, 第十一条, 第二十三条).

One function per change: it checks permission (the agency's equipment managers and system
administrators, ``scope.require_manager``), validates, writes the rows and appends its ledger
event in one transaction. An action that raises has changed nothing.

The history of a device is append-only: every assignment (``Assignment``) and every status
(``StatusChange``) is a new row; ``Device.holder`` and ``Device.status`` are the latest of
them, kept beside for queries.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, Certificate, Officer
from lawtrail.devices.models import Assignment, Device, StatusChange
from lawtrail.devices.scope import require_manager
from lawtrail.errors import Invalid, NotFound
from lawtrail.ledger import events

#: A serial is printed on the device and travels in URLs and file names: letters, digits and
#: ``. _ : -``, starting with a letter or digit.
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")
#: Names the pages and the API use beside serials in their URLs.
RESERVED_SERIALS = frozenset({"new", "overdue", "stations", "findings"})
#: How far ahead of the server's clock a stated time may be (clocks drift a little).
CLOCK_TOLERANCE = datetime.timedelta(minutes=10)


def agency_by_code(code: str) -> Agency:
    agency = Agency.objects.filter(region_code=code.strip()).first()
    if agency is None:
        raise Invalid(
            _("No agency has region code %(code)s.") % {"code": code.strip()[:16]}, {"agency": []}
        )
    return agency


def find_officer(value: str, field: str = "officer") -> Officer:
    """An officer by username or certificate number (what stations and devices know)."""
    value = value.strip()
    officer = Officer.objects.select_related("user", "agency").filter(user__username=value).first()
    if officer is None and value:
        certificate = Certificate.objects.filter(number=value).select_related("officer").first()
        officer = certificate.officer if certificate else None
    if officer is None:
        raise Invalid(
            _("No officer has the certificate number or username %(v)s.") % {"v": value[:40]},
            {field: []},
        )
    return officer


def clean_serial(value: str) -> str:
    serial = value.strip()
    if not SERIAL.match(serial):
        raise Invalid(
            _(
                "A serial number is 1 to 64 letters, digits and . _ : -, starting with a letter "
                "or digit; %(s)s is not."
            )
            % {"s": repr(serial[:64])},
            {"serial": []},
        )
    if serial.lower() in RESERVED_SERIALS:
        raise Invalid(
            _("%(s)s cannot be a serial number; the pages use that word.") % {"s": serial},
            {"serial": []},
        )
    return serial


def get_device(serial: str) -> Device:
    device = Device.objects.select_related("agency", "holder__user").filter(serial=serial).first()
    if device is None:
        raise NotFound(_("No device has the serial number %(s)s.") % {"s": serial[:64]})
    return device


def person(officer: Officer | None) -> str | None:
    return officer.user.get_username() if officer else None


@dataclass
class DeviceInput:
    """A device to register; strings as they arrive, checked by ``register_device``."""

    serial: str
    kind: str
    agency_code: str
    model: str = ""
    note: str = ""
    #: Assign it at once to this officer (username or certificate number); "" for nobody.
    officer: str = ""


@transaction.atomic
def register_device(user: Any, data: DeviceInput) -> Device:
    """第九条, 第十一条: put a device in its agency's registry, in service, optionally assigned."""
    agency = agency_by_code(data.agency_code)
    require_manager(user, agency)
    serial = clean_serial(data.serial)
    if data.kind not in Device.Kind.values:
        raise Invalid(
            _("Unknown kind %(kind)s. Known kinds: %(known)s.")
            % {"kind": data.kind[:32], "known": ", ".join(Device.Kind.values)},
            {"kind": []},
        )
    model = data.model.strip()
    if len(model) > 100:
        raise Invalid(_("The model is at most 100 characters."), {"model": []})
    if Device.objects.filter(serial=serial).exists():
        raise Invalid(
            _("A device with the serial number %(s)s is already registered.") % {"s": serial},
            {"serial": []},
        )
    officer = find_officer(data.officer) if data.officer.strip() else None
    now = timezone.now()
    try:
        device = Device.objects.create(
            serial=serial,
            kind=data.kind,
            model=model,
            agency=agency,
            status=Device.Status.IN_SERVICE,
            registered_by=user,
            registered_at=now,
            note=data.note.strip(),
        )
    except IntegrityError:  # registered meanwhile by someone else
        raise Invalid(
            _("A device with the serial number %(s)s is already registered.") % {"s": serial},
            {"serial": []},
        ) from None
    StatusChange.objects.create(
        device=device, status=device.status, since=now, changed_by=user, reason=""
    )
    events.append(
        events.Actor.of(user),
        "device.registered",
        device,
        {
            "serial": serial,
            "kind": device.kind,
            "model": model,
            "agency": agency.region_code,
            "status": device.status,
        },
    )
    if officer is not None:
        record_assignment(user, device, officer, since=now, reason="")
    return device


def check_since(device: Device, since: datetime.datetime | None) -> datetime.datetime:
    """An assignment starts now, or at a stated time that is not in the future and not before
    the latest assignment of the device (the history only grows forwards)."""
    now = timezone.now()
    if since is None:
        return now
    if timezone.is_naive(since):
        since = timezone.make_aware(since)
    if since > now + CLOCK_TOLERANCE:
        raise Invalid(_("An assignment cannot start in the future."), {"since": []})
    latest = Assignment.objects.filter(device=device).order_by("-since", "-id").first()
    if latest is not None and since < latest.since:
        raise Invalid(
            _("An assignment cannot start before the latest one, which started at %(at)s.")
            % {"at": timezone.localtime(latest.since).strftime("%Y-%m-%d %H:%M")},
            {"since": []},
        )
    return since


def record_assignment(
    user: Any, device: Device, officer: Officer | None, *, since: datetime.datetime, reason: str
) -> Assignment:
    """Write one assignment (or, with ``officer`` None, the taking back) and its event; call
    inside the action's transaction after its checks."""
    previous = device.holder
    assignment = Assignment.objects.create(
        device=device,
        officer=officer,
        since=since,
        assigned_by=user,
        recorded_at=timezone.now(),
        reason=reason.strip(),
    )
    Device.objects.filter(pk=device.pk).update(holder=officer)
    device.holder = officer
    payload: dict[str, Any] = {
        "serial": device.serial,
        "officer": person(officer),
        "previous": person(previous),
        "since": since.isoformat(),
        "reason": assignment.reason,
    }
    if officer is not None:
        # 第二十三条: recorded, so that an assignment to someone who may not record stands out.
        payload["can_enforce"] = officer.can_enforce(timezone.localtime(since).date())
    events.append(
        events.Actor.of(user),
        "device.assigned" if officer is not None else "device.unassigned",
        device,
        payload,
    )
    return assignment


def locked(device: Device) -> Device:
    """The device row again, locked until the transaction ends (PostgreSQL), so that two
    assignments at once cannot both read the same holder."""
    return (
        Device.objects.select_for_update(of=("self",))
        .select_related("agency", "holder__user")
        .get(pk=device.pk)
    )


@transaction.atomic
def assign_device(
    user: Any,
    device: Device,
    officer: Officer,
    *,
    reason: str = "",
    since: datetime.datetime | None = None,
) -> Assignment:
    """第二十三条: hand an in-service device to an officer of its agency. Moving it from one
    officer to another needs a reason. An assignment to someone who is not a certified
    enforcement officer is allowed but recorded, and their recordings carry a finding."""
    device = locked(device)
    require_manager(user, device.agency)
    if device.status != Device.Status.IN_SERVICE:
        raise Invalid(
            _("Device %(s)s is %(status)s; only a device in service is assigned.")
            % {"s": device.serial, "status": device.get_status_display()},
            {"officer": []},
        )
    if officer.agency_id != device.agency_id:
        raise Invalid(
            _("%(name)s works at another agency; a device is assigned within %(agency)s.")
            % {"name": officer.name, "agency": device.agency.name},
            {"officer": []},
        )
    if not officer.user.is_active:
        raise Invalid(
            _("The login of %(name)s is deactivated.") % {"name": officer.name}, {"officer": []}
        )
    if device.holder_id == officer.pk:
        raise Invalid(
            _("Device %(s)s is already assigned to %(name)s.")
            % {"s": device.serial, "name": officer.name},
            {"officer": []},
        )
    if device.holder is not None and not reason.strip():
        raise Invalid(
            _("Say why device %(s)s moves from %(old)s to %(new)s.")
            % {"s": device.serial, "old": device.holder.name, "new": officer.name},
            {"reason": [_("This field is required.")]},
        )
    when = check_since(device, since)
    return record_assignment(user, device, officer, since=when, reason=reason)


@transaction.atomic
def unassign(
    user: Any, device: Device, *, reason: str, since: datetime.datetime | None = None
) -> Assignment:
    """Take a device back from its officer (it stays in the registry, assigned to nobody)."""
    device = locked(device)
    require_manager(user, device.agency)
    if device.holder is None:
        raise Invalid(
            _("Device %(s)s is assigned to nobody.") % {"s": device.serial}, {"officer": []}
        )
    if not reason.strip():
        raise Invalid(
            _("Say why device %(s)s is taken back from %(name)s.")
            % {"s": device.serial, "name": device.holder.name},
            {"reason": [_("This field is required.")]},
        )
    when = check_since(device, since)
    return record_assignment(user, device, None, since=when, reason=reason)


@transaction.atomic
def set_status(user: Any, device: Device, status: str, *, reason: str) -> StatusChange:
    """In service, in repair or retired, with a reason. Retiring is final and takes the device
    back from its officer; a device in repair keeps its officer for when it returns."""
    device = locked(device)
    require_manager(user, device.agency)
    if status not in Device.Status.values:
        raise Invalid(
            _("Unknown status %(s)s. Known: %(known)s.")
            % {"s": status[:16], "known": ", ".join(Device.Status.values)},
            {"status": []},
        )
    if status == device.status:
        raise Invalid(
            _("Device %(s)s is already %(status)s.")
            % {"s": device.serial, "status": device.get_status_display()},
            {"status": []},
        )
    if device.status == Device.Status.RETIRED:
        raise Invalid(
            _(
                "Device %(s)s is retired, which is final: its history stays with its serial "
                "number. Register the device that replaces it."
            )
            % {"s": device.serial},
            {"status": []},
        )
    if not reason.strip():
        raise Invalid(
            _("Say why the status of device %(s)s changes.") % {"s": device.serial},
            {"reason": [_("This field is required.")]},
        )
    now = timezone.now()
    before = device.status
    change = StatusChange.objects.create(
        device=device, status=status, since=now, changed_by=user, reason=reason.strip()
    )
    Device.objects.filter(pk=device.pk).update(status=status)
    device.status = status
    events.append(
        events.Actor.of(user),
        "device.status_changed",
        device,
        {"serial": device.serial, "before": before, "after": status, "reason": change.reason},
    )
    if status == Device.Status.RETIRED and device.holder is not None:
        record_assignment(user, device, None, since=now, reason=change.reason)
    return change
