"""/api/v1/access: confidentiality levels, access requests, decisions and grants (第二十条,
第二十一条). Thin: reads through ``lawtrail.access.queries``, changes through
``lawtrail.access.actions``.
"""

from __future__ import annotations

import datetime

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lawtrail.access import actions, copies
from lawtrail.access.models import AccessRequest, ConfidentialityMark, Grant, Level
from lawtrail.access.queries import (
    get_visible_grant,
    get_visible_request,
    visible_grants,
    visible_requests,
)
from lawtrail.access.rules import evidence_level, matter_level
from lawtrail.api.api import caller
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Input, PageParams, one_of
from lawtrail.evidence.queries import get_visible_evidence
from lawtrail.matters.permissions import get_visible_matter, require_officer

router = Router(tags=["access"])


class RequestIn(Input):
    matter_id: int
    kind: str = one_of(AccessRequest.Kind.values, "view: the working copy; copy: the original too")
    purpose: str = one_of(AccessRequest.Purpose.values)
    justification: str = Field(..., max_length=2000)
    evidence: list[int] = Field(
        default_factory=list, description="Evidence of the matter; empty: the whole matter."
    )
    recipient_name: str = Field(
        "", max_length=100, description="An outside recipient, entered by a handler."
    )
    recipient_organisation: str = Field("", max_length=200)


class AccessDecisionIn(Input):
    approve: bool
    expires_at: datetime.datetime | None = None
    reason: str = Field("", max_length=2000)


class RevokeIn(Input):
    reason: str = Field(..., max_length=2000)


class LevelIn(Input):
    level: str = one_of(Level.values)
    reason: str = Field(..., max_length=2000)


class GrantOut(Input):
    id: int
    request_id: int
    matter_id: int
    kind: str
    holder: str | None
    granted_at: datetime.datetime
    expires_at: datetime.datetime
    state: str = Field(description="live, expired or revoked")


class RequestOut(Input):
    id: int
    matter_id: int
    matter_number: str
    kind: str
    purpose: str
    requester: str | None
    recipient_name: str
    recipient_organisation: str
    entered_by: str
    justification: str
    evidence: list[int]
    requested_at: datetime.datetime
    state: str = Field(description="pending, approved or refused")
    decided_by: str | None = None
    decided_at: datetime.datetime | None = None
    reason: str = ""
    grant: GrantOut | None = None


class RequestPage(Input):
    items: list[RequestOut]
    next: str | None


class GrantPage(Input):
    items: list[GrantOut]
    next: str | None


class LevelOut(Input):
    level: str
    effective_level: str
    set_by: str
    set_at: datetime.datetime
    reason: str


class RequestFilters(PageParams):
    state: str | None = one_of(["pending", "decided"], default=None)


def grant_out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=grant.pk,
        request_id=grant.request_id,
        matter_id=grant.matter_id,
        kind=grant.kind,
        holder=grant.holder.get_username() if grant.holder else None,
        granted_at=grant.granted_at,
        expires_at=grant.expires_at,
        state=grant.state,
    )


def request_out(request: AccessRequest) -> RequestOut:
    decision = request.decision
    grant = Grant.objects.filter(request=request).first()
    return RequestOut(
        id=request.pk,
        matter_id=request.matter_id,
        matter_number=request.matter.number,
        kind=request.kind,
        purpose=request.purpose,
        requester=request.requester.get_username() if request.requester else None,
        recipient_name=request.recipient_name,
        recipient_organisation=request.recipient_organisation,
        entered_by=request.entered_by.get_username(),
        justification=request.justification,
        evidence=request.evidence_ids(),
        requested_at=request.requested_at,
        state=request.state,
        decided_by=decision.decided_by.get_username() if decision else None,
        decided_at=decision.decided_at if decision else None,
        reason=decision.reason if decision else "",
        grant=grant_out(grant) if grant else None,
    )


def level_out(mark: ConfidentialityMark, effective: str) -> LevelOut:
    return LevelOut(
        level=mark.level,
        effective_level=effective,
        set_by=mark.set_by.get_username(),
        set_at=mark.set_at,
        reason=mark.reason,
    )


@router.post("/requests", response={201: RequestOut, **WRITE_ERRORS}, summary="Request access")
def create_request(request: HttpRequest, data: RequestIn) -> Status[RequestOut]:
    """第二十条: ask the head to let you (or an outside recipient) view or copy a matter or some
    of its evidence."""
    user = caller(request)
    require_officer(user)
    matter = get_visible_matter(user, data.matter_id)
    made = actions.request_access(
        user,
        matter,
        actions.RequestInput(
            kind=data.kind,
            purpose=data.purpose,
            justification=data.justification,
            evidence=data.evidence,
            recipient_name=data.recipient_name,
            recipient_organisation=data.recipient_organisation,
        ),
    )
    return Status(201, request_out(made))


