"""Procedure deadlines of the penalty procedure (issue 7 §1; rules-catalog P-09 … P-22).

Every date comes from the *current version* of a record's fields (a correction is a new
version, 第二十六条) or from ``Service.served_at``; every period from ``rules.json``
(``self.spec.deadline``). Periods of working days (工作日) count on the calendar table
(行政处罚法 第八十五条: "期限以工作日计算，不含法定节假日"; the first day is not counted), periods
of days count calendar days (``add_days``). A due date means "by the end of that local day".

- ``procedure.P-09`` (行政处罚法 第四十四条、第六十二条), subject: a penalty matter under the
  general procedure that has a 行政执法决定书. Broken unless a 陈述申辩告知书 was served on a day
  before the decision's ``decided_on``, or the party's 陈述申辩笔录 or 口头放弃陈述申辩记录 is
  on file (the party was heard, or expressly waived). No deadline: the finding stays open until
  the file shows the party was told (or the decision's date is corrected); a notice served after
  the decision does not cure it (第六十二条: such a decision is not to be made).
- ``procedure.P-12`` (第六十四条(一)), subject: a penalty matter whose 行政处罚听证告知书 was
  served. The party may ask for a hearing within 5 working days of service, so no decision may
  be made before that period has run: broken when a decision is dated on or before the last day
  of the period and the file holds no 听证申请（放弃听证）记录 and no 听证笔录 (a request leads to
  a hearing, a waiver ends the period early). No duty falls due (``c_due`` NULL); the period's
  end is a fact (``request_period_ends``).
- ``procedure.P-13`` (第六十四条(二)), subject: a 听证通知书. The notice must reach the party at
  least 7 working days before the hearing (``hearing_at``): the latest day of service is the last
  day whose 7th working day after it is not later than the hearing day. Due then; done when
  first served.
- ``procedure.P-17`` (第六十条), subject: a penalty matter under the general procedure. The
  decision is made within 90 days of 立案 (the 立案报告's ``filed_on``, else the day the matter
  was opened). Done at the first decision's ``decided_on``. An *approved* ``Approval`` of subject
  ``extension`` decided no later than the due day stops the finding: 第六十条 yields to "法律、
  法规、规章另有规定", and the health rules let the head extend the period; the approval does not
  say for how long, so the rule trusts it rather than invent a second limit.
- ``procedure.P-19`` (第六十一条), subject: a 行政执法决定书 of a penalty matter. Served within 7
  working days of ``decided_on``; done at its first service.
- ``procedure.P-22`` (第六十六条、第六十七条), subject: a penalty 行政执法决定书 with a fine
  (``amount`` > 0) that was served. The fine is paid within 15 days of service; an approved
  延期（分期）缴纳罚款批准书 moves the due day to its ``until`` date (never earlier). Done on the
  day the 罚款缴纳记录 of the matter add up to the amount (the latest ``paid_on``).

Records of a matter are joined through the matter: a matter has one penalty decision in
practice; a second decision shares the matter's notices, payments and approvals.
"""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Greatest, Least, NullIf, Substr

from lawtrail.compliance.calendar import (
    annotate_working_deadline,
    local_date,
    local_date_of,
)
from lawtrail.compliance.checks.base import Check, Scope, boolean, const_null, register
from lawtrail.compliance.models import CalendarDay
from lawtrail.compliance.rules import Deadline
from lawtrail.matters.models import Approval, Kind, Matter, Procedure
from lawtrail.records.models import Record, RecordVersion, Service

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=models.Model)

# --- SQL building blocks, shared with coercion.py ------------------------------------------


class AddDays(models.Func):
    """SQL: a date plus a whole number of calendar days (either may be a column)."""

    arity = 2
    output_field = models.DateField()

    def _parts(self, compiler: SQLCompiler) -> tuple[str, str, list[Any]]:
        day, count = self.get_source_expressions()
        day_sql, day_params = compiler.compile(day)
        count_sql, count_params = compiler.compile(count)
        return day_sql, count_sql, [*day_params, *count_params]

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        day_sql, count_sql, params = self._parts(compiler)
        return f"date({day_sql}, CAST(({count_sql}) AS INTEGER) || ' days')", tuple(params)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        day_sql, count_sql, params = self._parts(compiler)
        return f"(CAST({day_sql} AS date) + CAST(({count_sql}) AS integer))", tuple(params)


def as_int(expression: Any) -> Cast:
    """A number field (a decimal string) as an integer."""
    return Cast(
        Cast(expression, models.DecimalField(max_digits=30, decimal_places=8)),
        models.IntegerField(),
    )


