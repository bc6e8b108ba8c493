"""Pages of access: the request form, the head's queue, the grants list, setting levels
(第二十条, 第二十一条). Thin: every change is an action of ``lawtrail.access.actions``; an action's
error is shown with its status and has changed nothing.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lawtrail.access import actions, copies
from lawtrail.access.models import AccessRequest, Level
from lawtrail.access.queries import (
    get_visible_grant,
    get_visible_request,
    pending_for_head,
    visible_grants,
    visible_requests,
)
from lawtrail.access.rules import (
    bound_matter,
    details_decision,
    evidence_level,
    grants_allowed,
    matter_level,
    own_evidence_level,
    relations,
    sees_matter_details,
)
from lawtrail.errors import ActionError, Invalid
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import get_visible_evidence
from lawtrail.matters.models import Matter
from lawtrail.matters.permissions import get_visible_matter
from lawtrail.web.shortcuts import page


def level_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Level.choices]


def matter_access(user: Any, matter: Matter) -> dict[str, Any]:
    """What the matter page shows about confidentiality (its include ``_matter_level.html``)."""
    level = matter_level(matter)
    mine = relations(user, matter)
    return {
        "level": level,
        "level_label": Level(level).label,
        "details": sees_matter_details(user, matter),
        "state_secret": level == Level.STATE_SECRET,
        "may_set": bool(mine & {"handler", "head"}),
        "choices": level_choices(),
        "set_url": reverse("access:matter_level", args=[matter.pk]),
        "request_url": (
            reverse("access:request_new") + f"?matter={matter.pk}" if grants_allowed(level) else ""
        ),
    }


def evidence_access(user: Any, evidence: Evidence) -> dict[str, Any]:
    """What the evidence page shows about confidentiality (``_evidence_level.html``)."""
    matter = bound_matter(evidence)
    if matter is None:
        return {"bound": False, "details": True, "request_url": ""}
    level = evidence_level(evidence, matter)
    mine = relations(user, matter)
    return {
        "bound": True,
        "level": level,
        "level_label": Level(level).label,
        "own_level": own_evidence_level(evidence) or level,
        "details": details_decision(user, evidence),
        "may_set": bool(mine & {"handler", "head"}),
        "choices": level_choices(),
        "set_url": reverse("access:evidence_level", args=[evidence.pk]),
        "request_url": (
            reverse("access:request_new") + f"?matter={matter.pk}&evidence={evidence.pk}"
            if grants_allowed(level)
            else ""
        ),
    }


def int_list(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values if v.strip()]
    except ValueError:
        raise Invalid(_("Evidence is named by its number."), {"evidence": []}) from None


@page
def request_new(request: HttpRequest) -> HttpResponse:
    """第二十条: the request form, reached from the matter page and the evidence page."""
    source = request.POST if request.method == "POST" else request.GET
    matter = get_visible_matter(request.user, source.get("matter", ""))
    evidence_ids = int_list(source.getlist("evidence"))
    context: dict[str, Any] = {
        "matter": matter,
        "evidence_ids": evidence_ids,
        "kinds": AccessRequest.Kind.choices,
        "purposes": AccessRequest.Purpose.choices,
        "may_enter_for_outsider": bool(relations(request.user, matter) & {"handler", "head"}),
        "values": source,
    }
    if request.method == "POST":
        try:
            made = actions.request_access(
                request.user,
                matter,
                actions.RequestInput(
                    kind=source.get("kind", ""),
                    purpose=source.get("purpose", ""),
                    justification=source.get("justification", ""),
                    evidence=evidence_ids,
                    recipient_name=source.get("recipient_name", ""),
                    recipient_organisation=source.get("recipient_organisation", ""),
                ),
            )
        except ActionError as error:
            context["error"] = error
            return render(request, "access/request_form.html", context, status=error.status)
        messages.success(request, _("Access request %(id)d sent to the head.") % {"id": made.pk})
        return redirect("access:request_detail", made.pk)
    return render(request, "access/request_form.html", context)


@page
def request_list(request: HttpRequest) -> HttpResponse:
    """The head's queue of pending requests, and the caller's own requests."""
    return render(
        request,
        "access/requests.html",
        {
            "pending": list(pending_for_head(request.user)[:200]),
            "mine": list(visible_requests(request.user).order_by("-requested_at", "-id")[:100]),
        },
    )


@page
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = get_visible_request(request.user, pk)
    return render(request, "access/request_detail.html", detail_context(request, access_request))


def detail_context(request: HttpRequest, access_request: AccessRequest) -> dict[str, Any]:
    mine = relations(request.user, access_request.matter)
    return {
        "r": access_request,
        "decision": access_request.decision,
        "evidence_ids": access_request.evidence_ids(),
        "may_decide": "head" in mine
        and access_request.decision is None
        and request.user.pk not in (access_request.requester_id, access_request.entered_by_id),
        "default_expiry": (timezone.localtime() + datetime.timedelta(days=30)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }


def parse_expiry(value: str) -> datetime.datetime | None:
    if not value.strip():
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            _("The expiry is not a date and time."), {"expires_at": [_("YYYY-MM-DDTHH:MM")]}
        ) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@page
@require_POST
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    access_request = get_visible_request(request.user, pk)
    try:
        actions.decide_access(
            request.user,
            access_request,
            approve=request.POST.get("outcome") == "approve",
            expires_at=parse_expiry(request.POST.get("expires_at", "")),
            reason=request.POST.get("reason", ""),
        )
    except ActionError as error:
        context = detail_context(request, access_request)
        context["error"] = error
        return render(request, "access/request_detail.html", context, status=error.status)
    messages.success(request, _("The request is decided."))
    return redirect("access:request_detail", access_request.pk)


@page
def grant_list(request: HttpRequest) -> HttpResponse:
    grants = list(visible_grants(request.user).order_by("-granted_at", "-id")[:200])
    for grant in grants:
        grant.may_revoke = grant.state == "live" and "head" in relations(  # type: ignore[attr-defined]
            request.user, grant.matter
        )
        packaging = copies.may_have_package(request.user, grant)
        grant.may_package = packaging and grant.state == "live"  # type: ignore[attr-defined]
        grant.packages = (  # type: ignore[attr-defined]
            copies.list_packages(request.user, grant) if packaging else []
        )
    return render(request, "access/grants.html", {"grants": grants})


@page
@require_POST
def grant_package(request: HttpRequest, pk: int) -> HttpResponse:
    """第二十条: have the copy package of a live grant made (in the background)."""
    grant = get_visible_grant(request.user, pk)
    try:
        copies.request_package(request.user, grant)
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("access:grants")
    messages.success(
        request,
        _("The copy package of grant %(id)d is being made; it appears here when ready.")
        % {"id": grant.pk},
    )
    return redirect("access:grants")


@page
@require_GET
def grant_package_download(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """The zip, after its download is written to the ledger."""
    grant = get_visible_grant(request.user, pk)
    path = copies.open_package(request.user, grant, name)
    return cast(HttpResponse, FileResponse(path.open("rb"), as_attachment=True, filename=name))


@page
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_visible_grant(request.user, pk)
    try:
        actions.revoke_grant(request.user, grant, request.POST.get("reason", ""))
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("access:grants")
    messages.success(request, _("Grant %(id)d revoked.") % {"id": grant.pk})
    return redirect("access:grants")


@page
@require_POST
def matter_level_set(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_visible_matter(request.user, pk)
    try:
        actions.set_matter_level(
            request.user, matter, request.POST.get("level", ""), request.POST.get("reason", "")
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(reverse("web:matter", args=[matter.pk]) + "#confidentiality")
    messages.success(request, _("Confidentiality level set."))
    return redirect(reverse("web:matter", args=[matter.pk]) + "#confidentiality")


@page
@require_POST
def evidence_level_set(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_visible_evidence(request.user, pk)
    try:
        actions.set_evidence_level(
            request.user, evidence, request.POST.get("level", ""), request.POST.get("reason", "")
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(reverse("web:evidence", args=[evidence.pk]) + "#confidentiality")
    messages.success(request, _("Confidentiality level set."))
    return redirect(reverse("web:evidence", args=[evidence.pk]) + "#confidentiality")
