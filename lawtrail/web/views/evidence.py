"""Evidence pages (音像记录/证据): the list with the officer's inbox, the evidence page that plays
the watermarked working copy (第十九条), binding to a matter, and the matter page's evidence.
The 48-hour record is ``lawtrail.web.views.deadlines``.

Thin, like the other pages: what the caller may see comes from ``lawtrail.evidence.queries``
(404 for evidence out of scope, never a hint that it exists), changes go through
``lawtrail.evidence.actions``, and the bytes are served by the API (``/api/v1/evidence/…``),
which checks permission again and writes the ledger event before the first byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from lawtrail.agencies.models import Officer, Role
from lawtrail.devices.findings import Finding
from lawtrail.errors import ActionError, Invalid
from lawtrail.evidence import actions, deadlines, playback, queries
from lawtrail.evidence.models import Acquisition, Binding, Derivative, Evidence
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.permissions import is_handler, is_head_of, visible_matters
from lawtrail.web.evidence_rows import Row, api_url, page_of, rows_of
from lawtrail.web.forms.evidence import ALL, INBOX, BindForm, EvidenceSearchForm
from lawtrail.web.paging import Page
from lawtrail.web.shortcuts import apply_error, current_officer, page, unmet_of

# ------------------------------------------------------------------ the list


def inbox(user: Any) -> models.QuerySet[Evidence]:
    """Evidence waiting to be bound: visible and unbound means the caller's own."""
    return queries.filtered(user, queries.EvidenceFilters(unbound=True))


def search_data(request: HttpRequest, waiting: int) -> QueryDict:
    """The filters asked for; a bare /evidence/ opens the inbox when something waits there."""
    data = request.GET.copy()
    if not request.GET:
        data["unbound"] = INBOX if waiting else ALL
    return data


@page
@require_GET
def evidence_list(request: HttpRequest) -> HttpResponse:
    """Visible evidence, newest first: the caller's inbox (unbound) and what their matters hold.
    A bad filter lists nothing and says what is wrong (400)."""
    user = request.user
    waiting = inbox(user).count()
    form = EvidenceSearchForm(search_data(request, waiting))
    error: ActionError | None = None
    result = Page()
    if form.is_valid():
        try:
            found = queries.filtered(user, form.filters())
        except Invalid as exc:
            error = exc
            apply_error(exc, form)
        else:
            result = page_of(
                found, after=request.GET.get("after"), before=request.GET.get("before")
            )
    bad = error is not None or bool(form.errors)
    context = {
        "nav": "evidence",
        "form": form,
        "error": error,
        "page": result,
        "rows": rows_of(user, result.items),
        "tab": form.data.get("unbound") or ALL,
        "waiting": waiting,
        "officers": deadlines.watched_officers(user).select_related("agency")[:300],
        "bad": bad,
    }
    return render(request, "web/evidence/list.html", context, status=400 if bad else 200)


# ------------------------------------------------------------------ the evidence page

MEDIA_FACTS: list[tuple[str, Any]] = [
    ("container", gettext_lazy("Container")),
    ("video_codec", gettext_lazy("Video codec")),
    ("audio_codec", gettext_lazy("Audio codec")),
    ("duration", gettext_lazy("Duration")),
    ("resolution", gettext_lazy("Resolution")),
    ("frame_rate", gettext_lazy("Frame rate")),
    ("sample_rate", gettext_lazy("Sample rate")),
    ("creation_time", gettext_lazy("Creation time (in the file)")),
    ("gps", gettext_lazy("GPS (in the file)")),
    ("problem", gettext_lazy("Problem")),
]


def clock_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def media_facts(media: dict[str, Any]) -> list[tuple[Any, str]]:
    """The probed facts (container, codecs, duration …) as label and text, in a fixed order."""
    values: dict[str, str] = {}
    for name in ("container", "video_codec", "audio_codec", "creation_time", "problem"):
        if media.get(name):
            values[name] = str(media[name])
    try:
        seconds = float(media["duration_seconds"])
    except (KeyError, TypeError, ValueError):
        pass
    else:
        values["duration"] = f"{clock_text(seconds)} ({media['duration_seconds']} s)"
    if media.get("width") and media.get("height"):
        values["resolution"] = f"{media['width']} × {media['height']}"
    if media.get("frame_rate"):
        values["frame_rate"] = f"{media['frame_rate']} fps"
    if media.get("sample_rate"):
        values["sample_rate"] = f"{media['sample_rate']} Hz"
    gps = media.get("gps") or {}
    if gps.get("latitude") and gps.get("longitude"):
        values["gps"] = f"{gps['latitude']}, {gps['longitude']} {gps.get('datum', '')}".strip()
    return [(label, values[name]) for name, label in MEDIA_FACTS if name in values]


