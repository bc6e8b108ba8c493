"""第十九条: a recording is uploaded at the unit's collection station within 48 hours of its end.

One candidate per acquisition that states when the recording ended. Due at ``recorded_to`` +
48 h (``rules.json``); done at ``acquired_at`` (the row exists only once both digests agreed).
Uploads still under way are not acquisitions yet: the officer's deadlines list shows them from
``evidence.deadlines``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models.functions import Coalesce

from lawtrail.compliance.checks.base import Check, Scope, boolean, register
from lawtrail.evidence.models import Acquisition, Binding


def first_matter() -> models.Subquery:
    """The matter an evidence was first bound to (NULL while unbound)."""
    return models.Subquery(
        Binding.objects.filter(evidence=models.OuterRef("evidence_id"))
        .order_by("bound_at", "id")
        .values("matter_id")[:1]
    )


def acquisition_agency() -> Coalesce:
    """The agency answerable for an acquisition: the recording officer's, else the uploader's."""
    return Coalesce("officer__agency_id", "acquired_by__officer__agency_id")


@register
class UploadWithin48Hours(Check):
    rule_id = "uploads.within_48h"
    facts = ("recorded_to", "acquired_at", "station", "device_serial")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        window = self.spec.deadline.as_timedelta() if self.spec.deadline else None
        assert window is not None, "rules.json gives uploads.within_48h a deadline"
        rows = scope.narrow(
            Acquisition.objects.filter(recorded_to__isnull=False),
            matter="evidence__bindings__matter_id",
            evidence="evidence_id",
        ).distinct()
        result: models.QuerySet[Any] = rows.annotate(
            c_id=models.F("pk"),
            c_agency=acquisition_agency(),
            c_matter=first_matter(),
            c_evidence=models.F("evidence_id"),
            # The recording officer, else whoever uploaded it (as evidence/deadlines.py reads it).
            c_officer=Coalesce("officer_id", "acquired_by__officer__id"),
            c_due=models.ExpressionWrapper(
                models.F("recorded_to") + window, output_field=models.DateTimeField()
            ),
            c_done=models.F("acquired_at"),
        ).annotate(c_breached=boolean(models.Q(c_done__gt=models.F("c_due"))))
        return result

    def describe(self, facts: dict[str, Any]) -> dict[str, Any]:
        taken = facts["acquired_at"] - facts["recorded_to"]
        return {**facts, "hours_taken": round(taken.total_seconds() / 3600, 1)}
