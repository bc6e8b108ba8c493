"""Background work of the compliance room (django-tasks, run by ``lawtrail serve``'s worker)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from lawtrail.compliance.checks.base import Scope
from lawtrail.compliance.models import PendingEvaluation

#: Outbox rows judged in one go at most.
DRAIN_BATCH = 500


@task()
def drain_pending() -> dict[str, int]:
    """Judge what the outbox holds (``hooks.py``) by every enabled rule, then clear it.

    Rows are claimed with ``SKIP LOCKED`` on PostgreSQL, so several workers share the work; a
    crash leaves them for the next drain. Returns what it judged and what it found.
    """
    from lawtrail.compliance.engine import evaluate
    from lawtrail.evidence.models import Acquisition

    judged = opened = closed = 0
    while True:
        with transaction.atomic():
            rows = list(
                PendingEvaluation.objects.select_for_update(skip_locked=True).order_by("id")[
                    :DRAIN_BATCH
                ]
            )
            if not rows:
                break
            matters = {r.object_id for r in rows if r.kind == PendingEvaluation.Kind.MATTER}
            evidence = {r.object_id for r in rows if r.kind == PendingEvaluation.Kind.EVIDENCE}
            acquisitions = [
                r.object_id for r in rows if r.kind == PendingEvaluation.Kind.ACQUISITION
            ]
            if acquisitions:
                evidence.update(
                    Acquisition.objects.filter(pk__in=acquisitions).values_list(
                        "evidence_id", flat=True
                    )
                )
            report = evaluate(Scope.of(matters, evidence))
            PendingEvaluation.objects.filter(pk__in=[r.pk for r in rows]).delete()
        judged += len(rows)
        opened += report.opened
        closed += report.closed
    return {"judged": judged, "opened": opened, "closed": closed}
