"""/api/v1/matters: enforcement matters, their handlers, parties, places, approvals and stages.

Thin: reads go through the scope queries of ``lawtrail.matters.permissions``, every change
through one action of ``lawtrail.matters.actions``; an action's error becomes a 4xx answer
(``lawtrail.api.api``) and has changed nothing.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from lawtrail.access.rules import details_visible, sees_matter_details
from lawtrail.agencies.scope import matter_agencies
from lawtrail.api.api import caller
from lawtrail.api.matter_schemas import (
    ApprovalIn,
    ApprovalOut,
    DecisionIn,
    GisPointIn,
    GisPointOut,
    HandlerIn,
    HandlerOut,
    MatterDetail,
    MatterFilters,
    MatterIn,
    MatterPage,
    PartyIn,
    PartyOut,
    ReturnIn,
    ReviewRequirementsIn,
    StageIn,
    TimelinePage,
    approval_out,
    event_out,
    gis_point_out,
    handler_out,
    matter_detail,
    matter_summary,
    party_out,
)
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, PageParams
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.ledger import events
from lawtrail.ledger.models import Event
from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Matter, Party
from lawtrail.matters.permissions import get_visible_matter, require_officer, visible_matters
from lawtrail.matters.queries import MatterQuery, filter_matters

router = Router(tags=["matters"])


def filtered(user: Any, filters: MatterFilters) -> models.QuerySet[Matter]:
    """The caller's visible matters narrowed by ``filters`` (``lawtrail.matters.queries``)."""
    query = MatterQuery(
        kind=filters.kind,
        stage=filters.stage,
        agency=filters.agency,
        party=filters.party,
        opened_from=filters.opened_from,
        opened_to=filters.opened_to,
        q=filters.q,
    )
    return filter_matters(
        visible_matters(user),
        query,
        agencies=matter_agencies(user),
        identifiers_in=details_visible(user),
    )


@router.get("", response={200: MatterPage, **READ_ERRORS}, summary="List visible matters")
def list_matters(request: HttpRequest, filters: Query[MatterFilters]) -> MatterPage:
    """The matters the caller's scope shows, newest first, one keyset page at a time."""
    page = paginate(
        filtered(caller(request), filters)
        .select_related("agency")
        .prefetch_related(models.Prefetch("parties", queryset=Party.objects.order_by("pk"))),
        ["-opened_at", "-id"],
        limit=filters.limit,
        after=filters.after,
    )
    return MatterPage(items=[matter_summary(m) for m in page.rows], next=page.next)


def detail_for(user: Any, matter: Matter) -> MatterDetail:
    """The matter as ``user`` may read it: without the parties' identifiers and contacts where
    its confidentiality level keeps them from this caller (第二十一条; the matter page alike)."""
    return matter_detail(matter, details=sees_matter_details(user, matter))


@router.post("", response={201: MatterDetail, **WRITE_ERRORS}, summary="Open a matter")
def open_matter(request: HttpRequest, data: MatterIn) -> Status[MatterDetail]:
    """程序启动 (第三条) in the caller's own agency, with parties, handlers, places and the
    第十四条 flags."""
    user = caller(request)
    officer = require_officer(user)
    matter = actions.open_matter(user, officer.agency, data.to_input())
    return Status(201, detail_for(user, matter))


@router.get("/{matter_id}", response={200: MatterDetail, **READ_ERRORS}, summary="A matter")
def get_matter(request: HttpRequest, matter_id: int) -> MatterDetail:
    """Reading a matter is logged (第二十条) before it is returned."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    actions.note_viewed(user, matter)
    return detail_for(user, matter)


@router.post(
    "/{matter_id}/handlers", response={201: HandlerOut, **WRITE_ERRORS}, summary="Add a handler"
)
def add_handler(request: HttpRequest, matter_id: int, data: HandlerIn) -> Status[HandlerOut]:
    """第十条: an officer of the matter's agency; assistants (协助人员) never lead."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    handler = actions.add_handler(user, matter, data.officer_id, lead=data.lead)
    return Status(201, handler_out(handler))


@router.post(
    "/{matter_id}/parties", response={201: PartyOut, **WRITE_ERRORS}, summary="Add a party"
)
def add_party(request: HttpRequest, matter_id: int, data: PartyIn) -> Status[PartyOut]:
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    return Status(201, party_out(actions.add_party(user, matter, data.to_input())))


@router.post(
    "/{matter_id}/gis-points",
    response={201: GisPointOut, **WRITE_ERRORS},
    summary="Add a GIS point",
)
def add_gis_point(request: HttpRequest, matter_id: int, data: GisPointIn) -> Status[GisPointOut]:
    """Stored in WGS-84; a point given in GCJ-02 keeps what was given alongside."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    return Status(201, gis_point_out(actions.add_gis_point(user, matter, data.to_input())))


@router.post(
    "/{matter_id}/approvals",
    response={201: ApprovalOut, **WRITE_ERRORS},
    summary="Request an approval",
)
def request_approval(request: HttpRequest, matter_id: int, data: ApprovalIn) -> Status[ApprovalOut]:
    """第十六条: a handler asks the head of the matter's agency to approve one step."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    approval = actions.request_approval(user, matter, data.subject, data.note)
    return Status(201, approval_out(approval))


