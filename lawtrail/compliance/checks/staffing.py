"""第十条; 行政处罚法 第四十二条: investigation is done by at least two certified officers.

``staffing.two_certified`` judges every matter that has left 程序启动 (stage 调查取证 or later).
Its handlers must include at least two *enforcement officers* in the sense of 第十条 and of
``Officer.can_enforce`` (the meaning the stage guard ``matters.stages.two_certified_handlers``
uses): established staff (正式在编, so never an assistant/协助人员 nor a non-established worker)
holding the officer role and a certificate whose status is valid and whose validity covers the
matter's *relevant day*.

The relevant day is the local day the enforcement action ended (``Matter.ended_at``) for a
matter that has ended, else today (the ``now`` of the evaluation) for a matter still open: a
certificate suspended, revoked or expired while the matter is open breaks the rule even though
the matter entered investigation lawfully, because the officer may no longer investigate.

No deadline: the rule is broken while the staffing is short and clears as soon as a certified
handler is added or a certificate is renewed. The matter's handlers answer for the finding.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models.functions import Coalesce

from lawtrail.agencies.models import Certificate, Officer, Role
from lawtrail.compliance.calendar import local_date, local_date_of
from lawtrail.compliance.checks.base import Check, Scope, boolean, const_null, register
from lawtrail.matters.models import Handler, Matter, Stage

#: Enforcement officers the rule asks for (行政处罚法 第四十二条: 不得少于两人).
MINIMUM = 2


def count_handlers(*, certified: bool) -> Coalesce:
    """How many handlers the matter has (``certified``: counting only enforcement officers
    whose certificate is valid on the outer query's ``relevant_day``)."""
    handlers = Handler.objects.filter(matter=models.OuterRef("pk"))
    if certified:
        valid = Certificate.objects.filter(
            officer=models.OuterRef("officer_id"),
            status=Certificate.Status.VALID,
            valid_from__lte=models.OuterRef(models.OuterRef("relevant_day")),
            valid_to__gte=models.OuterRef(models.OuterRef("relevant_day")),
        )
        handlers = handlers.filter(
            models.Exists(valid),
            officer__employment=Officer.Employment.ESTABLISHED,
            officer__role_index__contains=f",{Role.OFFICER},",
        )
    counted = handlers.order_by().values("matter").annotate(n=models.Count("pk")).values("n")
    return Coalesce(models.Subquery(counted, output_field=models.IntegerField()), 0)


@register
class TwoCertifiedHandlers(Check):
    rule_id = "staffing.two_certified"
    facts = ("stage", "relevant_day", "handler_count", "certified_handlers")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        today = models.Value(local_date(now), output_field=models.DateField())
        rows = scope.narrow(Matter.objects.exclude(stage=Stage.INITIATION), matter="pk").annotate(
            relevant_day=Coalesce(local_date_of("ended_at"), today)
        )
        result: models.QuerySet[Any] = rows.annotate(
            handler_count=count_handlers(certified=False),
            certified_handlers=count_handlers(certified=True),
            c_id=models.F("pk"),
            c_agency=models.F("agency_id"),
            c_matter=models.F("pk"),
            c_evidence=const_null(models.BigIntegerField()),
            c_officer=const_null(models.BigIntegerField()),
            c_due=const_null(models.DateTimeField()),
            c_done=const_null(models.DateTimeField()),
        ).annotate(c_breached=boolean(models.Q(certified_handlers__lt=MINIMUM)))
        return result

    def describe(self, facts: dict[str, Any]) -> dict[str, Any]:
        return {**facts, "required": MINIMUM}
