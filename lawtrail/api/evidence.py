"""/api/v1/evidence: stored originals (音像记录/证据), their acquisitions and bindings, and the
permission-checked download of an original (issue 4 §5, §7).

Thin: reads go through ``lawtrail.evidence.queries`` (scope first, denial by default), changes
and downloads through ``lawtrail.evidence.actions``, which write the ledger event before a byte
is served. Uploads themselves are tus, under /api/v1/uploads/ (``lawtrail.api.uploads``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lawtrail.api.api import caller
from lawtrail.api.devices import FindingOut
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Input, one_of
from lawtrail.devices.findings import Finding
from lawtrail.errors import Invalid
from lawtrail.evidence import actions, deadlines, playback, queries
from lawtrail.evidence.models import Acquisition, Binding, Derivative, Evidence
from lawtrail.matters.permissions import visible_matters

router = Router(tags=["evidence"])


# ---------------------------------------------------------------- shapes


class EvidenceFilters(Schema):
    matter: str | None = Field(None, description="The number of the matter it is bound to now.")
    officer: str | None = Field(
        None, description="Certificate number or username of the recording officer."
    )
    device: str | None = Field(None, description="Serial number of the recording device.")
    kind: str | None = one_of(Evidence.Kind.values, default=None)
    acquired_from: datetime.date | None = Field(None, description="Local date, inclusive.")
    acquired_to: datetime.date | None = Field(None, description="Local date, inclusive.")
    unbound: bool | None = Field(
        None, description="true: only evidence bound to no matter (the inbox); false: only bound."
    )
    deadline: str | None = one_of(
        [s.value for s in deadlines.EVIDENCE_STATUSES],
        default=None,
        description="第十九条's 48-hour status: on time, late, or recording end unknown.",
    )
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, description="The `next` cursor of the previous page.")


class MatterRefOut(Schema):
    id: int
    number: str
    title: str


class BindingOut(Schema):
    id: int
    matter: MatterRefOut
    bound_by: str
    bound_at: datetime.datetime
    reason: str


class ClockOut(Schema):
    """第十九条: from the end of the recording to the verified upload, at most 48 hours."""

    status: str = one_of([s.value for s in deadlines.Status])
    label: str
    recorded_to: datetime.datetime | None = Field(description="When the recording ended.")
    due: datetime.datetime | None = Field(description="recorded_to + 48 hours.")
    arrived: datetime.datetime | None = Field(description="When the verified upload landed.")
    hours_taken: float | None
    hours_over: float | None = Field(description="Hours past the deadline; null when not.")


class StationRefOut(Schema):
    id: int
    name: str


class RecordingOfficerOut(Schema):
    id: int
    username: str
    name: str
    certificates: list[str]


class AcquisitionOut(Schema):
    id: int
    source: str
    acquired_by: str
    acquired_at: datetime.datetime
    filename: str = Field(description="As the client named it; never used as a path.")
    officer: RecordingOfficerOut | None
    device_serial: str
    station: str
    recorded_from: datetime.datetime | None
    recorded_to: datetime.datetime | None
    upload_delay_seconds: int | None = Field(
        description="第十九条: from the end of the recording to its arrival here."
    )
    gis: list[dict[str, str]] = Field(description="GIS points: WGS-84 and as given.")
    notice_given: bool | None = Field(description="第十七条: the party was told before recording.")
    notice_method: str = Field(description="第十七条: how the party was told.")
    interruption_reason: str = Field(description="Why recording was skipped or interrupted.")
    declared_sha256: str = Field(description="The digest the client declared (it matched).")
    upload: str | None = Field(description="The tus upload it came in by.")
    deadline: ClockOut
    collection_station: StationRefOut | None = Field(
        description="第十九条: the collection station that uploaded it, if one did."
    )
    dock: int | None = Field(description="The dock session it came in by.")
    clock_offset_seconds: float | None = Field(
        description="Device clock minus station clock at docking; the times above are corrected."
    )
    device_recorded_from: datetime.datetime | None = Field(description="As the device said.")
    device_recorded_to: datetime.datetime | None = Field(description="As the device said.")
    findings: list[FindingOut] = Field(
        description="第二十三条: what the device registry says about how it was recorded."
    )


class EvidenceSummary(Schema):
    id: int
    sha256: str
    sm3: str
    size: int
    kind: str = one_of(Evidence.Kind.values)
    content_type: str
    readable: bool = Field(description="False: kept as evidence, but no tool can read it.")
    stored_at: datetime.datetime
    filename: str
    acquired_at: datetime.datetime | None
    binding: BindingOut | None = Field(description="The current binding; null: unbound.")
    deadline: ClockOut = Field(
        description="The first on-time arrival, else the first late one, else unknown."
    )


class EvidenceDetail(EvidenceSummary):
    media: dict[str, Any] = Field(
        description=(
            "Probed facts: container, codecs, duration, size, frame rate, time, GPS. Empty (and "
            "the acquisitions' GIS too) when the confidentiality level hides them from the caller."
        )
    )
    store: str
    store_version: str
    acquisitions: list[AcquisitionOut]
    bindings: list[BindingOut] = Field(description="Every binding, oldest first.")


class EvidencePage(Schema):
    items: list[EvidenceSummary]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class BindingIn(Input):
    matter_id: int | None = None
    matter_number: str = Field("", max_length=64)
    reason: str = Field("", max_length=2000, description="Required when it moves matters.")


# ---------------------------------------------------------------- rows → shapes


def binding_out(binding: Binding) -> BindingOut:
    matter = binding.matter
    return BindingOut(
        id=binding.pk,
        matter=MatterRefOut(id=matter.pk, number=matter.number, title=matter.title),
        bound_by=binding.bound_by.get_username(),
        bound_at=binding.bound_at,
        reason=binding.reason,
    )


def acquisition_out(acquisition: Acquisition) -> AcquisitionOut:
    officer = acquisition.officer
    station = acquisition.collection_station
    delay = None
    if acquisition.recorded_to is not None:
        delay = int((acquisition.acquired_at - acquisition.recorded_to).total_seconds())
    return AcquisitionOut(
        id=acquisition.pk,
        source=acquisition.source,
        acquired_by=acquisition.acquired_by.get_username(),
        acquired_at=acquisition.acquired_at,
        filename=acquisition.filename,
        officer=(
            RecordingOfficerOut(
                id=officer.pk,
                username=officer.user.get_username(),
                name=officer.name,
                certificates=[c.number for c in officer.certificates.all()],
            )
            if officer is not None
            else None
        ),
        device_serial=acquisition.device_serial,
        station=acquisition.station,
        recorded_from=acquisition.recorded_from,
        recorded_to=acquisition.recorded_to,
        upload_delay_seconds=delay,
        gis=acquisition.gis,
        notice_given=acquisition.notice_given,
        notice_method=acquisition.notice_method,
        interruption_reason=acquisition.interruption_reason,
        declared_sha256=acquisition.declared_sha256,
        upload=str(acquisition.upload_id) if acquisition.upload_id else None,
        deadline=ClockOut(**deadlines.clock_of(acquisition).as_dict()),
        collection_station=(
            StationRefOut(id=station.pk, name=station.name) if station is not None else None
        ),
        dock=acquisition.dock_id,
        clock_offset_seconds=(
            float(acquisition.clock_offset_seconds)
            if acquisition.clock_offset_seconds is not None
            else None
        ),
        device_recorded_from=acquisition.device_recorded_from,
        device_recorded_to=acquisition.device_recorded_to,
        findings=[
            FindingOut(**Finding(row.code, row.detail).as_dict())
            for row in sorted(acquisition.findings.all(), key=lambda row: row.pk)
        ],
    )


def summary_fields(
    evidence: Evidence, bindings: list[Binding], shown: list[Acquisition]
) -> dict[str, Any]:
    first = shown[0] if shown else None
    return {
        "id": evidence.pk,
        "sha256": evidence.sha256,
        "sm3": evidence.sm3,
        "size": evidence.size,
        "kind": evidence.kind,
        "content_type": evidence.content_type,
        "readable": evidence.readable,
        "stored_at": evidence.stored_at,
        "filename": first.filename if first else "",
        "acquired_at": first.acquired_at if first else None,
        "binding": binding_out(bindings[-1]) if bindings else None,
        "deadline": ClockOut(**deadlines.evidence_clock(shown).as_dict()),
    }


def page_items(user: Any, rows: list[Evidence]) -> list[EvidenceSummary]:
    """Two queries for the whole page: bindings and acquisitions of its rows."""
    ids = [e.pk for e in rows]
    bindings: dict[int, list[Binding]] = {pk: [] for pk in ids}
    for b in (
        Binding.objects.filter(evidence_id__in=ids)
        .select_related("matter", "bound_by")
        .order_by("bound_at", "id")
    ):
        bindings[b.evidence_id].append(b)
    current = {pk: b[-1].matter_id for pk, b in bindings.items() if b}
    seen_matters = set(
        visible_matters(user).filter(pk__in=set(current.values())).values_list("pk", flat=True)
    )
    own = set(
        Acquisition.objects.filter(queries.own_acquisitions(user), evidence_id__in=ids).values_list(
            "pk", flat=True
        )
    )
    arrivals: dict[int, list[Acquisition]] = {pk: [] for pk in ids}
    for a in Acquisition.objects.filter(evidence_id__in=ids).order_by("acquired_at", "id"):
        if current.get(a.evidence_id) in seen_matters or a.pk in own:
            arrivals[a.evidence_id].append(a)
    return [EvidenceSummary(**summary_fields(e, bindings[e.pk], arrivals[e.pk])) for e in rows]


def evidence_detail(user: Any, evidence: Evidence) -> EvidenceDetail:
    bindings = list(
        Binding.objects.filter(evidence=evidence)
        .select_related("matter", "bound_by")
        .order_by("bound_at", "id")
    )
    shown = list(
        queries.shown_acquisitions(user, evidence)
        .select_related("collection_station")
        .prefetch_related(models.Prefetch("officer__certificates"), "findings")
    )
    from lawtrail.access.rules import details_decision

    details = details_decision(user, evidence)  # 第二十一条, decision 0014
    acquisitions = [acquisition_out(a) for a in shown]
    if not details:
        for acquisition in acquisitions:
            acquisition.gis = []
    return EvidenceDetail(
        **summary_fields(evidence, bindings, shown),
        media=evidence.media if details else {},
        store=evidence.store,
        store_version=evidence.store_version,
        acquisitions=acquisitions,
        bindings=[binding_out(b) for b in bindings],
    )


# ---------------------------------------------------------------- routes


@router.get("", response={200: EvidencePage, **READ_ERRORS}, summary="List visible evidence")
def list_evidence(request: HttpRequest, filters: Query[EvidenceFilters]) -> EvidencePage:
    """Evidence bound to a matter the caller sees, and the caller's unbound inbox; newest
    first, one keyset page at a time."""
    user = caller(request)
    data = filters.model_dump(exclude={"limit", "after"})
    page = paginate(
        queries.filtered(user, queries.EvidenceFilters(**data)),
        ["-stored_at", "-id"],
        limit=filters.limit,
        after=filters.after,
    )
    return EvidencePage(items=page_items(user, page.rows), next=page.next)


class DeadlineQuery(Schema):
    since: datetime.date | None = Field(None, description="Arrivals from this local date on.")
    until: datetime.date | None = Field(None, description="Arrivals up to this local date.")


class TallyOut(Schema):
    key: str = Field(description="Username of the officer, or region code of the agency.")
    name: str
    agency: str
    on_time: int
    late: int
    unknown: int = Field(description="Arrivals that did not say when the recording ended.")
    overdue_uploads: int = Field(description="Uploads still under way past their deadline.")
    total: int
    late_share: float | None = Field(description="late / (on_time + late); null: none stated.")


class OverdueOut(Schema):
    deadline: ClockOut
    officer: str | None = Field(description="Username of the recording officer.")
    evidence: int | None = Field(description="The evidence, for a late arrival.")
    upload: str | None = Field(description="The tus upload, for one still under way.")
    filename: str


class DeadlineReport(Schema):
    since: datetime.date | None
    until: datetime.date | None
    officers: list[TallyOut]
    agencies: list[TallyOut]
    overdue: list[OverdueOut] = Field(
        description="Late arrivals and overdue uploads, latest first."
    )


@router.get(
    "/deadlines",
    response={200: DeadlineReport, **READ_ERRORS},
    summary="The 48-hour record per officer and per agency",
)
def deadline_report(request: HttpRequest, query: Query[DeadlineQuery]) -> DeadlineReport:
    """第十九条: recordings are uploaded at the station within 48 hours of their end. Counts
    per officer and per agency of on-time, late and unstated arrivals, and the overdue items
    one by one. Officers see their own; heads and supervisors their agency and those below it;
    the records custodian their agency."""
    if query.since and query.until and query.since > query.until:
        raise Invalid(_("since is after until."), {"since": [], "until": []})
    found = deadlines.report(caller(request), query.since, query.until)
    return DeadlineReport(
        since=found.since,
        until=found.until,
        officers=[TallyOut(**t.as_dict()) for t in found.officers],
        agencies=[TallyOut(**t.as_dict()) for t in found.agencies],
        overdue=[
            OverdueOut(
                deadline=ClockOut(**item.clock.as_dict()),
                officer=item.officer.user.get_username() if item.officer else None,
                evidence=item.evidence.pk if item.evidence else None,
                upload=str(item.upload.pk) if item.upload else None,
                filename=item.filename,
            )
            for item in found.overdue
        ],
    )


@router.get("/{evidence_id}", response={200: EvidenceDetail, **READ_ERRORS}, summary="Evidence")
def get_evidence(request: HttpRequest, evidence_id: int) -> EvidenceDetail:
    """Digests, size, kind, media facts, acquisitions (capture times, device, station, GIS,
    the 第十七条 notice) and the bindings, current one last."""
    user = caller(request)
    evidence = queries.get_visible_evidence(user, evidence_id)
    actions.note_viewed(user, evidence)
    return evidence_detail(user, evidence)


@router.post(
    "/{evidence_id}/bindings",
    response={201: BindingOut, **WRITE_ERRORS},
    summary="Bind evidence to a matter",
)
def bind_evidence(request: HttpRequest, evidence_id: int, data: BindingIn) -> Status[BindingOut]:
    """Bind evidence from the inbox to a matter the caller handles, or move it to another
    matter (with a reason); earlier bindings are kept as history."""
    binding = actions.bind_evidence(
        caller(request),
        evidence_id,
        matter_id=data.matter_id,
        matter_number=data.matter_number,
        reason=data.reason,
    )
    return Status(201, binding_out(binding))


BYTES_RESPONSES = {
    200: None,
    206: None,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    416: ErrorOut,
    500: ErrorOut,
}


def unsatisfiable(size: int) -> JsonResponse:
    refused = JsonResponse(
        {"detail": _("The Range header names no bytes of this file.")}, status=416
    )
    refused["Content-Range"] = f"bytes */{size}"
    return refused


def ranged(
    chunks: Any, byte_range: actions.ByteRange, content_type: str, etag: str
) -> StreamingHttpResponse:
    """200 with the whole file, or 206 with the part the Range asked for."""
    response = StreamingHttpResponse(
        chunks, status=200 if byte_range.full else 206, content_type=content_type
    )
    response["Content-Length"] = str(byte_range.length)
    if not byte_range.full:
        response["Content-Range"] = (
            f"bytes {byte_range.start}-{byte_range.end - 1}/{byte_range.size}"
        )
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = f'"{etag}"'
    response["Cache-Control"] = "private, no-store"
    return response


def bytes_openapi(content_type: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {"content": {content_type: {}}},
            "206": {"content": {content_type: {}}},
        }
    }


@router.get(
    "/{evidence_id}/original",
    response=BYTES_RESPONSES,
    summary="Download the original",
    openapi_extra=bytes_openapi("application/octet-stream"),
)
def download_original(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """The original, byte for byte, with HTTP Range support. Only the bound matter's handlers
    and the head of its agency (or, while unbound, whoever brought it in) may fetch it; every
    download is a ledger event written before the first byte, every refusal one too."""
    try:
        download = actions.start_download(
            caller(request), evidence_id, request.headers.get("Range")
        )
    except actions.RangeNotSatisfiable:
        size = Evidence.objects.filter(pk=evidence_id).values_list("size", flat=True).first()
        return unsatisfiable(size or 0)
    response = ranged(
        download.chunks,
        download.range,
        download.evidence.content_type or "application/octet-stream",
        download.evidence.sha256,
    )
    response["Content-Disposition"] = content_disposition_header(True, download.filename) or ""
    return response


def derivative_response(request: HttpRequest, evidence_id: int, kind: str) -> HttpResponseBase:
    user = caller(request)
    try:
        stream = playback.open_derivative(user, evidence_id, kind, request.headers.get("Range"))
    except actions.RangeNotSatisfiable:
        evidence = queries.get_visible_evidence(user, evidence_id)
        derivative = playback.latest_derivative(evidence, kind)
        return unsatisfiable(derivative.size if derivative else 0)
    derivative = stream.derivative
    response = ranged(stream.chunks, stream.range, derivative.content_type, derivative.sha256)
    response["Content-Disposition"] = "inline"
    response["X-Derivative-Id"] = str(derivative.pk)
    return response


@router.get(
    "/{evidence_id}/working-copy",
    response=BYTES_RESPONSES,
    summary="Play the watermarked working copy",
    openapi_extra=bytes_openapi("video/mp4"),
)
def working_copy(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """第十九条: the working copy with case number, party, handlers, GIS and capture time
    burned in (video, photo) or in its tags (audio): the latest one, made for the current
    binding. HTTP Range for seeking; the start of each playback is a ledger event. 404 while
    it is still being made."""
    return derivative_response(request, evidence_id, Derivative.Kind.WORKING_COPY)


@router.get(
    "/{evidence_id}/thumbnail",
    response=BYTES_RESPONSES,
    summary="Thumbnail",
    openapi_extra=bytes_openapi("image/jpeg"),
)
def thumbnail(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """A small JPEG of the first frame (video) or the picture (photo)."""
    return derivative_response(request, evidence_id, Derivative.Kind.THUMBNAIL)
