"""Pages: the officer's deadlines, the unit's findings and charts, the province side by side
(issue 7 §3; 第二十四条 assessment, 第二十五条/第二十六条 what goes wrong and who answers).

Thin: reads through ``lawtrail.compliance.queries`` (scope first), the one change (explaining a
finding) through ``lawtrail.compliance.actions.explain_finding``; an action's error is shown
with its status and has changed nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lawtrail.agencies.models import Officer, Role
from lawtrail.agencies.scope import officer_of, sees_subtree
from lawtrail.api.pagination import paginate
from lawtrail.compliance import actions, charts, queries
from lawtrail.compliance.models import Finding
from lawtrail.compliance.rules import SEVERITIES, rule_specs
from lawtrail.errors import ActionError, Forbidden, Invalid
from lawtrail.evidence import deadlines as upload_deadlines
from lawtrail.web.shortcuts import page

PAGE_SIZE = 50


@page
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The view for the caller's role: supervisors the province, heads (and custodians, legal
    reviewers) their unit, officers their deadlines, anyone else the findings list."""
    officer = officer_of(request.user)
    if officer is not None and officer.has_role(Role.SUPERVISOR):
        return redirect("compliance:province")
    if officer is not None and queries.watched_agencies(request.user).exists():
        return redirect("compliance:unit")
    if officer is not None and officer.has_role(Role.OFFICER):
        return redirect("compliance:deadlines")
    return redirect("compliance:findings")


@page
@require_GET
def deadlines(request: HttpRequest) -> HttpResponse:
    """The caller's deadlines: what is overdue first, then what falls due soonest."""
    items = queries.my_deadlines(request.user)
    return render(
        request,
        "compliance/deadlines.html",
        {
            "nav": "compliance",
            "items": items,
            "overdue": sum(1 for i in items if i.overdue),
            "now": timezone.now(),
        },
    )


def rule_label(rule_id: str) -> str:
    spec = rule_specs().get(rule_id)
    return f"{spec.article} {spec.title}" if spec else rule_id


