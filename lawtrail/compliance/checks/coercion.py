"""Deadlines of securing evidence, seizure and enforcement (issue 7 §1; rules-catalog P-06, P-07,
P-24, P-25). Dates come from the current version of record fields and from
``Service.served_at``; periods from ``rules.json`` (see ``penalty.py`` for the shared SQL).

- ``procedure.P-06`` (行政处罚法 第五十六条), subject: a 证据先行登记保存决定书. The head approves
  before the evidence is secured — a head's signature on the document dated no later than its
  ``saved_on`` — and a 先行登记保存证据处理决定书 of the matter is made within 7 working days after
  ``saved_on`` (第八十五条: holidays do not count). Due the 7th working day; done at the
  disposal's ``decided_on``. Without timely approval the finding stays open whatever follows
  (a later signature cannot make the securing lawful); a correction of ``saved_on`` or an
  explanation is the way out.
- ``procedure.P-07`` (行政强制法 第二十五条), subject: a 查封（扣押）决定书. The measure lasts at
  most 30 days from ``decided_on``; one extension, of at most as many days again (the same
  30 of ``rules.json``, 第二十五条: "延长期限不得超过三十日"), counts when a 查封（扣押）延期通知书
  of the matter was decided within the first period and served on the party (written notice,
  第二十五条第二款). Done when the matter's 解除查封（扣押）决定书 releases the goods
  (``released_on``) or a 行政执法决定书 disposes of them (``decided_on``), whichever is first.
- ``procedure.P-24`` (行政强制法 第三十五条、第五十四条), subject: a 行政强制执行申请书. A 催告书
  of the matter was served on or before the day of application (``applied_on``). No deadline;
  the finding stays open until the file shows such a service (or the date is corrected).
- ``procedure.P-25`` (行政强制法 第五十三条、第五十四条; 行政处罚法 第七十二条第二款), subject: a
  行政强制执行申请书 of a matter whose 催告书 was served. The court may be asked only after the
  reminder's 10 working days have run (第五十四条: 催告书送达十日后; 第六十九条: 工作日): an
  application dated on or before the 10th working day after service is premature — an open
  finding. The latest day is bounded by 第五十三条: three months after the statutory period for
  review or suit ends. The longest such period is the six months to sue (行政诉讼法 第四十六条,
  from the day the party knew of the decision, i.e. its first service), so the bound is the
  decision's service + 6 + 3 months (``SUIT_MONTHS`` + ``APPLY_MONTHS``); after an approved
  deferral of payment, three months from its ``until`` date (行政处罚法 第七十二条第二款) when
  that is later. Due then; an application after it is recorded as late (closed at once: the
  lapse cannot be undone). A matter without a served decision has no upper bound to check.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models.functions import Coalesce, Greatest, Least

from lawtrail.compliance.calendar import local_date, local_date_of
from lawtrail.compliance.checks.base import Check, Scope, boolean, const_null, register
from lawtrail.compliance.checks.penalty import (
    AddDays,
    annotate_deadline,
    as_int,
    deadline_breached,
    earliest_date,
    field_date,
    field_text,
    first_matter_service,
    least,
    matter_versions,
    own_date,
    record_subjects,
    standard,
)
from lawtrail.records.models import Service, Signature

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

#: 行政诉讼法 第四十六条: a suit within six months of knowing the decision (the longest of the
#: statutory periods for review, 60 days, and suit).
SUIT_MONTHS = 6
#: 行政强制法 第五十三条: the application within three months after that period ends.
APPLY_MONTHS = 3


class AddMonths(models.Func):
    """SQL: a date plus a constant number of months (SQLite rolls 31 Jan + 1 month into March,
    PostgreSQL stops at the month's end; the bounds here are months long either way)."""

    arity = 1
    output_field = models.DateField()

    def __init__(self, expression: Any, months: int) -> None:
        super().__init__(expression)
        self.months = int(months)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"date({sql}, '+{self.months} months')", tuple(params)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"CAST(CAST({sql} AS date) + interval '{self.months} months' AS date)", tuple(params)


@register
class PreservationDisposedWithinSevenWorkingDays(Check):
    """P-06: 行政处罚法 第五十六条."""

    rule_id = "procedure.P-06"
    facts = ("number", "saved_on", "head_approved_at", "disposal_on")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        head_signature = models.Subquery(
            Signature.objects.filter(
                version__record=models.OuterRef("pk"),
                signer_role="head",
                status=Signature.Status.SIGNED,
            )
            .order_by("at")
            .values("at")[:1],
            output_field=models.DateTimeField(),
        )
        rows = record_subjects("evidence_preservation", scope).annotate(
            saved_on=own_date("saved_on"),
            head_approved_at=head_signature,
            disposal_on=earliest_date("preservation_disposal", "decided_on"),
        )
        rows = rows.annotate(approved_on=local_date_of("head_approved_at"))
        rows = annotate_deadline(rows, "saved_on", self.spec.deadline, "due_on")
        unapproved = models.Q(approved_on__isnull=True) | models.Q(
            approved_on__gt=models.F("saved_on")
        )
        return rows.annotate(
            **standard(
                c_matter=models.F("matter_id"),
                c_due=models.F("due_on"),
                c_done=models.Case(
                    models.When(unapproved, then=const_null(models.DateField())),
                    default=models.F("disposal_on"),
                    output_field=models.DateField(),
                ),
            )
        ).annotate(
            c_breached=boolean(
                unapproved
                | models.Q(c_done__isnull=True, c_due__lt=local_date(now))
                | models.Q(c_done__gt=models.F("c_due"))
            )
        )


@register
class SeizureWithinThirtyDays(Check):
    """P-07: 行政强制法 第二十五条."""

    rule_id = "procedure.P-07"
    facts = ("number", "decided_on", "extended_days", "released_on", "disposed_on")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        deadline = self.spec.deadline
        assert deadline is not None and deadline.unit == "days"
        rows = record_subjects("seizure_decision", scope).annotate(
            decided_on=own_date("decided_on")
        )
        rows = annotate_deadline(rows, "decided_on", deadline, "first_due")
        served = models.Exists(Service.objects.filter(record=models.OuterRef("record")))
        extension = (
            matter_versions("seizure_extension")
            .annotate(day=field_date("decided_on"), days=as_int(field_text("extended_days")))
            .filter(served, day__lte=models.OuterRef("first_due"), days__gt=0)
            .order_by("day", "record_id")
            .values("days")[:1]
        )
        rows = rows.annotate(
            asked_days=models.Subquery(extension, output_field=models.IntegerField())
        )
        rows = rows.annotate(
            # Never more than the first period again; NULL without an extension (LEAST would
            # skip the NULL on PostgreSQL and not on SQLite, hence the CASE).
            extended_days=models.Case(
                models.When(
                    asked_days__isnull=False,
                    then=Least("asked_days", models.Value(deadline.amount)),
                ),
                default=const_null(models.IntegerField()),
                output_field=models.IntegerField(),
            ),
            released_on=earliest_date("seizure_release", "released_on"),
            disposed_on=earliest_date(
                "decision", "decided_on", day__gte=models.OuterRef("decided_on")
            ),
        )
        return rows.annotate(
            **standard(
                c_matter=models.F("matter_id"),
                c_due=AddDays(
                    models.F("decided_on"),
                    models.Value(deadline.amount) + Coalesce("extended_days", models.Value(0)),
                ),
                c_done=least(models.F("released_on"), models.F("disposed_on")),
            )
        ).annotate(c_breached=deadline_breached("c_done", local_date(now)))


@register
class ReminderBeforeEnforcement(Check):
    """P-24: 行政强制法 第三十五条、第五十四条."""

    rule_id = "procedure.P-24"
    facts = ("number", "applied_on", "reminder_served_at")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        rows = record_subjects("enforcement_application", scope).annotate(
            applied_on=own_date("applied_on")
        )
        reminder = models.Subquery(
            Service.objects.filter(
                record__matter=models.OuterRef("matter_id"), record__record_type="reminder"
            )
            .annotate(day=local_date_of("served_at"))
            .filter(day__lte=models.OuterRef("applied_on"))
            .order_by("served_at")
            .values("served_at")[:1],
            output_field=models.DateTimeField(),
        )
        return (
            rows.annotate(reminder_served_at=reminder)
            .annotate(
                **standard(
                    c_matter=models.F("matter_id"),
                    c_due=const_null(models.DateField()),
                    c_done=models.F("reminder_served_at"),
                )
            )
            .annotate(c_breached=boolean(models.Q(c_done__isnull=True)))
        )


@register
class EnforcementApplicationPeriod(Check):
    """P-25: 行政强制法 第五十三条、第五十四条; 行政处罚法 第七十二条第二款."""

    rule_id = "procedure.P-25"
    facts = ("number", "applied_on", "reminder_served_on", "earliest_after", "decision_served_on")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        rows = record_subjects("enforcement_application", scope).annotate(
            applied_on=own_date("applied_on"),
            reminder_served_at=first_matter_service("reminder"),
            decision_served_at=first_matter_service("decision"),
        )
        rows = rows.filter(reminder_served_at__isnull=False).annotate(
            reminder_served_on=local_date_of("reminder_served_at"),
            decision_served_on=local_date_of("decision_served_at"),
            deferred_until=earliest_date("payment_deferral", "until", latest=True),
        )
        # The 10th working day after the reminder's service: not yet "十日后".
        rows = annotate_deadline(rows, "reminder_served_on", self.spec.deadline, "earliest_after")
        by_suit = AddMonths(models.F("decision_served_on"), SUIT_MONTHS + APPLY_MONTHS)
        by_deferral = AddMonths(models.F("deferred_until"), APPLY_MONTHS)
        premature = models.Q(applied_on__lte=models.F("earliest_after"))
        return rows.annotate(
            **standard(
                c_matter=models.F("matter_id"),
                c_due=Greatest(Coalesce(by_suit, by_deferral), Coalesce(by_deferral, by_suit)),
                c_done=models.Case(
                    models.When(premature, then=const_null(models.DateField())),
                    default=models.F("applied_on"),
                    output_field=models.DateField(),
                ),
            )
        ).annotate(c_breached=boolean(premature | models.Q(c_done__gt=models.F("c_due"))))