@dataclass
class Place:
    latitude: str
    longitude: str
    given: str
    source: str

    @property
    def geo_uri(self) -> str:
        """A ``geo:`` URI (RFC 5870, WGS-84): the device's own map opens it, no outside site."""
        return f"geo:{self.latitude},{self.longitude}"


def places(acquisitions: list[Acquisition], media: dict[str, Any]) -> list[Place]:
    """Where it was captured: the GIS points of each acquisition, and the file's own GPS."""
    found = []
    for acquisition in acquisitions:
        for point in acquisition.gis:
            latitude, _sep, longitude = str(point.get("wgs84", "")).partition(",")
            if latitude and longitude:
                found.append(
                    Place(latitude, longitude, str(point.get("given", "")), acquisition.filename)
                )
    gps = media.get("gps") or {}
    if gps.get("latitude") and gps.get("longitude"):
        found.append(
            Place(gps["latitude"], gps["longitude"], gps.get("datum", ""), _("GPS in the file"))
        )
    return found


@dataclass
class Shown:
    """A derivative with its parameters laid out for reading."""

    derivative: Derivative
    is_current: bool
    tools: str
    parameters: str
    from_this_original: bool


def pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def may_bind(officer: Officer | None, binding: Binding | None) -> bool:
    """Whoever sees it may bind unbound evidence (to a matter they work on: the action
    checks); moving it needs the right to change the matter it is bound to now."""
    if officer is None:
        return False
    if binding is None:
        return True
    return is_handler(officer, binding.matter) or is_head_of(officer, binding.matter)


def bind_targets(officer: Officer | None, binding: Binding | None) -> list[Matter]:
    """Suggestions for the bind form: recent matters the caller handles or heads."""
    if officer is None:
        return []
    mine = models.Q(handlers__officer=officer)
    if officer.has_role(Role.HEAD):
        mine |= models.Q(agency_id=officer.agency_id)
    matters = Matter.objects.filter(mine).exclude(stage=Stage.ARCHIVING)
    if binding is not None:
        matters = matters.exclude(pk=binding.matter_id)
    ids = matters.values("pk")
    return list(Matter.objects.filter(pk__in=ids).order_by("-opened_at", "-id")[:50])


def access_context(user: Any, evidence: Evidence) -> dict[str, Any]:
    """The confidentiality level and what it hides (第二十一条, decision 0014)."""
    from lawtrail.access.views import evidence_access

    return {"access": evidence_access(user, evidence)}


@dataclass
class Player:
    """What the page plays: the latest working copy, or why there is none yet."""

    element: str = ""  # "video", "audio", "img" or "" for none
    src: str = ""
    poster: str = ""
    derivative: Derivative | None = None
    waiting: bool = False  # readable media whose working copy is still being made
    earlier: bool = False  # the copy of an earlier binding, while the current one's is made
    denied: bool = False  # 第二十条: not a handler, the head or a grant holder


PLAYABLE: dict[str, str] = {
    Evidence.Kind.VIDEO: "video",
    Evidence.Kind.AUDIO: "audio",
    Evidence.Kind.PHOTO: "img",
}


def player_of(evidence: Evidence, binding: Binding | None) -> Player:
    element = PLAYABLE.get(evidence.kind, "") if evidence.readable else ""
    if not element:
        return Player()
    copy = playback.latest_derivative(evidence, Derivative.Kind.WORKING_COPY)
    if copy is None:
        return Player(waiting=True)
    thumbnail = playback.latest_derivative(evidence, Derivative.Kind.THUMBNAIL)
    return Player(
        element=element,
        src=api_url(evidence.pk, "working-copy"),
        poster=api_url(evidence.pk, "thumbnail") if thumbnail else "",
        derivative=copy,
        earlier=binding is not None and copy.binding_id != binding.pk,
    )


