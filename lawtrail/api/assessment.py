"""The assessment and internal-audit API (第二十四条, 第十一条), mounted at /api/v1/assessment.

- ``GET /{year}`` the scores (JSON), ``GET /{year}.xlsx`` / ``.pdf`` (or ``?format=``) the exports;
  ``?published=true`` gives the latest published assessment instead of today's count. Heads see
  their subtree, provincial supervisors everything.
- ``POST /audits`` draws a sample; ``GET /audits/{sample_id}``;
  ``POST /audits/{sample_id}/items/{item_id}/results`` records one matter's checklist.

Thin: the numbers come from ``lawtrail.compliance.assessment``, the changes from
``lawtrail.compliance.audit``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from lawtrail.agencies.models import Agency, Role
from lawtrail.agencies.scope import officer_of
from lawtrail.api.api import caller
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Input
from lawtrail.compliance import assessment, audit, exports
from lawtrail.compliance.models import AuditItem, AuditSample
from lawtrail.errors import Forbidden, NotFound

router = Router(tags=["assessment"])


class AssessmentQuery(Schema):
    format: str = Field("json", description="json, xlsx or pdf.", pattern="^(json|xlsx|pdf)$")
    published: bool = Field(False, description="The latest published assessment of the year.")


class AssessmentOut(Schema):
    year: int
    published: dict[str, Any] | None = Field(description="id, digest, made_at; null: a count.")
    results: dict[str, Any] = Field(description="agencies, officers, rules, weights, method.")


class DrawIn(Input):
    agency: str = Field("", description="The unit's region code.")
    size: int = Field(0, description="How many matters to draw (1–500).")
    period_from: datetime.date | None = Field(None, description="Matters opened from (local).")
    period_to: datetime.date | None = Field(None, description="Matters opened to (local).")
    seed: str | None = Field(None, description="The random seed; a new one when empty.")


class ResultIn(Input):
    answers: dict[str, str] = Field(
        default_factory=dict, description="Every checklist id → yes, no or n/a."
    )
    note: str = ""


class ResultOut(Schema):
    id: int
    item: int
    answers: dict[str, str]
    note: str
    checked_by: str
    checked_at: datetime.datetime


def year_results(request: HttpRequest, year: int, published: bool) -> tuple[dict[str, Any], Any]:
    user = caller(request)
    if not assessment.can_see_assessment(user):
        raise Forbidden("Only heads and provincial supervisors see the annual assessment.")
    year = assessment.clean_year(year)
    if published:
        stored = assessment.latest_assessment(year)
        if stored is None:
            raise NotFound(f"No assessment of {year} has been published.")
        return assessment.visible_results(user, stored.results), stored
    return assessment.visible_results(user, assessment.compute(year)), None


def export(results: dict[str, Any], fmt: str) -> HttpResponse:
    year = results["year"]
    if fmt == "xlsx":
        response = HttpResponse(exports.xlsx_bytes(results), content_type=exports.XLSX)
    else:
        response = HttpResponse(exports.pdf_bytes(results), content_type=exports.PDF)
    response["Content-Disposition"] = f'attachment; filename="assessment-{year}.{fmt}"'
    return response


def answer(request: HttpRequest, year: int, fmt: str, published: bool) -> Any:
    results, stored = year_results(request, year, published)
    if fmt != "json":
        return export(results, fmt)
    return AssessmentOut(
        year=results["year"],
        published=(
            {"id": stored.pk, "digest": stored.digest, "made_at": stored.made_at.isoformat()}
            if stored
            else None
        ),
        results=results,
    )


@router.get(
    "/{int:year}",
    response={200: AssessmentOut, 403: ErrorOut, **READ_ERRORS},
    summary="The annual assessment of a year (第二十四条)",
)
def get_assessment(request: HttpRequest, year: int, query: Query[AssessmentQuery]) -> Any:
    return answer(request, year, query.format, query.published)


@router.get(
    "/{int:year}.xlsx",
    response={200: None, 403: ErrorOut, **READ_ERRORS},
    summary="The annual assessment as XLSX",
)
def get_assessment_xlsx(request: HttpRequest, year: int, published: bool = False) -> Any:
    return answer(request, year, "xlsx", published)


@router.get(
    "/{int:year}.pdf",
    response={200: None, 403: ErrorOut, **READ_ERRORS},
    summary="The annual assessment as a PDF in Chinese",
)
def get_assessment_pdf(request: HttpRequest, year: int, published: bool = False) -> Any:
    return answer(request, year, "pdf", published)


def may_audit_somewhere(request: HttpRequest) -> Any:
    user = caller(request)
    officer = officer_of(user)
    if officer is None or not any(
        officer.has_role(r) for r in (Role.SUPERVISOR, Role.HEAD, Role.CUSTODIAN)
    ):
        raise Forbidden("Only heads, provincial supervisors and records custodians audit.")
    return user


def visible_sample(request: HttpRequest, sample_id: int) -> AuditSample:
    officer = officer_of(caller(request))
    sample = AuditSample.objects.select_related("agency", "drawn_by").filter(pk=sample_id).first()
    if sample is None or not audit.can_audit(officer, sample.agency):
        raise NotFound("No such audit sample.")
    return sample


@router.post(
    "/audits", response={201: dict[str, Any], **WRITE_ERRORS}, summary="Draw an audit sample"
)
def draw(request: HttpRequest, data: DrawIn) -> Status[dict[str, Any]]:
    user = may_audit_somewhere(request)
    agency = Agency.objects.filter(region_code=data.agency).first()
    if agency is None:
        raise NotFound(f"No agency with region code {data.agency!r}.")
    today = timezone.localdate()
    sample = audit.draw_sample(
        user,
        agency,
        data.size,
        data.period_from or today.replace(month=1, day=1),
        data.period_to or today,
        seed=data.seed,
    )
    return Status(201, audit.sample_summary(sample))


@router.get(
    "/audits/{sample_id}", response={200: dict[str, Any], **READ_ERRORS}, summary="Audit sample"
)
def get_sample(request: HttpRequest, sample_id: int) -> dict[str, Any]:
    return audit.sample_summary(visible_sample(request, sample_id))


@router.post(
    "/audits/{sample_id}/items/{item_id}/results",
    response={201: ResultOut, **WRITE_ERRORS},
    summary="Record the checklist of one sampled matter (第十一条)",
)
def record(request: HttpRequest, sample_id: int, item_id: int, data: ResultIn) -> Status[ResultOut]:
    sample = visible_sample(request, sample_id)
    item = AuditItem.objects.filter(sample=sample, pk=item_id).first()
    if item is None:
        raise NotFound("No such item in this sample.")
    result = audit.record_result(caller(request), item, data.answers, data.note)
    return Status(
        201,
        ResultOut(
            id=result.pk,
            item=item.pk,
            answers=result.answers,
            note=result.note,
            checked_by=result.checked_by.name,
            checked_at=result.checked_at,
        ),
    )
