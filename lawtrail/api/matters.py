"""/api/v1/matters: enforcement matters, their handlers, parties, places, approvals and stages.

Thin: reads go through the scope queries of ``lawtrail.matters.permissions``, every change
through one action of ``lawtrail.matters.actions``; an action's error becomes a 4xx answer
(``lawtrail.api.api``) and has changed nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from lawtrail.agencies.scope import matter_agencies
from lawtrail.api.api import caller
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
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
    PageParams,
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
from lawtrail.errors import Invalid, NotFound
from lawtrail.ledger import events
from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Kind, Matter, Party, Stage
from lawtrail.matters.permissions import get_visible_matter, require_officer, visible_matters

router = Router(tags=["matters"])


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the local time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(user: Any, filters: MatterFilters) -> models.QuerySet[Matter]:
    matters = visible_matters(user)
    if filters.kind is not None:
        if filters.kind not in Kind.values:
            raise Invalid(
                _("Unknown kind of matter %(kind)s.") % {"kind": filters.kind},
                {"kind": [", ".join(Kind.values)]},
            )
        matters = matters.filter(kind=filters.kind)
    if filters.stage is not None:
        if filters.stage not in Stage.values:
            raise Invalid(
                _("Unknown stage %(stage)s.") % {"stage": filters.stage},
                {"stage": [", ".join(Stage.values)]},
            )
        matters = matters.filter(stage=filters.stage)
    if filters.agency:
        # An agency out of scope, or none, simply has no matters to show.
        agency = matter_agencies(user).filter(region_code=filters.agency).first()
        if agency is None:
            return matters.none()
        matters = matters.filter(agency__path__startswith=agency.path)
    if filters.opened_from and filters.opened_to and filters.opened_from > filters.opened_to:
        raise Invalid(_("opened_from is after opened_to."), {"opened_from": [], "opened_to": []})
    if filters.opened_from:
        matters = matters.filter(opened_at__gte=start_of(filters.opened_from))
    if filters.opened_to:
        next_day = filters.opened_to + datetime.timedelta(days=1)
        matters = matters.filter(opened_at__lt=start_of(next_day))
    links = Matter.parties.through.objects.filter(matter_id=models.OuterRef("pk"))
    if filters.party:
        text = filters.party.strip()
        matters = matters.filter(
            models.Exists(
                links.filter(
                    models.Q(party__name__icontains=text)
                    | models.Q(party__id_number__icontains=text)
                    | models.Q(party__credit_code__icontains=text)
                )
            )
        )
    if filters.q:
        text = filters.q.strip()
        matters = matters.filter(
            models.Q(number__icontains=text)
            | models.Q(title__icontains=text)
            | models.Q(place__icontains=text)
            | models.Exists(links.filter(party__name__icontains=text))
        )
    return matters


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


@router.post("", response={201: MatterDetail, **WRITE_ERRORS}, summary="Open a matter")
def open_matter(request: HttpRequest, data: MatterIn) -> Status[MatterDetail]:
    """程序启动 (第三条) in the caller's own agency, with parties, handlers, places and the
    第十四条 flags."""
    user = caller(request)
    officer = require_officer(user)
    matter = actions.open_matter(user, officer.agency, data.to_input())
    return Status(201, matter_detail(matter))


@router.get("/{matter_id}", response={200: MatterDetail, **READ_ERRORS}, summary="A matter")
def get_matter(request: HttpRequest, matter_id: int) -> MatterDetail:
    """Reading a matter is logged (第二十条) before it is returned."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    actions.note_viewed(user, matter)
    return matter_detail(matter)


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
    return matter_detail(actions.advance_stage(user, matter, data.stage, data.reason))


@router.post(
    "/{matter_id}/return",
    response={200: MatterDetail, **WRITE_ERRORS},
    summary="Return for investigation",
)
def return_for_investigation(request: HttpRequest, matter_id: int, data: ReturnIn) -> MatterDetail:
    """审查决定 → 调查取证, with the reason."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    return matter_detail(actions.return_for_investigation(user, matter, data.reason))


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
    return matter_detail(changed)


@router.get(
    "/{matter_id}/timeline",
    response={200: TimelinePage, **READ_ERRORS},
    summary="The matter's ledger events",
)
def timeline(request: HttpRequest, matter_id: int, params: Query[PageParams]) -> TimelinePage:
    """The matter's events in ledger order, each as its canonical bytes say."""
    matter = get_visible_matter(caller(request), matter_id)
    page = paginate(
        events.for_context(matter.context), ["seq"], limit=params.limit, after=params.after
    )
    return TimelinePage(items=[event_out(e) for e in page.rows], next=page.next)
