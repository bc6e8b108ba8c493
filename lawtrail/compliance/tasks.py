"""Background work of the compliance room (django-tasks, run by ``lawtrail serve``'s worker)."""

from __future__ import annotations

from django_tasks import task

from lawtrail.compliance.checks.base import Scope


@task()
def evaluate_scope(
    matters: list[int], evidence: list[int], acquisitions: list[int] | None = None
) -> dict[str, int]:
    """Judge the matters and evidence (and the evidence of acquisitions) an event touched."""
    from lawtrail.compliance.engine import evaluate
    from lawtrail.evidence.models import Acquisition

    wanted = set(evidence)
    if acquisitions:
        wanted.update(
            Acquisition.objects.filter(pk__in=acquisitions).values_list("evidence_id", flat=True)
        )
    report = evaluate(Scope.of(set(matters), wanted))
    return {"opened": report.opened, "closed": report.closed}
