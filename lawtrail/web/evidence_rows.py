"""Evidence as lists show it (the evidence list, the matter page): one row per evidence with
its first acquisition the caller may see, its current matter, its thumbnail and its 48-hour
clock (第十九条), built for a whole page in a few queries; and keyset pages over evidence."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from lawtrail.access.rules import details_decision
from lawtrail.evidence import deadlines, queries
from lawtrail.evidence.models import Acquisition, Binding, Derivative, Evidence
from lawtrail.matters.models import Matter
from lawtrail.matters.permissions import visible_matters
from lawtrail.web import paging
from lawtrail.web.paging import Page


def api_url(evidence_id: int, what: str) -> str:
    """``/api/v1/evidence/<id>/<what>`` (original, working-copy, thumbnail): API routes, not
    Django URL names; the script prefix keeps them right behind a sub-path proxy."""
    return f"{get_script_prefix()}api/v1/evidence/{evidence_id}/{what}"


@dataclass
class Row:
    """One evidence as lists show it: the list page and the matter page."""

    evidence: Evidence
    clock: deadlines.Clock
    matter: Matter | None = None
    acquisition: Acquisition | None = None  # the first one the caller may see
    thumbnail: str = ""
    place: str = ""

    @property
    def filename(self) -> str:
        return self.acquisition.filename if self.acquisition else ""

    @property
    def captured_from(self) -> datetime.datetime | None:
        return self.acquisition.recorded_from if self.acquisition else None

    @property
    def captured_to(self) -> datetime.datetime | None:
        return self.acquisition.recorded_to if self.acquisition else None

    @property
    def ends_same_day(self) -> bool:
        start, end = self.captured_from, self.captured_to
        return bool(start and end and timezone.localdate(start) == timezone.localdate(end))

    @property
    def url(self) -> str:
        return reverse("web:evidence", args=[self.evidence.pk])


def first_place(acquisition: Acquisition | None, media: dict[str, Any]) -> str:
    """Where it was captured, WGS-84: the first GIS point declared, else the file's GPS."""
    if acquisition is not None:
        for point in acquisition.gis:
            if point.get("wgs84"):
                return str(point["wgs84"]).replace(",", ", ")
    gps = media.get("gps") or {}
    if gps.get("latitude") and gps.get("longitude"):
        return f"{gps['latitude']}, {gps['longitude']}"
    return ""


def rows_of(user: Any, evidence: list[Evidence]) -> list[Row]:
    """Rows for a page of evidence in four queries, whatever its length.

    As the API does, the caller sees every acquisition of evidence seen through its matter,
    and only their own of evidence in their inbox; the 48-hour clock is theirs to see.
    """
    ids = [e.pk for e in evidence]
    current: dict[int, Binding] = {}
    bindings = Binding.objects.filter(evidence_id__in=ids).select_related("matter")
    for each in bindings.order_by("bound_at", "id"):
        current[each.evidence_id] = each  # the latest counts
    seen_matters = set(
        visible_matters(user)
        .filter(pk__in={b.matter_id for b in current.values()})
        .values_list("pk", flat=True)
    )
    own = set(
        Acquisition.objects.filter(queries.own_acquisitions(user), evidence_id__in=ids).values_list(
            "pk", flat=True
        )
    )
    shown: dict[int, list[Acquisition]] = {pk: [] for pk in ids}
    for arrival in Acquisition.objects.filter(evidence_id__in=ids).order_by("acquired_at", "id"):
        binding = current.get(arrival.evidence_id)
        if (binding is not None and binding.matter_id in seen_matters) or arrival.pk in own:
            shown[arrival.evidence_id].append(arrival)
    with_thumbnail = set(
        Derivative.objects.filter(evidence_id__in=ids, kind=Derivative.Kind.THUMBNAIL).values_list(
            "evidence_id", flat=True
        )
    )
    rows = []
    for item in evidence:
        arrivals = shown[item.pk]
        binding = current.get(item.pk)
        first = arrivals[0] if arrivals else None
        # 第二十一条: at 商业秘密 and above, thumbnail and place are for the matter's people.
        details = details_decision(user, item)
        rows.append(
            Row(
                evidence=item,
                clock=deadlines.evidence_clock(arrivals),
                matter=binding.matter if binding else None,
                acquisition=first,
                thumbnail=(
                    api_url(item.pk, "thumbnail") if details and item.pk in with_thumbnail else ""
                ),
                place=first_place(first, item.media) if details else "",
            )
        )
    return rows


def page_of(evidence: models.QuerySet[Evidence], *, after: str | None, before: str | None) -> Page:
    """Keyset pages, newest stored first (no OFFSET scans; ``lawtrail.web.paging``)."""
    return paging.page_of(evidence, after=after, before=before, at="stored_at")
