"""我的工作: what is due for me, my matters by stage, and the approvals waiting for me."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lawtrail.agencies.models import Role
from lawtrail.compliance.queries import my_deadlines
from lawtrail.matters.models import Approval, Matter, Stage
from lawtrail.web.shortcuts import current_officer, page

#: How many deadlines the home page shows; the compliance deadlines page has them all.
DUE_SHOWN = 10


@page
def home(request: HttpRequest) -> HttpResponse:
    officer = current_officer(request)
    context: dict[str, object] = {"officer": officer, "nav": "home"}
    if officer is None:
        return render(request, "web/home.html", context)
    # 第二十四条: overdue findings first, then what falls due soonest (my_deadlines's order).
    due = my_deadlines(request.user)
    context["due"] = due[:DUE_SHOWN]
    context["due_count"] = len(due)
    context["overdue_count"] = sum(1 for d in due if d.overdue)
    mine = (
        Matter.objects.filter(handlers__officer=officer)
        .select_related("agency")
        .order_by("-opened_at", "-id")
    )
    by_stage = {stage.value: [] for stage in Stage}  # type: dict[str, list[Matter]]
    for matter in mine:
        by_stage[matter.stage].append(matter)
    context["stages"] = [
        {"value": stage.value, "label": stage.label, "matters": by_stage[stage.value]}
        for stage in Stage
    ]
    context["my_count"] = sum(len(m) for m in by_stage.values())
    if officer.has_role(Role.HEAD):
        context["to_decide"] = (
            Approval.objects.filter(
                outcome=Approval.Outcome.PENDING, matter__agency_id=officer.agency_id
            )
            .exclude(requested_by=officer)
            .select_related("matter", "requested_by")
            .order_by("requested_at")
        )
    context["my_requests"] = (
        Approval.objects.filter(outcome=Approval.Outcome.PENDING, requested_by=officer)
        .select_related("matter")
        .order_by("requested_at")
    )
    return render(request, "web/home.html", context)