@page
@require_GET
def unit(request: HttpRequest) -> HttpResponse:
    """A unit's page: uploads overdue, records missing, open findings, compliance by rule and by
    officer. A head above several agencies picks one."""
    agency = queries.summary_agency(request.user, request.GET.get("agency", ""))
    summary = queries.unit_summary(agency)
    choices = list(queries.watched_agencies(request.user))
    overdue = upload_deadlines.overdue_uploads(Officer.objects.filter(agency=agency))
    open_findings = list(
        queries.with_details(
            Finding.objects.filter(agency=agency, state=Finding.State.OPEN)
        ).order_by("due_at", "id")[:200]
    )
    by_rule = sorted(summary.open_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    rated = [r for r in summary.rates if r.rate is not None]
    context: dict[str, Any] = {
        "nav": "compliance",
        "agency": agency,
        "choices": choices if len(choices) > 1 else [],
        "summary": summary,
        "overdue_uploads": overdue,
        "open_findings": open_findings,
        "open_chart": charts.bar_chart(
            _("Open findings by rule"),
            [rule_label(r) for r, _n in by_rule],
            [n for _r, n in by_rule],
        ),
        "rate_chart": charts.bar_chart(
            _("Compliance by rule"),
            [f"{r.spec.article} {r.spec.title}" for r in rated],
            [round((r.rate or 0) * 100, 1) for r in rated],
            unit="%",
        ),
        "officer_chart": charts.bar_chart(
            _("Open findings by officer"),
            [c.name for c in summary.by_officer],
            [c.open for c in summary.by_officer],
        ),
    }
    return render(request, "compliance/unit.html", context)


@page
@require_GET
def province(request: HttpRequest) -> HttpResponse:
    """Every unit side by side, and the findings opened per month (Asia/Shanghai)."""
    officer = officer_of(request.user)
    if officer is None or not sees_subtree(officer):
        raise Forbidden(_("Only provincial supervisors and heads see units side by side."))
    agencies = list(queries.watched_agencies(request.user))
    rows = queries.province_rows(agencies)
    months, series = queries.monthly_trend(agencies)
    labels = [m.strftime("%Y-%m") for m in months]
    busiest = sorted(agencies, key=lambda a: (-sum(series[a.pk]), a.path))[: len(charts.PALETTE)]
    context = {
        "nav": "compliance",
        "rows": rows,
        "months": labels,
        "trend_rows": [(a, series[a.pk]) for a in agencies],
        "units_chart": charts.grouped_bars(
            _("Findings by unit"),
            [r.agency.name for r in rows],
            [
                charts.Series(_("Open"), [r.open for r in rows]),
                charts.Series(_("Open, high severity"), [r.open_high for r in rows]),
                charts.Series(_("Opened in 12 months"), [r.opened_12m for r in rows]),
            ],
        ),
        "trend_chart": charts.line_chart(
            _("Findings opened per month"),
            labels,
            [charts.Series(a.name, series[a.pk]) for a in busiest],
        ),
    }
    return render(request, "compliance/province.html", context)


def parse_day(source: QueryDict, name: str) -> datetime.date | None:
    value = source.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        message = _("A date is written YYYY-MM-DD.")
        raise Invalid(message, {name: [message]}) from None


def filters_from(source: QueryDict) -> queries.FindingFilters:
    return queries.FindingFilters(
        agency=source.get("agency", ""),
        officer=source.get("officer", ""),
        matter=source.get("matter", ""),
        rule=source.get("rule", ""),
        state=source.get("state", ""),
        severity=source.get("severity", ""),
        since=parse_day(source, "since"),
        until=parse_day(source, "until"),
    )


@page
@require_GET
def findings(request: HttpRequest) -> HttpResponse:
    """The findings the caller sees, filtered; one page at a time (keyset)."""
    context: dict[str, Any] = {
        "nav": "compliance",
        "values": request.GET,
        "rules": sorted(rule_specs().values(), key=lambda s: s.id),
        "states": Finding.State.choices,
        "severities": SEVERITIES,
        "rows": [],
        "next": None,
    }
    status = 200
    try:
        found = queries.filtered(request.user, filters_from(request.GET))
        chunk = paginate(
            queries.with_details(found),
            ["-opened_at", "-id"],
            limit=PAGE_SIZE,
            after=request.GET.get("after") or None,
        )
    except Invalid as error:
        context["error"] = error
        status = error.status
    else:
        context["rows"] = chunk.rows
        if chunk.next:
            params = request.GET.copy()
            params["after"] = chunk.next
            context["next"] = params.urlencode()
    return render(request, "compliance/findings.html", context, status=status)


@page
def finding(request: HttpRequest, pk: int) -> HttpResponse:
    """One finding: its rule and article, why it opened and closed, its explanations, and for
    heads and supervisors the form to explain it (第二十四条: a justified exception)."""
    found = queries.get_visible_finding(request.user, pk)
    officer = officer_of(request.user)
    context: dict[str, Any] = {
        "nav": "compliance",
        "f": found,
        "spec": rule_specs().get(found.rule_id),
        "may_explain": actions.can_explain(officer, found),
        "reason": "",
    }
    if request.method == "POST":
        try:
            actions.explain_finding(request.user, found, request.POST.get("reason", ""))
        except ActionError as error:
            context["error"] = error
            context["reason"] = request.POST.get("reason", "")
            return render(request, "compliance/finding.html", context, status=error.status)
        messages.success(request, _("The explanation is recorded; the finding stays listed."))
        return redirect("compliance:finding", found.pk)
    return render(request, "compliance/finding.html", context)


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("deadlines/", deadlines, name="deadlines"),
    path("unit/", unit, name="unit"),
    path("province/", province, name="province"),
    path("findings/", findings, name="findings"),
    path("findings/<int:pk>/", finding, name="finding"),
]