@router.post(
    "/{matter_id}/approvals/{approval_id}/decision",
    response={200: ApprovalOut, **WRITE_ERRORS},
    summary="Decide an approval",
)
def decide_approval(
    request: HttpRequest, matter_id: int, approval_id: int, data: DecisionIn
) -> ApprovalOut:
    """第十三条(四), 第十六条: the head of the matter's own agency decides once, with an
    opinion, and never on their own request."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    approval = Approval.objects.filter(matter=matter, pk=approval_id).first()
    if approval is None:
        raise NotFound(_("No such approval."))
    decided = actions.decide_approval(user, approval, approve=data.approve, opinion=data.opinion)
    return approval_out(decided)


@router.post(
    "/{matter_id}/stage", response={200: MatterDetail, **WRITE_ERRORS}, summary="Change stage"
)
def advance_stage(request: HttpRequest, matter_id: int, data: StageIn) -> MatterDetail:
    """第三条: the next stage, or 409 with every unmet condition and the rule behind it."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    return detail_for(user, actions.advance_stage(user, matter, data.stage, data.reason))


@router.post(
    "/{matter_id}/return",
    response={200: MatterDetail, **WRITE_ERRORS},
    summary="Return for investigation",
)
def return_for_investigation(request: HttpRequest, matter_id: int, data: ReturnIn) -> MatterDetail:
    """审查决定 → 调查取证, with the reason."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    return detail_for(user, actions.return_for_investigation(user, matter, data.reason))


@router.post(
    "/{matter_id}/review-requirements",
    response={200: MatterDetail, **WRITE_ERRORS},
    summary="Set legal review / collective discussion",
)
def set_review_requirements(
    request: HttpRequest, matter_id: int, data: ReviewRequirementsIn
) -> MatterDetail:
    """第十三条(四): whether the decision needs 法制审核 and/or 集体讨论 first."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    changed = actions.set_review_requirements(
        user,
        matter,
        legal_review=data.needs_legal_review,
        collective_discussion=data.needs_collective_discussion,
    )
    return detail_for(user, changed)


class TimelineFilters(PageParams):
    action: str | None = Field(
        None,
        max_length=64,
        description="The start of the action code: `record.` or `matter.stage_advanced`.",
    )
    since: str | None = Field(
        None,
        description="ISO 8601 date or date-time, inclusive; a date is the start of that local day.",
    )
    until: str | None = Field(
        None,
        description="ISO 8601 date or date-time, inclusive; a date is the end of that local day.",
    )


ACTION_PREFIX = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]*)*$")


def moment(name: str, value: str, *, end: bool) -> tuple[datetime.datetime, bool]:
    """``value`` as an aware moment, and whether it was a bare (local) date; a bare date
    stands for its start, or with ``end`` for the next local midnight (excluded)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            if end:
                day += datetime.timedelta(days=1)
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
            # In UTC here, so that a moment the database cannot hold is refused now.
            return start.astimezone(datetime.UTC), True
        parsed = datetime.datetime.fromisoformat(text)
        aware = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        return aware.astimezone(datetime.UTC), False
    except (ValueError, OverflowError):
        raise Invalid(
            _("%(name)s is not an ISO 8601 date or date-time.") % {"name": name},
            {name: [_("Enter a date such as 2026-03-01 or 2026-03-01T09:30+08:00.")]},
        ) from None


def filter_events(
    found: models.QuerySet[Event], filters: TimelineFilters
) -> models.QuerySet[Event]:
    """A matter's events narrowed by the start of the action code and by time, both ends
    inclusive."""
    if filters.action is not None:
        if not ACTION_PREFIX.match(filters.action):
            raise Invalid(
                _("An action is written like record.signed; give its start, e.g. record."),
                {"action": [_("Lower-case letters, digits, _ and dots only.")]},
            )
        found = found.filter(action__startswith=filters.action)
    since: datetime.datetime | None = None
    if filters.since:
        since, _bare = moment("since", filters.since, end=False)
        found = found.filter(at__gte=since)
    if filters.until:
        until, bare = moment("until", filters.until, end=True)
        if since is not None and (since >= until if bare else since > until):
            raise Invalid(_("since is after until."), {"since": [], "until": []})
        found = found.filter(at__lt=until) if bare else found.filter(at__lte=until)
    return found


@router.get(
    "/{matter_id}/timeline",
    response={200: TimelinePage, **READ_ERRORS},
    summary="The matter's ledger events",
)
def timeline(request: HttpRequest, matter_id: int, filters: Query[TimelineFilters]) -> TimelinePage:
    """The matter's events in ledger order, each as its canonical bytes say. They quote the
    parties' identifiers, so at 商业秘密 and above only those entitled read them (第二十一条)."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    if not sees_matter_details(user, matter):
        raise Forbidden(
            _(
                "The timeline quotes the parties' identifiers; at this confidentiality level it "
                "is shown only to the handlers, the head and those entitled."
            )
        )
    page = paginate(
        filter_events(events.for_context(matter.context), filters),
        ["seq"],
        limit=filters.limit,
        after=filters.after,
    )
    return TimelinePage(items=[event_out(e) for e in page.rows], next=page.next)
