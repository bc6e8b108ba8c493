"""Who sees and who manages devices and stations (invariant 7: denial is the default).

- *Manage* (register, assign, change status, register and revoke stations): the equipment
  managers of the agency (第十一条) and system administrators, who manage everywhere.
- *See* the registry and the stations: those who manage, the heads and provincial supervisors
  over their agency and the agencies below it (they answer for the work of 第十一条 and
  第二十四条). An officer sees the devices assigned to them now.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, Role
from lawtrail.agencies.scope import officer_of, sees_subtree
from lawtrail.devices.models import Device, DockSession, Station
from lawtrail.errors import Forbidden


def registry_agencies(user: Any) -> models.QuerySet[Agency]:
    """The agencies whose devices and stations ``user`` sees."""
    officer = officer_of(user)
    if officer is None:
        return Agency.objects.none()
    if officer.has_role(Role.ADMIN):
        return Agency.objects.all()
    condition = models.Q(pk__in=[])
    if officer.has_role(Role.EQUIPMENT_MANAGER):
        condition |= models.Q(pk=officer.agency_id)
    if sees_subtree(officer):
        condition |= models.Q(path__startswith=officer.agency.path)
    return Agency.objects.filter(condition)


def visible_devices(user: Any) -> models.QuerySet[Device]:
    officer = officer_of(user)
    if officer is None:
        return Device.objects.none()
    return Device.objects.filter(
        models.Q(agency__in=registry_agencies(user)) | models.Q(holder=officer)
    )


def visible_stations(user: Any) -> models.QuerySet[Station]:
    return Station.objects.filter(agency__in=registry_agencies(user))


def visible_docks(user: Any) -> models.QuerySet[DockSession]:
    """Docks at the stations ``user`` sees, and the docks of the devices they see."""
    return DockSession.objects.filter(
        models.Q(station__in=visible_stations(user))
        | models.Q(device__in=visible_devices(user).values("pk"))
    )


def can_manage(user: Any, agency: Agency) -> bool:
    """第十一条: the agency's equipment managers, and system administrators."""
    officer = officer_of(user)
    if officer is None:
        return False
    if officer.has_role(Role.ADMIN):
        return True
    return officer.has_role(Role.EQUIPMENT_MANAGER) and officer.agency_id == agency.pk


def manages_any(user: Any) -> bool:
    officer = officer_of(user)
    return officer is not None and (
        officer.has_role(Role.ADMIN) or officer.has_role(Role.EQUIPMENT_MANAGER)
    )


def managed_agencies(user: Any) -> models.QuerySet[Agency]:
    officer = officer_of(user)
    if officer is None:
        return Agency.objects.none()
    if officer.has_role(Role.ADMIN):
        return Agency.objects.all()
    if officer.has_role(Role.EQUIPMENT_MANAGER):
        return Agency.objects.filter(pk=officer.agency_id)
    return Agency.objects.none()


def require_manager(user: Any, agency: Agency) -> None:
    """Raise Forbidden unless ``user`` manages ``agency``'s equipment."""
    if not can_manage(user, agency):
        raise Forbidden(
            _(
                "Only the equipment managers of %(agency)s and system administrators manage its "
                "devices and stations (第十一条)."
            )
            % {"agency": agency.name}
        )
