"""Who may read and change a matter (invariant 7: denial is the default)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer, Role
from lawtrail.agencies.scope import can_see_matters_of, matter_agencies, officer_of
from lawtrail.errors import Forbidden, NotFound
from lawtrail.matters.models import Matter


def visible_matters(user: Any) -> models.QuerySet[Matter]:
    return Matter.objects.filter(agency__in=matter_agencies(user))


def get_visible_matter(user: Any, pk: int | str) -> Matter:
    """The matter, or NotFound also when it exists but lies outside the user's scope."""
    try:
        matter = Matter.objects.select_related("agency").get(pk=int(pk))
    except (Matter.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such matter.")) from None
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such matter."))
    return matter


def require_officer(user: Any) -> Officer:
    officer = officer_of(user)
    if officer is None:
        raise Forbidden(_("This login has no officer profile."))
    return officer


def is_handler(officer: Officer, matter: Matter) -> bool:
    return matter.handlers.filter(officer=officer).exists()


def is_head_of(officer: Officer, matter: Matter) -> bool:
    return officer.has_role(Role.HEAD) and officer.agency_id == matter.agency_id


def require_can_work_on(user: Any, matter: Matter) -> Officer:
    """Handlers of the matter and the head of its agency may change it."""
    officer = require_officer(user)
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such matter."))
    if not (is_handler(officer, matter) or is_head_of(officer, matter)):
        raise Forbidden(_("Only the matter's handlers and the head of its agency may change it."))
    return officer
