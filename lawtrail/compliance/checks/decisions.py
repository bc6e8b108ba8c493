"""What must come before an enforcement decision (第十三条(四), 第十六条; 行政处罚法 第五十七条、
第五十八条).

Subject: the matter. The *decision* is the matter's 行政执法决定书 (record type ``decision``,
``is_decision`` in ``records/catalogue.json``); its *decision day* is the ``decided_on`` field of
its current version, else the local day the record was made; with several decision records the
earliest day counts (what comes before the first decision comes before them all). The other
``is_decision`` types (查封扣押决定书 and the like) are coercive measures, approved as such
(``Approval.Subject.COERCIVE_MEASURE``) and outside 行政处罚法 第五十七、五十八条; these rules do
not judge them.

- ``decisions.head_approval`` (第十三条(四), 第十六条): an APPROVED ``Approval`` of subject
  ``decision`` decided on or before the decision day. Matters under the simplified procedure
  (简易程序, 行政处罚法 第五十一条: decided on the spot) are not judged, as the stage guard
  ``matters.stages.decision_approved`` does not require it of them either.
- ``decisions.legal_review`` (行政处罚法 第五十八条): for ``needs_legal_review`` matters, a
  法制审核意见书 whose current version concludes 同意 (the catalogue's choices are 同意 and
  存在问题) and whose ``reviewed_on`` (else the day it was written) is on or before the decision
  day.
- ``decisions.collective_discussion`` (行政处罚法 第五十七条): for
  ``needs_collective_discussion`` matters, a 集体讨论记录 whose ``held_at`` (else the day it was
  written) is on or before the decision day.

``c_due`` is the decision day; ``c_done`` is when the first qualifying approval or record came
about. A qualifying approval or record dated after the decision day is therefore "fulfilled
late": the engine records the breach as a finding closed at once (the decision was still made
without it). The stage guards (``records.conditions``) refuse to serve a decision without
these, but rows can still arrive out of order (a decision written before the approval, imports,
corrections of dates), so compliance judges the rows themselves.
"""

from __future__ import annotations

import abc
import datetime
from typing import Any, ClassVar

from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Substr

from lawtrail.compliance.calendar import local_date_of
from lawtrail.compliance.checks.base import Check, Scope, boolean, const_null, register
from lawtrail.matters.models import Approval, Matter, Procedure
from lawtrail.records.models import Record, RecordVersion

DECISION = "decision"
LEGAL_REVIEW = "legal_review_opinion"
COLLECTIVE_DISCUSSION = "collective_discussion"
AGREED = "同意"


def field_day(name: str, *, datetime_text: bool = False) -> Cast:
    """A date stored in a version's fields (``YYYY-MM-DD``; a local ISO datetime's first ten
    characters are its local day, see ``records.fields``)."""
    text: Any = KeyTextTransform(name, "fields")
    if datetime_text:
        text = Substr(text, 1, 10)
    return Cast(text, output_field=models.DateField())


def current_versions(record_type: str, matter: Any) -> models.QuerySet[RecordVersion]:
    """The current (latest) versions of the ``record_type`` records of ``matter``."""
    superseded = RecordVersion.objects.filter(
        record=models.OuterRef("record_id"), version__gt=models.OuterRef("version")
    )
    return RecordVersion.objects.filter(
        record__matter_id=matter, record__record_type=record_type
    ).exclude(models.Exists(superseded))


def decision_days() -> models.QuerySet[Any]:
    """The outer matter's decisions, earliest decision day first."""
    days: models.QuerySet[Any] = (
        current_versions(DECISION, models.OuterRef("pk"))
        .annotate(
            day=Coalesce(field_day("decided_on"), local_date_of("record__created_at")),
        )
        .order_by("day", "record_id")
    )
    return days


class DecisionCheck(Check):
    """A duty that comes before the matter's first decision; subclasses say which matters and
    what fulfils it (``fulfilment``: rows of the outer matter with a ``day`` and a ``done``)."""

    facts: ClassVar[tuple[str, ...]] = ("kind", "procedure", "decision_record", "decision_day")

    def matters(self) -> models.QuerySet[Matter]:
        return Matter.objects.all()

    @abc.abstractmethod
    def fulfilment(self) -> models.QuerySet[Any]:
        """Rows of the outer matter that fulfil the duty, with a ``day`` and a ``done``."""

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        decisions = decision_days()
        rows = scope.narrow(
            self.matters().filter(
                models.Exists(
                    Record.objects.filter(matter=models.OuterRef("pk"), record_type=DECISION)
                )
            ),
            matter="pk",
        ).annotate(
            decision_record=models.Subquery(decisions.values("record_id")[:1]),
            decision_day=models.Subquery(
                decisions.values("day")[:1], output_field=models.DateField()
            ),
        )
        met = self.fulfilment()
        on_time = met.filter(day__lte=models.OuterRef("decision_day"))
        first = met.order_by("done").values("done")[:1]
        result: models.QuerySet[Any] = rows.annotate(
            c_id=models.F("pk"),
            c_agency=models.F("agency_id"),
            c_matter=models.F("pk"),
            c_evidence=const_null(models.BigIntegerField()),
            c_officer=const_null(models.BigIntegerField()),
            c_due=models.F("decision_day"),
            c_done=models.Subquery(first, output_field=models.DateTimeField()),
        ).annotate(c_breached=boolean(~models.Q(models.Exists(on_time))))
        return result


@register
class HeadApproval(DecisionCheck):
    rule_id = "decisions.head_approval"

    def matters(self) -> models.QuerySet[Matter]:
        return Matter.objects.exclude(procedure=Procedure.SIMPLIFIED)

    def fulfilment(self) -> models.QuerySet[Any]:
        return Approval.objects.filter(
            matter=models.OuterRef("pk"),
            subject=Approval.Subject.DECISION,
            outcome=Approval.Outcome.APPROVED,
            decided_at__isnull=False,
        ).annotate(day=local_date_of("decided_at"), done=models.F("decided_at"))


@register
class LegalReview(DecisionCheck):
    rule_id = "decisions.legal_review"

    def matters(self) -> models.QuerySet[Matter]:
        return Matter.objects.filter(needs_legal_review=True)

    def fulfilment(self) -> models.QuerySet[Any]:
        return (
            current_versions(LEGAL_REVIEW, models.OuterRef("pk"))
            .filter(fields__conclusion=AGREED)
            .annotate(
                day=Coalesce(field_day("reviewed_on"), local_date_of("record__created_at")),
                done=models.F("record__created_at"),
            )
        )


@register
class CollectiveDiscussion(DecisionCheck):
    rule_id = "decisions.collective_discussion"

    def matters(self) -> models.QuerySet[Matter]:
        return Matter.objects.filter(needs_collective_discussion=True)

    def fulfilment(self) -> models.QuerySet[Any]:
        return current_versions(COLLECTIVE_DISCUSSION, models.OuterRef("pk")).annotate(
            day=Coalesce(
                field_day("held_at", datetime_text=True), local_date_of("record__created_at")
            ),
            done=models.F("record__created_at"),
        )
