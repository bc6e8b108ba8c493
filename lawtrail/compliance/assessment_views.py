"""Pages: the annual assessment (第二十四条) and the internal audit (第十一条).

- ``/compliance/assessment/?year=Y``: the scores of the agencies and officers the caller may
  see, downloads (XLSX, PDF) and, for provincial supervisors, the button that publishes.
- ``/compliance/audits/``: the samples the caller may see and the form that draws one.
- ``/compliance/audits/<id>/``: a sample with the checklist form for each matter.

Thin: numbers from ``assessment``, changes through ``assessment.publish_assessment`` and the
``audit`` actions; an action's error is shown with its status and has changed nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lawtrail.agencies.models import Agency, Role
from lawtrail.agencies.scope import officer_of
from lawtrail.compliance import assessment, audit, exports
from lawtrail.compliance.models import AuditItem, AuditSample
from lawtrail.errors import ActionError, Forbidden, Invalid, NotFound
from lawtrail.web.shortcuts import page


def year_of_request(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or timezone.localdate().year
    return assessment.clean_year(raw)


def is_supervisor(request: HttpRequest) -> bool:
    officer = officer_of(request.user)
    return officer is not None and officer.has_role(Role.SUPERVISOR)


@page
@require_http_methods(["GET", "POST"])
def assessment_page(request: HttpRequest) -> HttpResponse:
    """The scores of a year; supervisors publish them (POST)."""
    if not assessment.can_see_assessment(request.user):
        raise Forbidden(_("Only heads and provincial supervisors see the annual assessment."))
    year = year_of_request(request)
    if request.method == "POST":
        published = assessment.publish_assessment(request.user, year)
        messages.success(
            request,
            _("Assessment %(year)d published; SHA-256 %(digest)s.")
            % {"year": year, "digest": published.digest},
        )
        return redirect(f"{request.path}?year={year}")
    results = assessment.visible_results(request.user, assessment.compute(year))
    latest = assessment.latest_assessment(year)
    return render(
        request,
        "compliance/assessment.html",
        {
            "nav": "compliance",
            "year": year,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
            "results": results,
            "agencies": results["agencies"],
            "officers": results["officers"],
            "rules": results["rules"],
            "latest": latest,
            "may_publish": is_supervisor(request),
            "exceptions": assessment.exceptions(results) if results["findings"] else [],
            "method": exports.method_note(),
        },
    )


@page
@require_GET
def assessment_download(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    if not assessment.can_see_assessment(request.user):
        raise Forbidden(_("Only heads and provincial supervisors see the annual assessment."))
    year = assessment.clean_year(year)
    results = assessment.visible_results(request.user, assessment.compute(year))
    if fmt == "xlsx":
        response = HttpResponse(exports.xlsx_bytes(results), content_type=exports.XLSX)
    else:
        response = HttpResponse(exports.pdf_bytes(results), content_type=exports.PDF)
    response["Content-Disposition"] = f'attachment; filename="assessment-{year}.{fmt}"'
    return response


def with_rows(sample: AuditSample) -> dict[str, Any]:
    """The sample's summary with (checklist item, current answer) pairs for each matter."""
    summary = audit.sample_summary(sample)
    for item in summary["items"]:
        answers = item["answers"] or {}
        item["rows"] = [(c, answers.get(c["id"], "")) for c in sample.checklist]
    return summary


def auditable_agencies(request: HttpRequest) -> list[Agency]:
    officer = officer_of(request.user)
    if officer is None:
        return []
    if officer.has_role(Role.SUPERVISOR) or officer.has_role(Role.HEAD):
        return list(officer.agency.subtree())
    if officer.has_role(Role.CUSTODIAN):
        return [officer.agency]
    return []


@page
@require_http_methods(["GET", "POST"])
def audits(request: HttpRequest) -> HttpResponse:
    """The samples the caller may see, and the form that draws a new one (第十一条)."""
    choices = auditable_agencies(request)
    if not choices:
        raise Forbidden(
            _("Only heads, provincial supervisors and records custodians audit matters.")
        )
    today = timezone.localdate()
    form = {
        "agency": request.POST.get("agency", choices[0].region_code),
        "size": request.POST.get("size", "10"),
        "period_from": request.POST.get("period_from", today.replace(month=1, day=1).isoformat()),
        "period_to": request.POST.get("period_to", today.isoformat()),
        "seed": request.POST.get("seed", ""),
    }
    context: dict[str, Any] = {
        "nav": "compliance",
        "samples": audit.visible_samples(request.user),
        "choices": choices,
        "form": form,
    }
    if request.method == "POST":
        try:
            agency = next((a for a in choices if a.region_code == form["agency"]), None)
            if agency is None:
                raise NotFound(_("You may not audit that unit, or it does not exist."))
            try:
                size: Any = int(form["size"])
            except ValueError:
                size = form["size"]
            sample = audit.draw_sample(
                request.user,
                agency,
                size,
                form["period_from"],
                form["period_to"],
                seed=form["seed"] or None,
            )
        except ActionError as error:
            context["error"] = error
            return render(request, "compliance/audits.html", context, status=error.status)
        messages.success(request, _("Sample drawn; the seed is recorded."))
        return redirect("compliance:audit", sample.pk)
    return render(request, "compliance/audits.html", context)


@page
@require_http_methods(["GET", "POST"])
def audit_sample(request: HttpRequest, pk: int) -> HttpResponse:
    """One sample: its matters and, for each, the checklist to answer."""
    sample = AuditSample.objects.select_related("agency", "drawn_by").filter(pk=pk).first()
    if sample is None or not audit.can_audit(officer_of(request.user), sample.agency):
        raise NotFound(_("No such audit sample."))
    context: dict[str, Any] = {"nav": "compliance", "sample": sample}
    if request.method == "POST":
        item = AuditItem.objects.filter(sample=sample, pk=request.POST.get("item") or 0).first()
        try:
            if item is None:
                raise Invalid(_("Choose a matter of this sample."), {"item": []})
            answers = {
                entry["id"]: request.POST.get(f"answer-{entry['id']}", "")
                for entry in sample.checklist
            }
            audit.record_result(request.user, item, answers, request.POST.get("note", ""))
        except ActionError as error:
            context["error"] = error
            context["summary"] = with_rows(sample)
            return render(request, "compliance/audit.html", context, status=error.status)
        messages.success(request, _("The checklist is recorded for this matter."))
        return redirect("compliance:audit", sample.pk)
    context["summary"] = with_rows(sample)
    return render(request, "compliance/audit.html", context)


urlpatterns: list[URLPattern] = [
    path("assessment/", assessment_page, name="assessment"),
    path(
        "assessment/<int:year>.xlsx", assessment_download, {"fmt": "xlsx"}, name="assessment_xlsx"
    ),
    path("assessment/<int:year>.pdf", assessment_download, {"fmt": "pdf"}, name="assessment_pdf"),
    path("audits/", audits, name="audits"),
    path("audits/<int:pk>/", audit_sample, name="audit"),
]
