"""Matters: the list and search, opening one, and the matter page with its timeline."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lawtrail.access.rules import details_visible
from lawtrail.access.views import matter_access
from lawtrail.agencies.models import Role
from lawtrail.agencies.scope import matter_agencies
from lawtrail.errors import ActionError, Forbidden
from lawtrail.ledger import events
from lawtrail.matters import actions
from lawtrail.matters.models import STAGE_ORDER, Approval, Matter, Stage
from lawtrail.matters.permissions import (
    get_visible_matter,
    is_handler,
    is_head_of,
    is_responsible,
    require_officer,
    visible_matters,
)
from lawtrail.web import timeline
from lawtrail.web.forms.matters import (
    ApprovalRequestForm,
    GisForm,
    HandlerForm,
    MatterForm,
    PartyForm,
    PartyFormSet,
    ReturnForm,
    ReviewRequirementsForm,
    StageForm,
    flag_label,
)
from lawtrail.web.forms.search import MatterSearchForm
from lawtrail.web.paging import page_of
from lawtrail.web.shortcuts import apply_error, current_officer, page, unmet_of
from lawtrail.web.views import evidence, records

INDEXED_FIELD = re.compile(r"^(parties|gis_points)\[(\d+)\]\.(\w+)$")


@page
def matter_list(request: HttpRequest) -> HttpResponse:
    form = MatterSearchForm(matter_agencies(request.user), request.GET or None)
    visible = visible_matters(request.user)
    matters = form.filter(visible, details_visible(request.user)) if request.GET else visible
    result = page_of(
        matters.select_related("agency"),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    return render(
        request,
        "web/matters/list.html",
        {"form": form, "page": result, "nav": "matters", "can_open": can_open_matters(request)},
    )


def can_open_matters(request: HttpRequest) -> bool:
    """第十条: the page offers opening only to whom ``open_matter`` would let do it."""
    officer = current_officer(request)
    return (
        officer is not None
        and (officer.has_role(Role.OFFICER) or officer.has_role(Role.HEAD))
        and actions.may_open_matters(officer)
    )


def place_open_error(error: ActionError, form: MatterForm, parties: list[PartyForm]) -> None:
    """Put a field error of ``open_matter`` ("parties[1].id_number" …) on its input."""
    fields = getattr(error, "fields", {})
    for name, messages_ in fields.items():
        text = messages_[0] if messages_ else error.message
        match = INDEXED_FIELD.match(name)
        if match and match[1] == "parties" and int(match[2]) < len(parties):
            party_form = parties[int(match[2])]
            if match[3] in party_form.fields:
                party_form.add_error(match[3], text)
        elif match and match[1] == "gis_points" and match[3] in form.fields:
            form.add_error(match[3], text)
        elif name in form.fields:
            form.add_error(name, text)


@page
@require_http_methods(["GET", "POST"])
def matter_open(request: HttpRequest) -> HttpResponse:
    officer = require_officer(request.user)
    if not can_open_matters(request):
        raise Forbidden(
            _(
                "Only an established officer with an enforcement certificate valid today, or the "
                "head, opens a matter; assistants (协助人员) only help record (第十条)."
            )
        )
    agency = officer.agency
    error: ActionError | None = None
    if request.method == "POST":
        form = MatterForm(agency, request.POST)
        parties = PartyFormSet(request.POST, prefix="party")
        if form.is_valid() and parties.is_valid():
            # Rows added on the page and left blank are skipped.
            used = [p for p in parties.forms if p.cleaned_data]
            gis = form.gis_input()
            data = actions.MatterInput(
                kind=form.cleaned_data["kind"],
                procedure=form.cleaned_data["procedure"],
                title=form.cleaned_data["title"],
                place=form.cleaned_data["place"],
                summary=form.cleaned_data["summary"],
                parties=[p.party_input() for p in used],
                handlers=[o.pk for o in form.cleaned_data["handlers"]],
                lead=form.cleaned_data["lead"].pk if form.cleaned_data["lead"] else None,
                gis_points=[gis] if gis else [],
                flags={name: form.cleaned_data[name] for name in actions.AV_FLAGS},
            )
            try:
                matter = actions.open_matter(request.user, agency, data)
            except ActionError as exc:
                error = exc
                place_open_error(exc, form, used)
            else:
                messages.success(
                    request, _("Matter %(number)s opened.") % {"number": matter.number}
                )
                return redirect("web:matter", pk=matter.pk)
    else:
        form = MatterForm(agency, initial={"handlers": [officer.pk], "lead": officer.pk})
        parties = PartyFormSet(prefix="party")
    status = error.status if error else (422 if request.method == "POST" else 200)
    return render(
        request,
        "web/matters/open.html",
        {"form": form, "parties": parties, "error": error, "agency": agency, "nav": "open"},
        status=status,
    )


def stage_steps(matter: Matter) -> list[dict[str, Any]]:
    """第三条's five stages with this matter's place among them."""
    current = STAGE_ORDER.index(matter.stage)
    return [
        {
            "value": stage.value,
            "label": stage.label,
            "number": i + 1,
            "state": "done" if i < current else "current" if i == current else "todo",
        }
        for i, stage in enumerate(Stage)
    ]


def matter_context(request: HttpRequest, matter: Matter, **extra: Any) -> dict[str, Any]:
    """Everything the matter page shows; ``extra`` carries a failed form and its error."""
    officer = current_officer(request)
    may_change = officer is not None and (
        is_handler(officer, matter) or is_head_of(officer, matter)
    )
    # 第十条: stages, approvals, the team and the review requirements are the responsible
    # officer's; an assistant handling the matter only sees the forms that help record.
    responsible = officer is not None and is_responsible(officer, matter)
    is_head = officer is not None and is_head_of(officer, matter)
    approvals = list(
        matter.approvals.select_related("requested_by", "decided_by").order_by("requested_at")
    )
    for approval in approvals:
        approval.can_decide = bool(  # type: ignore[attr-defined]
            is_head
            and approval.outcome == Approval.Outcome.PENDING
            and officer is not None
            and approval.requested_by_id != officer.pk
        )
    handlers = list(matter.handlers.select_related("officer").order_by("-is_lead", "added_at"))
    for handler in handlers:
        handler.certificate = handler.officer.valid_certificate()  # type: ignore[attr-defined]
    next_stage = matter.next_stage()
    context: dict[str, Any] = {
        "nav": "matters",
        "matter": matter,
        "steps": stage_steps(matter),
        "may_change": may_change,
        "responsible": responsible,
        "parties": matter.parties.all(),
        "handlers": handlers,
        "gis_points": matter.gis_points.order_by("recorded_at", "id"),
        "flags": [
            {
                "name": name,
                "label": flag_label(name),
                "on": getattr(matter, name),
            }
            for name in actions.AV_FLAGS
        ],
        "approvals": approvals,
        "next_stage": next_stage,
        "next_stage_label": Stage(next_stage).label if next_stage else "",
        "can_return": matter.stage == Stage.REVIEW,
        "timeline": timeline.entries(events.for_context(matter.context)),
        "records": records.section(request, matter),
        "evidence_rows": evidence.matter_section(request, matter),
        "access": matter_access(request.user, matter),
        "approval_form": ApprovalRequestForm(),
        "stage_form": StageForm(initial={"target": next_stage}),
        "return_form": ReturnForm(),
        "review_form": ReviewRequirementsForm(
            initial={
                "needs_legal_review": matter.needs_legal_review,
                "needs_collective_discussion": matter.needs_collective_discussion,
            }
        ),
        "can_set_review": STAGE_ORDER.index(matter.stage) <= STAGE_ORDER.index(Stage.REVIEW),
        "handler_form": HandlerForm(matter.agency),
        "gis_form": GisForm(),
        "party_form": PartyForm(prefix="party"),
    }
    context.update(extra)
    if "error" in context:
        context["unmet"] = unmet_of(context["error"])
    return context


@page
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Consulting a case file is logged before it is shown (第二十条)."""
    matter = get_visible_matter(request.user, pk)
    actions.note_viewed(request.user, matter)
    return render(request, "web/matters/detail.html", matter_context(request, matter))


def matter_failed(
    request: HttpRequest,
    matter: Matter,
    section: str,
    error: ActionError | None,
    form_name: str,
    form: forms.Form,
    **extra: Any,
) -> HttpResponse:
    """Show the matter page again with the failed form, its error and its status code."""
    if error is not None:
        apply_error(error, form)
    status = error.status if error is not None else 422
    context = matter_context(request, matter, **{form_name: form, "failed": section}, **extra)
    if error is not None:
        context["error"] = error
        context["unmet"] = unmet_of(error)
    context["failed_message"] = (
        error.message if error is not None else _("Please correct the errors below.")
    )
    return render(request, "web/matters/detail.html", context, status=status)
