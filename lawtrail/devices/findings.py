"""What the registry says about a recording device at a moment (第十一条, 第二十三条).

第二十三条: recording devices are for enforcement officers doing enforcement, and are not lent to
others. A recording whose device is unknown to the registry, retired or in repair, not assigned
to the recording officer at capture time, or assigned to someone who is not a certified
enforcement officer (第十条) is **kept** and carries a finding; it is never refused, because
the file is evidence all the same.

This module only reads the registry; ingest stores the findings with the acquisition
(``evidence.AcquisitionFinding``) and a dock keeps those of its docking on the session.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lawtrail.agencies.models import Officer
from lawtrail.devices.models import Assignment, Device, StatusChange


class Code(models.TextChoices):
    UNKNOWN_DEVICE = "device.unknown", gettext_lazy("Device not in the registry")
    DEVICE_RETIRED = "device.retired", gettext_lazy("Device retired")
    DEVICE_IN_REPAIR = "device.in_repair", gettext_lazy("Device in repair")
    NOT_ASSIGNED = "device.not_assigned", gettext_lazy("Device not assigned to the officer")
    ASSIGNEE_NOT_ENFORCEMENT = (
        "device.assignee_not_enforcement_officer",
        gettext_lazy("Device held by someone who is not an enforcement officer"),
    )
    # At docking only: the officer the station named.
    UNKNOWN_OFFICER = "officer.unknown", gettext_lazy("Officer not known")
    OFFICER_OTHER_AGENCY = "officer.other_agency", gettext_lazy("Officer of another agency")


ARTICLES: dict[str, str] = {
    Code.UNKNOWN_DEVICE: "第十一条",
    Code.DEVICE_RETIRED: "第十一条",
    Code.DEVICE_IN_REPAIR: "第十一条",
    Code.NOT_ASSIGNED: "第二十三条",
    Code.ASSIGNEE_NOT_ENFORCEMENT: "第二十三条",
    Code.UNKNOWN_OFFICER: "第十九条",
    Code.OFFICER_OTHER_AGENCY: "第十九条",
}


@dataclass(frozen=True)
class Finding:
    """One finding: a stable code and the facts behind it; the sentence is made when read,
    in the reader's language."""

    code: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def article(self) -> str:
        return ARTICLES.get(self.code, "")

    @property
    def message(self) -> str:
        return describe(self.code, self.detail)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "article": self.article, "message": self.message}

    def stored(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail}


def who(detail: dict[str, Any], key: str) -> str:
    name, username = detail.get(f"{key}_name") or "", detail.get(key) or ""
    return f"{name} ({username})" if name and username else name or username


def describe(code: str, detail: dict[str, Any]) -> str:
    """The sentence of a finding, from its code and facts."""
    values = {
        "serial": detail.get("serial", ""),
        "officer": who(detail, "officer") or detail.get("officer_given", ""),
        "assigned_to": who(detail, "assigned_to"),
        "agency": detail.get("agency_name", ""),
    }
    if code == Code.UNKNOWN_DEVICE:
        return _("Device %(serial)s is not in the registry of devices.") % values
    if code == Code.DEVICE_RETIRED:
        return _("Device %(serial)s was retired at that time.") % values
    if code == Code.DEVICE_IN_REPAIR:
        return _("Device %(serial)s was marked in repair at that time.") % values
    if code == Code.NOT_ASSIGNED:
        if not values["assigned_to"]:
            return _("Device %(serial)s was assigned to nobody at that time.") % values
        return (
            _("Device %(serial)s was assigned to %(assigned_to)s at that time, not to %(officer)s.")
            % values
        )
    if code == Code.ASSIGNEE_NOT_ENFORCEMENT:
        return (
            _(
                "Device %(serial)s was assigned to %(assigned_to)s, who is not a certified "
                "enforcement officer (第十条)."
            )
            % values
        )
    if code == Code.UNKNOWN_OFFICER:
        return _("No officer has the certificate number or username %(officer)s.") % values
    if code == Code.OFFICER_OTHER_AGENCY:
        return _("%(officer)s does not work at %(agency)s, the station's agency.") % values
    return str(code)


def person(officer: Officer, key: str) -> dict[str, str]:
    return {key: officer.user.get_username(), f"{key}_name": officer.name}


def assignment_at(device: Device, at: datetime.datetime) -> Assignment | None:
    """The assignment in force at ``at``: the latest that started at or before it."""
    return (
        Assignment.objects.filter(device=device, since__lte=at)
        .select_related("officer__user")
        .order_by("-since", "-id")
        .first()
    )


def status_at(device: Device, at: datetime.datetime) -> str:
    """The status at ``at``; before the first recorded status, the first one."""
    changes = StatusChange.objects.filter(device=device)
    change = changes.filter(since__lte=at).order_by("-since", "-id").first()
    if change is None:
        change = changes.order_by("since", "id").first()
    return change.status if change else device.status


def check_device(
    serial: str, officer: Officer | None, at: datetime.datetime
) -> tuple[Device | None, list[Finding]]:
    """The device with ``serial`` and what the registry finds about its use by ``officer``
    (None: not known) at ``at``."""
    base: dict[str, Any] = {"serial": serial, "at": at.isoformat()}
    if officer is not None:
        base.update(person(officer, "officer"))
    device = Device.objects.filter(serial=serial).first()
    if device is None:
        return None, [Finding(Code.UNKNOWN_DEVICE, base)]
    found: list[Finding] = []
    status = status_at(device, at)
    if status == Device.Status.RETIRED:
        found.append(Finding(Code.DEVICE_RETIRED, base))
    elif status == Device.Status.IN_REPAIR:
        found.append(Finding(Code.DEVICE_IN_REPAIR, base))
    assignment = assignment_at(device, at)
    holder = assignment.officer if assignment else None
    held = {**base, **(person(holder, "assigned_to") if holder else {})}
    if officer is not None and (holder is None or holder.pk != officer.pk):
        found.append(Finding(Code.NOT_ASSIGNED, held))
    if holder is not None and not holder.can_enforce(timezone.localtime(at).date()):
        found.append(Finding(Code.ASSIGNEE_NOT_ENFORCEMENT, held))
    return device, found
