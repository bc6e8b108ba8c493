"""Who may read and change a matter (invariant 7: denial is the default).

Two levels of "change" (第十条): ``require_can_work_on`` lets every handler, assistants
(协助人员) included, help record the matter (records, parties, GIS points, evidence);
``require_responsible`` keeps the steps that only the responsible officer takes (stages,
approvals, the team, the review requirements) to a handler who may enforce, or the head.
"""

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


def is_responsible(officer: Officer, matter: Matter) -> bool:
    """第十条: a handler who may enforce (established, certified today), or the agency's head."""
    return is_head_of(officer, matter) or (is_handler(officer, matter) and officer.can_enforce())


def require_responsible(user: Any, matter: Matter) -> Officer:
    """The matter's responsible officer: a handler who ``can_enforce()``, or the head (第十条).

    An assistant (协助人员) or a handler whose certificate has lapsed, been suspended or revoked
    may still help record (``require_can_work_on``) but never acts as the responsible officer.
    """
    officer = require_can_work_on(user, matter)
    if is_responsible(officer, matter):
        return officer
    if officer.is_assistant:
        raise Forbidden(
            _(
                "%(name)s is an assistant (协助人员): assistants help record but do not act as "
                "the responsible officer (第十条)."
            )
            % {"name": officer.name}
        )
    raise Forbidden(
        _(
            "%(name)s is not an established officer with an enforcement certificate valid "
            "today, so may not act as the responsible officer (第十条)."
        )
        % {"name": officer.name}
    )
