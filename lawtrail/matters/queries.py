"""Finding matters: one meaning of every matter filter, shared by the API and the web search.

The agency filter takes the agency and every agency below it (a city sees its counties); the
party filter finds part of a party's name, ID number or credit code, in any case; dates are
local (Asia/Shanghai) days, both ends inclusive. Scope is applied by the caller first
(``visible_matters``), so a filter can only narrow what the caller may see.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency
from lawtrail.errors import Invalid
from lawtrail.matters.models import Kind, Matter, Stage


@dataclass(frozen=True)
class MatterQuery:
    """The filters of a matter search; None or empty means "any"."""

    kind: str | None = None
    stage: str | None = None
    agency: str | None = None  # region code; includes the agencies below
    party: str | None = None
    opened_from: datetime.date | None = None
    opened_to: datetime.date | None = None
    q: str | None = None


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the local time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def on_days(field: str, first: datetime.date | None, last: datetime.date | None) -> models.Q:
    """``field`` (a moment) within the local days ``first`` to ``last``, both inclusive.

    The first and the last days of the calendar bound nothing: every moment is in them, and
    midnight there cannot be converted to UTC.
    """
    condition = models.Q()
    if first and first > datetime.date.min:
        condition &= models.Q(**{f"{field}__gte": start_of(first)})
    if last and last < datetime.date.max:
        condition &= models.Q(**{f"{field}__lt": start_of(last + datetime.timedelta(days=1))})
    return condition


def check(query: MatterQuery) -> None:
    """Raise Invalid, naming the parameter, for a value no matter can have."""
    if query.kind and query.kind not in Kind.values:
        raise Invalid(
            _("Unknown kind of matter %(kind)s.") % {"kind": query.kind},
            {"kind": [", ".join(Kind.values)]},
        )
    if query.stage and query.stage not in Stage.values:
        raise Invalid(
            _("Unknown stage %(stage)s.") % {"stage": query.stage},
            {"stage": [", ".join(Stage.values)]},
        )
    if query.opened_from and query.opened_to and query.opened_from > query.opened_to:
        raise Invalid(_("opened_from is after opened_to."), {"opened_from": [], "opened_to": []})


def filter_matters(
    matters: models.QuerySet[Matter],
    query: MatterQuery,
    *,
    agencies: models.QuerySet[Agency],
    identifiers_in: models.Q | None = None,
) -> models.QuerySet[Matter]:
    """``matters`` narrowed by ``query``; ``agencies`` are those the caller may name.
    ``identifiers_in``: the matters whose parties' ID numbers and credit codes the caller may
    see (``access.rules.details_visible``); elsewhere the party filter matches names only.

    Party and text filters use EXISTS rather than joins, so no matter is listed twice and the
    result can still be ordered by any column (PostgreSQL refuses DISTINCT with other orders).
    """
    check(query)
    if query.kind:
        matters = matters.filter(kind=query.kind)
    if query.stage:
        matters = matters.filter(stage=query.stage)
    if query.agency:
        # An agency out of scope, or none, simply has no matters to show.
        agency = agencies.filter(region_code=query.agency).first()
        if agency is None:
            return matters.none()
        matters = matters.filter(agency__path__startswith=agency.path)
    matters = matters.filter(on_days("opened_at", query.opened_from, query.opened_to))
    links = Matter.parties.through.objects.filter(matter_id=models.OuterRef("pk"))
    party = (query.party or "").strip()
    if party:
        by_name = models.Exists(links.filter(party__name__icontains=party))
        by_identifier = models.Exists(
            links.filter(
                models.Q(party__id_number__icontains=party)
                | models.Q(party__credit_code__icontains=party)
            )
        )
        if identifiers_in is not None:
            by_identifier = by_identifier & identifiers_in  # type: ignore[assignment]
        matters = matters.filter(by_name | by_identifier)
    text = (query.q or "").strip()
    if text:
        matters = matters.filter(
            models.Q(number__icontains=text)
            | models.Q(title__icontains=text)
            | models.Q(place__icontains=text)
            | models.Exists(links.filter(party__name__icontains=text))
        )
    return matters