def field_text(name: str) -> NullIf:
    """SQL over RecordVersion: one field of ``fields`` as text (NULL when absent or blank)."""
    return NullIf(KeyTextTransform(name, "fields"), models.Value(""))


def field_date(name: str) -> Cast:
    """A date field (or the local date of a datetime field, kept as local ISO text)."""
    return Cast(Substr(field_text(name), 1, 10), models.DateField())


def current_versions(**filters: Any) -> models.QuerySet[RecordVersion]:
    """The current version of each record (no later version of the same record exists)."""
    newer = RecordVersion.objects.filter(
        record=models.OuterRef("record"), version__gt=models.OuterRef("version")
    )
    return RecordVersion.objects.filter(~models.Exists(newer), **filters)


def own_date(name: str, record: str = "pk") -> models.Subquery:
    """A date field of the outer record's current version."""
    return models.Subquery(
        current_versions(record=models.OuterRef(record))
        .annotate(day=field_date(name))
        .values("day")[:1],
        output_field=models.DateField(),
    )


def own_number(name: str, record: str = "pk") -> models.Subquery:
    """A number field of the outer record's current version, as a decimal."""
    return models.Subquery(
        current_versions(record=models.OuterRef(record))
        .annotate(n=Cast(field_text(name), models.DecimalField(max_digits=30, decimal_places=8)))
        .values("n")[:1],
        output_field=models.DecimalField(max_digits=30, decimal_places=8),
    )


def matter_versions(code: str, matter: str = "matter_id") -> models.QuerySet[RecordVersion]:
    """Current versions of the outer matter's records of type ``code``."""
    return current_versions(record__matter=models.OuterRef(matter), record__record_type=code)


def earliest_date(
    code: str, name: str, matter: str = "matter_id", *, latest: bool = False, **where: Any
) -> models.Subquery:
    """The earliest (``latest``: the latest) date field ``name`` among the matter's ``code``."""
    rows = (
        matter_versions(code, matter)
        .annotate(day=field_date(name))
        .filter(day__isnull=False, **where)
    )
    return models.Subquery(
        rows.order_by("-day" if latest else "day").values("day")[:1],
        output_field=models.DateField(),
    )


def has_record(code: str | tuple[str, ...], matter: str = "matter_id") -> models.Exists:
    codes = (code,) if isinstance(code, str) else code
    return models.Exists(
        Record.objects.filter(matter=models.OuterRef(matter), record_type__in=codes)
    )


def first_service(record: str = "pk") -> models.Subquery:
    """When the outer record was first served (any version: the party was told)."""
    return models.Subquery(
        Service.objects.filter(record=models.OuterRef(record))
        .order_by("served_at")
        .values("served_at")[:1],
        output_field=models.DateTimeField(),
    )


def first_matter_service(code: str, matter: str = "matter_id") -> models.Subquery:
    """When a record of type ``code`` of the outer matter was first served."""
    return models.Subquery(
        Service.objects.filter(record__matter=models.OuterRef(matter), record__record_type=code)
        .order_by("served_at")
        .values("served_at")[:1],
        output_field=models.DateTimeField(),
    )


def least(a: Any, b: Any) -> models.Func:
    """The earlier of two dates, ignoring a NULL one (SQLite's MIN() would give NULL)."""
    return Least(Coalesce(a, b), Coalesce(b, a))


def annotate_deadline(
    queryset: models.QuerySet[M], start: str, deadline: Deadline | None, name: str
) -> models.QuerySet[M]:
    """Annotate ``name`` = the due day of ``deadline`` counted from the date column ``start``:
    working days on the calendar (行政处罚法 第八十五条), else calendar days."""
    assert deadline is not None, "this rule's deadline is in rules.json"
    if deadline.unit == "working_days":
        return annotate_working_deadline(queryset, start, deadline.amount, name)
    if deadline.unit == "days":
        due = AddDays(models.F(start), models.Value(deadline.amount))
        annotated: models.QuerySet[M] = queryset.annotate(**{name: due})
        return annotated
    raise ValueError(f"a deadline in {deadline.unit} is not counted in days")


def deadline_breached(done_day: str, today: datetime.date) -> models.ExpressionWrapper[Any]:
    """Overdue and not done, or done (``done_day``, a date column) after the due day."""
    return boolean(
        models.Q(c_done__isnull=True, c_due__lt=today)
        | models.Q(**{f"{done_day}__gt": models.F("c_due")})
    )