@router.get("/requests", response={200: RequestPage, **READ_ERRORS}, summary="Access requests")
def list_requests(request: HttpRequest, filters: Query[RequestFilters]) -> RequestPage:
    """The requests the caller made, entered, handles or (as head) decides, newest first."""
    rows = visible_requests(caller(request))
    if filters.state == "pending":
        rows = rows.filter(decision_row__isnull=True)
    elif filters.state == "decided":
        rows = rows.filter(decision_row__isnull=False)
    page = paginate(rows, ["-requested_at", "-id"], limit=filters.limit, after=filters.after)
    return RequestPage(items=[request_out(r) for r in page.rows], next=page.next)


@router.get(
    "/requests/{request_id}", response={200: RequestOut, **READ_ERRORS}, summary="An access request"
)
def get_request(request: HttpRequest, request_id: int) -> RequestOut:
    return request_out(get_visible_request(caller(request), request_id))


@router.post(
    "/requests/{request_id}/decision",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Decide an access request",
)
def decide_request(request: HttpRequest, request_id: int, data: AccessDecisionIn) -> RequestOut:
    """The head of the matter's agency approves (with an expiry) or refuses (with a reason)."""
    user = caller(request)
    access_request = get_visible_request(user, request_id)
    actions.decide_access(
        user, access_request, approve=data.approve, expires_at=data.expires_at, reason=data.reason
    )
    return request_out(AccessRequest.objects.get(pk=access_request.pk))


@router.get("/grants", response={200: GrantPage, **READ_ERRORS}, summary="Grants")
def list_grants(request: HttpRequest, filters: Query[PageParams]) -> GrantPage:
    page = paginate(
        visible_grants(caller(request)),
        ["-granted_at", "-id"],
        limit=filters.limit,
        after=filters.after,
    )
    return GrantPage(items=[grant_out(g) for g in page.rows], next=page.next)


@router.post(
    "/grants/{grant_id}/revoke", response={200: GrantOut, **WRITE_ERRORS}, summary="Revoke a grant"
)
def revoke(request: HttpRequest, grant_id: int, data: RevokeIn) -> GrantOut:
    user = caller(request)
    grant = get_visible_grant(user, grant_id)
    actions.revoke_grant(user, grant, data.reason)
    return grant_out(Grant.objects.get(pk=grant.pk))


@router.post(
    "/matters/{matter_id}/confidentiality",
    response={201: LevelOut, **WRITE_ERRORS},
    summary="Set a matter's confidentiality level",
)
def set_matter_level(request: HttpRequest, matter_id: int, data: LevelIn) -> Status[LevelOut]:
    """第二十一条: heads set any level; handlers may only make it stricter."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    mark = actions.set_matter_level(user, matter, data.level, data.reason)
    return Status(201, level_out(mark, matter_level(matter)))


@router.post(
    "/evidence/{evidence_id}/confidentiality",
    response={201: LevelOut, **WRITE_ERRORS},
    summary="Set evidence's own confidentiality level",
)
def set_evidence_level(request: HttpRequest, evidence_id: int, data: LevelIn) -> Status[LevelOut]:
    """The effective level is the stricter of the evidence's own and its matter's."""
    user = caller(request)
    evidence = get_visible_evidence(user, evidence_id)
    mark = actions.set_evidence_level(user, evidence, data.level, data.reason)
    return Status(201, level_out(mark, evidence_level(evidence)))


# ---------------------------------------------------------------- copies for courts


class PackageOut(Schema):
    name: str
    size: int
    made_at: datetime.datetime


class PackageQueued(Schema):
    detail: str


@router.post(
    "/grants/{grant_id}/packages",
    response={202: PackageQueued, **WRITE_ERRORS},
    summary="Make the copy package of a grant",
)
def make_package(request: HttpRequest, grant_id: int) -> Status[PackageQueued]:
    """第二十条: the verifiable package for the recipient of an approved request (working
    copies watermarked for them, originals for a copy grant, manifest, ledger events with
    proofs, the standalone verifier). Made in the background; list it with GET."""
    user = caller(request)
    copies.request_package(user, get_visible_grant(user, grant_id))
    return Status(
        202, PackageQueued(detail=_("The package is being made; it will be listed here."))
    )


@router.get(
    "/grants/{grant_id}/packages",
    response={200: list[PackageOut], **READ_ERRORS, 403: ErrorOut},
    summary="The copy packages made for a grant",
)
def list_packages(request: HttpRequest, grant_id: int) -> list[PackageOut]:
    user = caller(request)
    found = copies.list_packages(user, get_visible_grant(user, grant_id))
    return [
        PackageOut(
            name=p.name,
            size=p.size,
            made_at=datetime.datetime.fromtimestamp(p.made_at, tz=datetime.UTC),
        )
        for p in found
    ]


@router.get(
    "/grants/{grant_id}/packages/{name}",
    response={200: None, **READ_ERRORS, 403: ErrorOut},
    summary="Download a copy package",
    openapi_extra={"responses": {"200": {"content": {"application/zip": {}}}}},
)
def download_package(request: HttpRequest, grant_id: int, name: str) -> FileResponse:
    """The zip, after its download is written to the ledger."""
    user = caller(request)
    path = copies.open_package(user, get_visible_grant(user, grant_id), name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
