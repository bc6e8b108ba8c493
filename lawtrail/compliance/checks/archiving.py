"""第十八条: the case file is archived within 30 days of the end of the enforcement action.

``archive.within_30_days`` judges every matter whose action has ended (``Matter.ended_at``, set
when it enters 归档管理). Due on the 30th calendar day after the local day it ended (the first
day is not counted; the 30 come from ``rules.json``); 第十八条 counts days, not working days.

Done at the first ledger event ``archive.package.created`` whose context is the matter's
(``"matter/<id>"``, ``Matter.context``). That is the seam with the archive (issue 8): packaging a
matter's file appends that event, and this rule reads only the event — no archive table — so the
rule works before the archive exists (every ended matter then falls due) and whatever the archive
stores. The event is matched by ``Event.context``, which is indexed, in one subquery per scan.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models.functions import Cast, Concat

from lawtrail.compliance.calendar import local_date, local_date_of
from lawtrail.compliance.checks.base import Check, Scope, register
from lawtrail.compliance.checks.penalty import annotate_deadline, deadline_breached, standard
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter

#: The ledger action the archive appends when a matter's package is made (issue 8).
ARCHIVED_ACTION = "archive.package.created"


def archived_at() -> models.Subquery:
    """When the outer matter's file was first packaged for the archive (NULL: not yet)."""
    context = Concat(
        models.Value("matter/"),
        Cast(models.OuterRef("pk"), models.CharField()),
        output_field=models.CharField(),
    )
    return models.Subquery(
        Event.objects.filter(action=ARCHIVED_ACTION, context=context)
        .order_by("seq")
        .values("at")[:1],
        output_field=models.DateTimeField(),
    )


@register
class ArchivedWithin30Days(Check):
    rule_id = "archive.within_30_days"
    facts = ("ended_on", "archived_at")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        rows = scope.narrow(Matter.objects.filter(ended_at__isnull=False), matter="pk").annotate(
            ended_on=local_date_of("ended_at"), archived_at=archived_at()
        )
        rows = annotate_deadline(rows, "ended_on", self.spec.deadline, "due_on")
        result: models.QuerySet[Any] = rows.annotate(
            archived_on=local_date_of("archived_at"),
            **standard(
                c_matter=models.F("pk"),
                c_due=models.F("due_on"),
                c_done=models.F("archived_at"),
            ),
        ).annotate(c_breached=deadline_breached("archived_on", local_date(now)))
        return result
