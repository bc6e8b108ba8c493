"""Who sees what (invariant 7: denial is the default).

Everyone sees their own agency's matters; heads and provincial supervisors also see those of
the agencies below theirs. A login without an Officer profile sees nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lawtrail.agencies.models import Agency, Officer, Role


def officer_of(user: Any) -> Officer | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        officer: Officer = user.officer
    except Officer.DoesNotExist:
        return None
    return officer


def sees_subtree(officer: Officer) -> bool:
    return officer.has_role(Role.HEAD) or officer.has_role(Role.SUPERVISOR)


def visible_agencies(user: Any) -> models.QuerySet[Agency]:
    officer = officer_of(user)
    if officer is None:
        return Agency.objects.none()
    if sees_subtree(officer):
        return officer.agency.subtree()
    return Agency.objects.filter(pk=officer.agency_id)


def can_see_agency(user: Any, agency: Agency) -> bool:
    officer = officer_of(user)
    if officer is None:
        return False
    if sees_subtree(officer):
        return agency.is_within(officer.agency)
    return agency.pk == officer.agency_id


def can_administer(user: Any, agency: Agency | None = None) -> bool:
    """System administrators manage agencies and people everywhere."""
    officer = officer_of(user)
    return officer is not None and officer.has_role(Role.ADMIN)