def record_subjects(code: str, scope: Scope, **filters: Any) -> models.QuerySet[Record]:
    return scope.narrow(Record.objects.filter(record_type=code, **filters), matter="matter_id")


def standard(**columns: Any) -> dict[str, Any]:
    """The standard columns of a record or matter subject (the handlers answer)."""
    return {
        "c_id": models.F("pk"),
        "c_agency": models.F("agency_id"),
        "c_evidence": const_null(models.BigIntegerField()),
        "c_officer": const_null(models.BigIntegerField()),
        **columns,
    }


def penalty_matters(scope: Scope) -> models.QuerySet[Matter]:
    return scope.narrow(
        Matter.objects.filter(kind=Kind.PENALTY, procedure=Procedure.GENERAL), matter="pk"
    )


# --- the checks ----------------------------------------------------------------------------


@register
class StatementRightsBeforeDecision(Check):
    """P-09: 行政处罚法 第四十四条、第六十二条."""

    rule_id = "procedure.P-09"
    facts = ("decided_on", "notice_served_at", "waived_or_heard")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        rows = penalty_matters(scope).filter(has_record("decision", "pk"))
        rows = rows.annotate(decided_on=earliest_date("decision", "decided_on", "pk"))
        timely_notice = models.Subquery(
            Service.objects.filter(
                record__matter=models.OuterRef("pk"), record__record_type="statement_notice"
            )
            .annotate(day=local_date_of("served_at"))
            .filter(day__lt=models.OuterRef("decided_on"))
            .order_by("served_at")
            .values("served_at")[:1],
            output_field=models.DateTimeField(),
        )
        heard = models.Subquery(
            Record.objects.filter(
                matter=models.OuterRef("pk"),
                record_type__in=("statement_record", "statement_waiver"),
            )
            .order_by("created_at")
            .values("created_at")[:1],
            output_field=models.DateTimeField(),
        )
        return (
            rows.annotate(
                notice_served_at=timely_notice,
                waived_or_heard=heard,
            )
            .annotate(
                **standard(
                    c_matter=models.F("pk"),
                    c_due=const_null(models.DateField()),
                    c_done=Coalesce("notice_served_at", "waived_or_heard"),
                ),
            )
            .annotate(c_breached=boolean(models.Q(c_done__isnull=True)))
        )


@register
class HearingRequestPeriod(Check):
    """P-12: 行政处罚法 第六十四条(一)."""

    rule_id = "procedure.P-12"
    facts = ("rights_notice_served_on", "request_period_ends", "decided_on")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        rows = scope.narrow(Matter.objects.filter(kind=Kind.PENALTY), matter="pk")
        rows = rows.annotate(rights_served_at=first_matter_service("hearing_rights_notice", "pk"))
        rows = rows.filter(rights_served_at__isnull=False).annotate(
            rights_notice_served_on=local_date_of("rights_served_at"),
            decided_on=earliest_date("decision", "decided_on", "pk"),
            answered=has_record(("hearing_request", "hearing_record"), "pk"),
        )
        rows = annotate_deadline(
            rows, "rights_notice_served_on", self.spec.deadline, "request_period_ends"
        )
        early = models.Q(decided_on__lte=models.F("request_period_ends"), answered=False)
        result: models.QuerySet[Any] = rows.annotate(
            **standard(
                c_matter=models.F("pk"),
                c_due=const_null(models.DateField()),
                c_done=models.Case(
                    models.When(early, then=const_null(models.DateField())),
                    default=models.F("decided_on"),
                    output_field=models.DateField(),
                ),
            )
        ).annotate(c_breached=boolean(early))
        return result


@register
class HearingNoticeSevenWorkingDays(Check):
    """P-13: 行政处罚法 第六十四条(二)."""

    rule_id = "procedure.P-13"
    facts = ("number", "hearing_on", "served_at")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        deadline = self.spec.deadline
        assert deadline is not None and deadline.unit == "working_days"
        rows = record_subjects("hearing_notice", scope).annotate(
            hearing_on=own_date("hearing_at"), served_at=first_service()
        )
        # The latest day D whose N-th working day after it is still on or before the hearing
        # day: every day whose working index is index(hearing day) - N (a working day and the
        # rest days after it); the last of them.
        rows = rows.annotate(
            hearing_index=models.Subquery(
                CalendarDay.objects.filter(date=models.OuterRef("hearing_on")).values(
                    "working_index"
                )[:1]
            )
        ).annotate(
            latest_service=models.Subquery(
                CalendarDay.objects.filter(
                    working_index=models.OuterRef("hearing_index") - deadline.amount
                )
                .order_by("-date")
                .values("date")[:1],
                output_field=models.DateField(),
            ),
            served_on=local_date_of("served_at"),
        )
        return rows.annotate(
            **standard(
                c_matter=models.F("matter_id"),
                c_due=models.F("latest_service"),
                c_done=models.F("served_at"),
            )
        ).annotate(c_breached=deadline_breached("served_on", local_date(now)))


