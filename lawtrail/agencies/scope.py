"""Who sees what (invariant 7: denial is the default).

Two scopes, both decided by the caller's Officer profile; a login without one sees nothing:

- the *matter scope*: people who work on enforcement matters (officers, heads, legal reviewers,
  records custodians, provincial supervisors) see their own agency's matters; heads and
  supervisors also see those of the agencies below theirs. A profile with none of these roles
  (a system administrator, an equipment manager) sees no matters.
- the *directory*: which agencies and people one sees. The matter scope, plus every agency for
  system administrators, who manage agencies and people everywhere.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from lawtrail.agencies.models import Agency, Officer, Role

MATTER_ROLES = frozenset(
    {Role.OFFICER, Role.HEAD, Role.LEGAL_REVIEWER, Role.CUSTODIAN, Role.SUPERVISOR}
)


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


def works_on_matters(officer: Officer) -> bool:
    return any(officer.has_role(role) for role in MATTER_ROLES)


def _scope(officer: Officer) -> models.QuerySet[Agency]:
    if sees_subtree(officer):
        return officer.agency.subtree()
    return Agency.objects.filter(pk=officer.agency_id)


def _in_scope(officer: Officer, agency: Agency) -> bool:
    if sees_subtree(officer):
        return agency.is_within(officer.agency)
    return agency.pk == officer.agency_id


def matter_agencies(user: Any) -> models.QuerySet[Agency]:
    """The agencies whose matters ``user`` sees."""
    officer = officer_of(user)
    if officer is None or not works_on_matters(officer):
        return Agency.objects.none()
    return _scope(officer)


def can_see_matters_of(user: Any, agency: Agency) -> bool:
    officer = officer_of(user)
    return officer is not None and works_on_matters(officer) and _in_scope(officer, agency)


def visible_agencies(user: Any) -> models.QuerySet[Agency]:
    """The agencies (and their people) in ``user``'s directory."""
    officer = officer_of(user)
    if officer is None:
        return Agency.objects.none()
    if officer.has_role(Role.ADMIN):
        return Agency.objects.all()
    return _scope(officer)


def can_see_agency(user: Any, agency: Agency) -> bool:
    officer = officer_of(user)
    if officer is None:
        return False
    return officer.has_role(Role.ADMIN) or _in_scope(officer, agency)


def can_administer(user: Any, agency: Agency | None = None) -> bool:
    """System administrators manage agencies and people everywhere."""
    officer = officer_of(user)
    return officer is not None and officer.has_role(Role.ADMIN)
