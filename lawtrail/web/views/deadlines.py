"""The 48-hour record of 第十九条: recordings reach the unit's collection station within 48 hours
of their end. Counts per officer and per agency from ``lawtrail.evidence.deadlines.report``,
and each late arrival and overdue upload."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lawtrail.agencies.models import Officer
from lawtrail.agencies.scope import officer_of
from lawtrail.evidence import deadlines, queries
from lawtrail.web.forms.evidence import DeadlineRangeForm, default_range
from lawtrail.web.shortcuts import page


def tally_rows(tallies: list[deadlines.Tally]) -> list[dict[str, Any]]:
    """The tallies as the tables show them, with the late share as a percentage."""
    rows = []
    for tally in tallies:
        row = tally.as_dict()
        share = tally.late_share
        row["late_percent"] = f"{share * 100:.1f}" if share is not None else ""
        rows.append(row)
    return rows


def watches_others(officer: Officer | None) -> bool:
    """Heads, supervisors and the records custodian see agencies; officers only themselves."""
    watchers = (*deadlines.WATCHERS_OF_SUBTREE, *deadlines.WATCHERS_OF_AGENCY)
    return officer is not None and any(officer.has_role(role) for role in watchers)


@page
@require_GET
def deadline_record(request: HttpRequest) -> HttpResponse:
    """第十九条: recordings reach the unit's station within 48 hours of their end. Counts per
    officer and per agency, and each late arrival and overdue upload."""
    officer = officer_of(request.user)
    if request.GET:
        form = DeadlineRangeForm(request.GET)
    else:
        since, until = default_range()
        form = DeadlineRangeForm({"since": since.isoformat(), "until": until.isoformat()})
    context: dict[str, Any] = {
        "nav": "deadlines",
        "form": form,
        "watcher": watches_others(officer),
        "window_hours": int(deadlines.UPLOAD_WINDOW.total_seconds() // 3600),
    }
    if not form.is_valid():
        return render(request, "web/evidence/deadlines.html", context, status=400)
    found = deadlines.report(request.user, form.cleaned_data["since"], form.cleaned_data["until"])
    late_ids = {item.evidence.pk for item in found.overdue if item.evidence is not None}
    linkable = set(
        queries.visible_evidence(request.user).filter(pk__in=late_ids).values_list("pk", flat=True)
    )
    context.update(
        report=found,
        officers=tally_rows(found.officers),
        agencies=tally_rows(found.agencies),
        late=[i for i in found.overdue if i.evidence is not None],
        under_way=[i for i in found.overdue if i.upload is not None],
        linkable=linkable,
    )
    return render(request, "web/evidence/deadlines.html", context)
