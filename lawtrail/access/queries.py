"""Which access requests and grants a user sees (invariant 7: denial is the default).

A request or grant is visible, inside the caller's matter scope, to whoever asked for it or
entered it, the holder of its grant, the matter's handlers and the head of the matter's agency.
Anything else is "no such request" (404), so ids of other counties reveal nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from lawtrail.access.models import AccessRequest, Grant
from lawtrail.agencies.models import Role
from lawtrail.agencies.scope import officer_of
from lawtrail.errors import NotFound
from lawtrail.matters.permissions import visible_matters


def concerned(user: Any, prefix: str = "") -> models.Q | None:
    officer = officer_of(user)
    if officer is None:
        return None
    q = models.Q(**{prefix + "requester": user}) | models.Q(**{prefix + "entered_by": user})
    q |= models.Q(**{prefix + "matter__handlers__officer": officer})
    if officer.has_role(Role.HEAD):
        q |= models.Q(**{prefix + "matter__agency": officer.agency_id})
    return q


def visible_requests(user: Any) -> models.QuerySet[AccessRequest]:
    q = concerned(user)
    if q is None:
        return AccessRequest.objects.none()
    ids = AccessRequest.objects.filter(q, matter__in=visible_matters(user)).values("pk")
    return AccessRequest.objects.filter(pk__in=ids).select_related("matter", "requester")


def get_visible_request(user: Any, pk: int | str) -> AccessRequest:
    try:
        return visible_requests(user).get(pk=int(pk))
    except (AccessRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such access request.")) from None


def visible_grants(user: Any) -> models.QuerySet[Grant]:
    q = concerned(user, "request__")
    if q is None:
        return Grant.objects.none()
    q |= models.Q(holder=user)
    ids = Grant.objects.filter(q, matter__in=visible_matters(user)).values("pk")
    return Grant.objects.filter(pk__in=ids).select_related("matter", "request", "holder")


def get_visible_grant(user: Any, pk: int | str) -> Grant:
    try:
        return visible_grants(user).get(pk=int(pk))
    except (Grant.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such grant.")) from None


def pending_for_head(user: Any) -> models.QuerySet[AccessRequest]:
    """The head's queue: undecided requests on matters of their own agency."""
    officer = officer_of(user)
    if officer is None or not officer.has_role(Role.HEAD):
        return AccessRequest.objects.none()
    return (
        AccessRequest.objects.filter(matter__agency=officer.agency_id, decision_row__isnull=True)
        .select_related("matter", "requester", "entered_by")
        .order_by("requested_at", "id")
    )