@register
class DecisionWithinNinetyDays(Check):
    """P-17: 行政处罚法 第六十条."""

    rule_id = "procedure.P-17"
    facts = ("filed_on", "decided_on", "extension_approved_at")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        rows = penalty_matters(scope).annotate(
            filed_on=Coalesce(
                earliest_date("filing_report", "filed_on", "pk"), local_date_of("opened_at")
            ),
            decided_on=earliest_date("decision", "decided_on", "pk"),
        )
        rows = annotate_deadline(rows, "filed_on", self.spec.deadline, "due_on")
        rows = rows.annotate(
            extension_approved_at=models.Subquery(
                Approval.objects.filter(
                    matter=models.OuterRef("pk"),
                    subject=Approval.Subject.EXTENSION,
                    outcome=Approval.Outcome.APPROVED,
                )
                .annotate(day=local_date_of("decided_at"))
                .filter(day__lte=models.OuterRef("due_on"))
                .order_by("decided_at")
                .values("decided_at")[:1],
                output_field=models.DateTimeField(),
            )
        )
        return rows.annotate(
            **standard(
                c_matter=models.F("pk"),
                c_due=models.F("due_on"),
                c_done=models.F("decided_on"),
            )
        ).annotate(
            c_breached=boolean(
                models.Q(extension_approved_at__isnull=True)
                & (
                    models.Q(c_done__isnull=True, c_due__lt=local_date(now))
                    | models.Q(c_done__gt=models.F("c_due"))
                )
            )
        )


@register
class DecisionServedWithinSevenWorkingDays(Check):
    """P-19: 行政处罚法 第六十一条."""

    rule_id = "procedure.P-19"
    facts = ("number", "decided_on", "served_at")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        rows = record_subjects("decision", scope, matter__kind=Kind.PENALTY).annotate(
            decided_on=own_date("decided_on"), served_at=first_service()
        )
        rows = annotate_deadline(rows, "decided_on", self.spec.deadline, "due_on")
        return rows.annotate(
            served_on=local_date_of("served_at"),
            **standard(
                c_matter=models.F("matter_id"),
                c_due=models.F("due_on"),
                c_done=models.F("served_at"),
            ),
        ).annotate(c_breached=deadline_breached("served_on", local_date(now)))


@register
class FinePaidWithinFifteenDays(Check):
    """P-22: 行政处罚法 第六十六条、第六十七条."""

    rule_id = "procedure.P-22"
    facts = ("number", "amount", "served_on", "deferred_until", "paid_total")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        money = models.DecimalField(max_digits=30, decimal_places=8)
        rows = record_subjects("decision", scope, matter__kind=Kind.PENALTY).annotate(
            amount=own_number("amount"), served_at=first_service()
        )
        rows = rows.filter(amount__gt=0, served_at__isnull=False).annotate(
            served_on=local_date_of("served_at"),
            deferred_until=earliest_date("payment_deferral", "until", latest=True),
            paid_total=models.Subquery(
                matter_versions("fine_payment")
                .annotate(n=Cast(field_text("amount"), money))
                .values("record__matter")
                .annotate(total=models.Sum("n"))
                .values("total")[:1],
                output_field=money,
            ),
            paid_on=earliest_date("fine_payment", "paid_on", latest=True),
        )
        rows = annotate_deadline(rows, "served_on", self.spec.deadline, "base_due")
        return rows.annotate(
            **standard(
                c_matter=models.F("matter_id"),
                c_due=Greatest("base_due", Coalesce("deferred_until", "base_due")),
                c_done=models.Case(
                    models.When(paid_total__gte=models.F("amount"), then=models.F("paid_on")),
                    default=const_null(models.DateField()),
                    output_field=models.DateField(),
                ),
            )
        ).annotate(c_breached=deadline_breached("c_done", local_date(now)))

    def describe(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Amounts as plain decimal strings, the same on every database ("5000", not "5E+3")."""
        return {
            **facts,
            **{
                key: f"{decimal.Decimal(facts[key]).normalize():f}"
                for key in ("amount", "paid_total")
                if facts.get(key) is not None
            },
        }
