"""The changes made on the matter page: approvals, stages, handlers, parties, GIS points.

Each is a POST that calls one action. On success it goes back to the matter page (PRG); on an
error it shows the page again with the message on the form and the action's status code.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lawtrail.errors import ActionError, NotFound
from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Matter, Stage
from lawtrail.matters.permissions import get_visible_matter
from lawtrail.web.forms.matters import (
    ApprovalRequestForm,
    DecisionForm,
    GisForm,
    HandlerForm,
    PartyForm,
    ReturnForm,
    ReviewRequirementsForm,
    StageForm,
)
from lawtrail.web.shortcuts import page
from lawtrail.web.views.matters import matter_failed


def back_to(matter: Matter, anchor: str) -> HttpResponseRedirect:
    return redirect(reverse("web:matter", args=[matter.pk]) + f"#{anchor}")


@page
@require_POST
def approval_request(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    form = ApprovalRequestForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            actions.request_approval(
                request.user, matter, form.cleaned_data["subject"], form.cleaned_data["note"]
            )
        except ActionError as exc:
            error = exc
        else:
            messages.success(request, _("Approval requested."))
            return back_to(matter, "approvals")
    return matter_failed(request, matter, "approvals", error, "approval_form", form)


@page
@require_POST
def approval_decide(request: HttpRequest, pk: int, approval_pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    approval = Approval.objects.filter(pk=approval_pk, matter=matter).first()
    if approval is None:
        raise NotFound(_("No such approval."))
    form = DecisionForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            actions.decide_approval(
                request.user,
                approval,
                approve=form.cleaned_data["outcome"] == "approve",
                opinion=form.cleaned_data["opinion"],
            )
        except ActionError as exc:
            error = exc
        else:
            messages.success(request, _("Decision recorded."))
            return back_to(matter, "approvals")
    return matter_failed(
        request, matter, "approvals", error, "decision_form", form, failed_approval=approval.pk
    )


@page
@require_POST
def stage_advance(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    form = StageForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            matter = actions.advance_stage(
                request.user, matter, form.cleaned_data["target"], form.cleaned_data["reason"]
            )
        except ActionError as exc:
            error = exc
        else:
            messages.success(
                request,
                _("The matter is now in stage %(stage)s.") % {"stage": Stage(matter.stage).label},
            )
            return back_to(matter, "stage")
    return matter_failed(request, matter, "stage", error, "stage_form", form)


@page
@require_POST
def stage_return(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    form = ReturnForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            matter = actions.return_for_investigation(
                request.user, matter, form.cleaned_data["reason"]
            )
        except ActionError as exc:
            error = exc
        else:
            messages.success(request, _("The matter went back to investigation."))
            return back_to(matter, "stage")
    return matter_failed(request, matter, "stage", error, "return_form", form)


@page
@require_POST
def handler_add(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    form = HandlerForm(matter.agency, request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            actions.add_handler(
                request.user,
                matter,
                form.cleaned_data["officer"].pk,
                lead=form.cleaned_data["lead"],
            )
        except ActionError as exc:
            error = exc
        else:
            messages.success(request, _("Handler added."))
            return back_to(matter, "handlers")
    return matter_failed(request, matter, "handlers", error, "handler_form", form)


@page
@require_POST
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    form = PartyForm(request.POST, prefix="party")
    error: ActionError | None = None
    if form.is_valid():
        try:
            actions.add_party(request.user, matter, form.party_input())
        except ActionError as exc:
            error = exc
            # "parties[0].id_number" names the field of the one party given here.
            error_fields = getattr(exc, "fields", {})
            for name, texts in error_fields.items():
                short = name.rsplit(".", 1)[-1]
                if short in form.fields:
                    form.add_error(short, texts[0] if texts else exc.message)
        else:
            messages.success(request, _("Party added."))
            return back_to(matter, "parties")
    return matter_failed(request, matter, "parties", error, "party_form", form)


@page
@require_POST
def gis_add(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    form = GisForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        gis = form.gis_input()
        assert gis is not None  # GisForm requires both coordinates
        try:
            actions.add_gis_point(request.user, matter, gis)
        except ActionError as exc:
            error = exc
        else:
            messages.success(request, _("GIS point added."))
            return back_to(matter, "gis")
    return matter_failed(request, matter, "gis", error, "gis_form", form)


@page
@require_POST
def review_requirements(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    form = ReviewRequirementsForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            actions.set_review_requirements(
                request.user,
                matter,
                legal_review=form.cleaned_data["needs_legal_review"],
                collective_discussion=form.cleaned_data["needs_collective_discussion"],
            )
        except ActionError as exc:
            error = exc
        else:
            messages.success(request, _("Review requirements saved."))
            return back_to(matter, "stage")
    return matter_failed(request, matter, "stage", error, "review_form", form)