def evidence_context(request: HttpRequest, evidence: Evidence, **extra: Any) -> dict[str, Any]:
    """Everything the evidence page shows; ``extra`` carries a failed bind form and its error."""
    user = request.user
    officer = current_officer(request)
    binding = queries.current_binding(evidence)
    bindings = list(
        Binding.objects.filter(evidence=evidence)
        .select_related("matter", "bound_by__officer")
        .order_by("bound_at", "id")
    )
    seen = set(
        visible_matters(user)
        .filter(pk__in={b.matter_id for b in bindings})
        .values_list("pk", flat=True)
    )
    acquisitions = list(
        queries.shown_acquisitions(user, evidence)
        .select_related("acquired_by__officer", "upload", "collection_station")
        .prefetch_related("findings")
    )
    for acquisition in acquisitions:
        acquisition.clock = deadlines.clock_of(acquisition)  # type: ignore[attr-defined]
        acquisition.registry_findings = [  # type: ignore[attr-defined]
            Finding(row.code, row.detail) for row in acquisition.findings.all()
        ]
    current_ids = {
        d.pk
        for d in (playback.latest_derivative(evidence, kind) for kind in Derivative.Kind.values)
        if d is not None
    }
    derivatives = [
        Shown(
            derivative=d,
            is_current=d.pk in current_ids,
            tools=pretty(d.tools),
            parameters=pretty(d.parameters),
            from_this_original=d.source_sha256 == evidence.sha256,
        )
        for d in Derivative.objects.filter(evidence=evidence)
        .select_related("binding__matter")
        .order_by("made_at", "id")
    ]
    context: dict[str, Any] = {
        "nav": "evidence",
        "evidence": evidence,
        "binding": binding,
        "bindings": [{"binding": b, "visible": b.matter_id in seen} for b in bindings],
        "acquisitions": acquisitions,
        "filename": acquisitions[0].filename if acquisitions else "",
        "clock": deadlines.evidence_clock(acquisitions),
        "facts": media_facts(evidence.media),
        "places": places(acquisitions, evidence.media),
        "derivatives": derivatives,
        "player": player_of(evidence, binding),
        "may_download": queries.download_decision(user, evidence).allowed,
        **access_context(user, evidence),
        "original_url": api_url(evidence.pk, "original"),
        "may_bind": may_bind(officer, binding),
        "bind_form": BindForm(),
        "bind_targets": bind_targets(officer, binding),
    }
    if not queries.content_decision(user, evidence, "view").allowed and context["player"].element:
        context["player"] = Player(denied=True)
    if not context["access"]["details"]:
        context["facts"], context["places"] = [], []
        context["player"].poster = ""
    context.update(extra)
    if "error" in context:
        context["unmet"] = unmet_of(context["error"])
    return context


@page
@require_GET
def evidence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = queries.get_visible_evidence(request.user, pk)
    actions.note_viewed(request.user, evidence)
    return render(request, "web/evidence/detail.html", evidence_context(request, evidence))


def place_bind_error(error: ActionError, form: BindForm) -> None:
    """``bind_evidence`` names ``matter``/``matter_id``; on the page that is the number."""
    apply_error(error, form)
    named = isinstance(error, Invalid) and {"matter", "matter_id", "matter_number"} & set(
        error.fields
    )
    if named and not form.has_error("matter_number"):
        form.add_error("matter_number", error.message)


@page
@require_POST
def evidence_bind(request: HttpRequest, pk: int) -> HttpResponse:
    """Bind the evidence to a matter (or move it, with a reason); back to the page on success."""
    evidence = queries.get_visible_evidence(request.user, pk)
    form = BindForm(request.POST)
    error: ActionError | None = None
    if form.is_valid():
        try:
            binding = actions.bind_evidence(
                request.user,
                evidence.pk,
                matter_id=None,
                matter_number=form.cleaned_data["matter_number"],
                reason=form.cleaned_data["reason"],
            )
        except ActionError as exc:
            error = exc
            place_bind_error(exc, form)
        else:
            messages.success(
                request,
                _("Evidence bound to %(number)s; its working copy is being made again.")
                % {"number": binding.matter.number},
            )
            return redirect(reverse("web:evidence", args=[evidence.pk]) + "#binding")
    extra: dict[str, Any] = {"bind_form": form, "bind_failed": True}
    if error is not None:
        extra["error"] = error
    context = evidence_context(request, evidence, **extra)
    status = error.status if error is not None else 422
    return render(request, "web/evidence/detail.html", context, status=status)


# ------------------------------------------------------------------ the matter page


def matter_section(request: HttpRequest, matter: Matter) -> list[Row]:
    """The evidence bound to ``matter`` now (its latest binding), newest first."""
    bound = (
        queries.visible_evidence(request.user)
        .filter(**{queries.CURRENT_MATTER: matter.pk})
        .order_by("-stored_at", "-id")
    )
    return rows_of(request.user, list(bound))
