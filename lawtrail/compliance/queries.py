"""Reads of the compliance room, scope first (invariant 7: denial is the default).

Who sees which findings (第二十四条 makes them part of the assessment; 第二十五条, 第二十六条 name
who answers for them):

- provincial supervisors and heads: the findings of their agency and of every agency below it;
- records custodians and legal reviewers: their own agency's findings;
- officers: their own agency's findings where they are answerable — named on the finding, or a
  handler of its matter;
- anyone else (system administrators, equipment managers, logins without a profile): none.

Besides the lists: the officer's *deadlines* (duties pending, findings open, uploads under way),
and the summaries of a unit and of the province (open findings by rule and by officer, the
compliance rate by rule, findings opened per month).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.agencies.scope import officer_of, sees_subtree
from lawtrail.compliance.checks.base import Check, Scope, checks
from lawtrail.compliance.engine import due_moment
from lawtrail.compliance.models import Finding
from lawtrail.compliance.rules import RuleSpec, enabled_rules, rule_specs
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.evidence import deadlines as upload_deadlines
from lawtrail.evidence.models import Upload
from lawtrail.matters.models import Handler, Matter

LOCAL = ZoneInfo("Asia/Shanghai")
#: Rules whose open findings a unit page lists as "records missing": something the regulation
#: requires to exist (a recording, a signature, a proof of service, an approval) does not.
MISSING_RECORD_RULES = (
    "recording.av_mandatory",
    "records.signature",
    "records.service_proof",
    "decisions.head_approval",
    "decisions.legal_review",
    "decisions.collective_discussion",
    "procedure.P-09",
    "archive.within_30_days",
)
#: Pending duties listed per rule at most on a deadlines page.
DEADLINES_PER_RULE = 200


# ------------------------------------------------------------------------ scope


def watched_agencies(user: Any) -> models.QuerySet[Agency]:
    """The agencies whose findings ``user`` sees in full (heads, supervisors: the subtree;
    custodians, legal reviewers: their own). Plain officers watch none."""
    officer = officer_of(user)
    if officer is None:
        return Agency.objects.none()
    if sees_subtree(officer):
        return officer.agency.subtree()
    if officer.has_role(Role.CUSTODIAN) or officer.has_role(Role.LEGAL_REVIEWER):
        return Agency.objects.filter(pk=officer.agency_id)
    return Agency.objects.none()


def answerable(officer: Officer) -> models.Q:
    """Findings ``officer`` answers for: named on it, or a handler of its matter."""
    named = Finding.officers.through.objects.filter(
        finding_id=models.OuterRef("pk"), officer_id=officer.pk
    )
    handles = Handler.objects.filter(matter_id=models.OuterRef("matter_id"), officer=officer)
    return models.Q(models.Exists(named)) | models.Q(models.Exists(handles))


def visible_findings(user: Any) -> models.QuerySet[Finding]:
    officer = officer_of(user)
    if officer is None:
        return Finding.objects.none()
    if sees_subtree(officer):
        return Finding.objects.filter(agency__path__startswith=officer.agency.path)
    if officer.has_role(Role.CUSTODIAN) or officer.has_role(Role.LEGAL_REVIEWER):
        return Finding.objects.filter(agency_id=officer.agency_id)
    if officer.has_role(Role.OFFICER):
        return Finding.objects.filter(answerable(officer), agency_id=officer.agency_id)
    return Finding.objects.none()


def with_details(findings: models.QuerySet[Finding]) -> models.QuerySet[Finding]:
    return findings.select_related("agency", "matter").prefetch_related(
        "officers__user", "explanations__by__user"
    )


def get_visible_finding(user: Any, finding_id: int | str) -> Finding:
    try:
        pk = int(finding_id)
    except (TypeError, ValueError):
        pk = -1
    found = with_details(visible_findings(user)).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No finding %(id)s that you can see.") % {"id": str(finding_id)[:20]})
    return found


# ------------------------------------------------------------------------ filters


@dataclass
class FindingFilters:
    """Filters of a findings list, as strings from a query string or the API."""

    agency: str = ""  # region code or id; includes the agencies below
    officer: str = ""  # username or certificate number
    matter: str = ""  # matter number
    rule: str = ""
    state: str = ""
    severity: str = ""
    since: datetime.date | None = None  # opened on or after (local date)
    until: datetime.date | None = None  # opened on or before (local date)


def invalid(name: str, message: str) -> Invalid:
    return Invalid(message, {name: [message]})


def find_agency(user: Any, value: str, *, among: models.QuerySet[Agency] | None = None) -> Agency:
    """An agency named by region code or id, among those ``user`` sees (Invalid otherwise)."""
    value = value.strip()
    candidates = among if among is not None else Agency.objects.all()
    found = None
    if value.isdigit() and len(value) == 6:
        found = candidates.filter(region_code=value).first()
    if found is None and value.isdigit() and len(value) < 10:
        found = candidates.filter(pk=int(value)).first()
    if found is None:
        raise invalid("agency", _("No agency %(a)s among those you see.") % {"a": value[:20]})
    return found


def find_officer(user: Any, value: str) -> Officer:
    """An officer named by username or certificate number, among the agencies ``user`` may
    narrow a list to (one of another county is "no officer", as one that does not exist)."""
    value = value.strip()
    among = Officer.objects.filter(agency__in=visible_agencies_of_findings(user))
    found = (
        among.filter(models.Q(user__username=value) | models.Q(certificates__number=value))
        .distinct()
        .first()
    )
    if found is None:
        raise invalid("officer", _("No officer %(o)s.") % {"o": value[:40]})
    return found


def start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=LOCAL)


def filtered(user: Any, filters: FindingFilters) -> models.QuerySet[Finding]:
    """The findings ``user`` sees, narrowed by ``filters``; Invalid names a bad filter."""
    found = visible_findings(user)
    if filters.rule and filters.rule not in rule_specs():
        raise invalid("rule", _("No rule %(rule)s.") % {"rule": filters.rule[:48]})
    if filters.state and filters.state not in Finding.State.values:
        raise invalid("state", _("A state is open or closed."))
    if filters.severity and filters.severity not in ("high", "medium", "low"):
        raise invalid("severity", _("A severity is high, medium or low."))
    if filters.since and filters.until and filters.since > filters.until:
        raise invalid("since", _("since is after until."))
    if filters.agency:
        agency = find_agency(user, filters.agency, among=visible_agencies_of_findings(user))
        found = found.filter(agency__path__startswith=agency.path)
    if filters.officer:
        officer = find_officer(user, filters.officer)
        found = found.filter(officers=officer)
    if filters.matter:
        found = found.filter(matter__number=filters.matter.strip())
    if filters.rule:
        found = found.filter(rule_id=filters.rule)
    if filters.state:
        found = found.filter(state=filters.state)
    if filters.severity:
        found = found.filter(severity=filters.severity)
    if filters.since:
        found = found.filter(opened_at__gte=start_of(filters.since))
    if filters.until:
        found = found.filter(opened_at__lt=start_of(filters.until + datetime.timedelta(days=1)))
    return found


def visible_agencies_of_findings(user: Any) -> models.QuerySet[Agency]:
    """Agencies a findings list may be narrowed to: the watched ones, else the caller's own."""
    officer = officer_of(user)
    if officer is None:
        return Agency.objects.none()
    watched = watched_agencies(user)
    if officer.has_role(Role.OFFICER) and not sees_subtree(officer):
        return Agency.objects.filter(pk=officer.agency_id)
    return watched


# ------------------------------------------------------------------------ deadlines


@dataclass
class Deadline:
    """One thing an officer must do, or has failed to do, with the rule behind it."""

    kind: str  # "finding" (overdue, open), "duty" (pending), "upload" (under way)
    rule_id: str
    article: str
    title: str
    severity: str
    due: datetime.datetime | None
    overdue: bool
    subject: str
    matter_id: int | None = None
    matter_number: str = ""
    finding_id: int | None = None
    upload_id: str = ""
    filename: str = ""

    def sort_key(self) -> tuple[int, datetime.datetime]:
        far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
        return (0 if self.overdue else 1, self.due or far)


def active_checks(now: datetime.datetime) -> list[Check]:
    wanted = enabled_rules()
    return [
        check
        for rule_id, check in sorted(checks().items())
        if rule_id in wanted and check.spec.in_force(timezone.localdate(now))
    ]


def pending_duties(officer: Officer, now: datetime.datetime) -> list[Deadline]:
    """Duties not yet done nor breached, due later, of ``officer``'s matters or named on them."""
    mine = Handler.objects.filter(officer=officer).values("matter_id")
    items: list[Deadline] = []
    for check in active_checks(now):
        spec = check.spec
        rows = (
            check.candidates(Scope.everything(), now)
            .filter(c_breached=False, c_done__isnull=True, c_due__isnull=False)
            .filter(
                models.Q(c_officer=officer.pk)
                | models.Q(c_officer__isnull=True, c_matter__in=models.Subquery(mine))
            )
            .order_by("c_due")
            .values("c_id", "c_matter", "c_due")[:DEADLINES_PER_RULE]
        )
        for row in rows:
            items.append(
                Deadline(
                    kind="duty",
                    rule_id=spec.id,
                    article=spec.article,
                    title=spec.title,
                    severity=spec.severity,
                    due=due_moment(row["c_due"]),
                    overdue=False,
                    subject=f"{spec.subject}:{row['c_id']}",
                    matter_id=row["c_matter"],
                )
            )
    return items


def overdue_findings(officer: Officer) -> list[Deadline]:
    items = []
    specs = rule_specs()
    for finding in (
        Finding.objects.filter(state=Finding.State.OPEN, officers=officer)
        .select_related("matter")
        .order_by("due_at", "id")
    ):
        spec = specs.get(finding.rule_id)
        items.append(
            Deadline(
                kind="finding",
                rule_id=finding.rule_id,
                article=finding.article,
                title=spec.title if spec else finding.rule_id,
                severity=finding.severity,
                due=finding.due_at,
                overdue=True,
                subject=finding.subject,
                matter_id=finding.matter_id,
                matter_number=finding.matter.number if finding.matter else "",
                finding_id=finding.pk,
            )
        )
    return items


def uploads_under_way(officer: Officer, now: datetime.datetime) -> list[Deadline]:
    """第十九条: uploads still arriving, on the officer's 48-hour clock (pending or overdue)."""
    spec = rule_specs()["uploads.within_48h"]
    names = [officer.user.get_username(), *officer.certificates.values_list("number", flat=True)]
    items = []
    for upload in Upload.objects.filter(
        models.Q(created_by_id=officer.user_id) | models.Q(metadata__officer__in=names),
        state__in=(Upload.State.RECEIVING, Upload.State.COMPLETE),
    ).order_by("created_at"):
        clock = upload_deadlines.upload_clock(upload, now)
        if clock.due is None:
            continue
        items.append(
            Deadline(
                kind="upload",
                rule_id=spec.id,
                article=spec.article,
                title=spec.title,
                severity=spec.severity,
                due=clock.due,
                overdue=clock.status == upload_deadlines.Status.OVERDUE,
                subject=f"upload:{upload.pk}",
                upload_id=str(upload.pk),
                filename=str(upload.metadata.get("filename", "")),
            )
        )
    return items


def my_deadlines(user: Any, now: datetime.datetime | None = None) -> list[Deadline]:
    """The caller's deadlines: overdue first (open findings, late uploads), then by due time."""
    officer = officer_of(user)
    if officer is None:
        return []
    now = now or timezone.now()
    items = overdue_findings(officer) + uploads_under_way(officer, now)
    items += pending_duties(officer, now)
    numbers = dict(
        Matter.objects.filter(
            pk__in={i.matter_id for i in items if i.matter_id and not i.matter_number}
        ).values_list("pk", "number")
    )
    for item in items:
        if item.matter_id and not item.matter_number:
            item.matter_number = numbers.get(item.matter_id, "")
    return sorted(items, key=Deadline.sort_key)


# ------------------------------------------------------------------------ summaries


@dataclass
class RuleRate:
    spec: RuleSpec
    checked: int
    breached: int
    open: int = 0

    @property
    def rate(self) -> float | None:
        """The share of subjects that keep the rule; None when none were checked."""
        if not self.checked:
            return None
        return round(1 - self.breached / self.checked, 3)


@dataclass
class OfficerCount:
    officer_id: int
    username: str
    name: str
    open: int
    total: int


@dataclass
class UnitSummary:
    agency: Agency
    open_by_rule: dict[str, int]
    by_officer: list[OfficerCount]
    rates: list[RuleRate]
    open_total: int = 0
    missing: list[Finding] = field(default_factory=list)


def compliance_by_agency(
    agencies: list[Agency], now: datetime.datetime
) -> dict[str, dict[int, tuple[int, int]]]:
    """Per rule: agency id → (checked, breached); one GROUP BY query per rule."""
    ids = [a.pk for a in agencies]
    result: dict[str, dict[int, tuple[int, int]]] = {}
    for check in active_checks(now):
        rows = (
            check.candidates(Scope.everything(), now)
            .filter(c_agency__in=ids)
            .order_by()
            .values("c_agency")
            .annotate(
                checked=models.Count("c_id", distinct=True),
                breached=models.Count("c_id", distinct=True, filter=models.Q(c_breached=True)),
            )
        )
        result[check.rule_id] = {r["c_agency"]: (r["checked"], r["breached"]) for r in rows}
    return result


def unit_summary(agency: Agency, now: datetime.datetime | None = None) -> UnitSummary:
    """One agency (a unit): open findings by rule and by officer, compliance by rule."""
    now = now or timezone.now()
    findings = Finding.objects.filter(agency=agency)
    open_by_rule = dict(
        findings.filter(state=Finding.State.OPEN)
        .order_by()
        .values("rule_id")
        .annotate(n=models.Count("id"))
        .values_list("rule_id", "n")
    )
    through = Finding.officers.through.objects.filter(finding__agency=agency)
    by_officer = [
        OfficerCount(
            r["officer_id"], r["officer__user__username"], r["officer__name"], r["o"], r["t"]
        )
        for r in through.order_by()
        .values("officer_id", "officer__user__username", "officer__name")
        .annotate(
            o=models.Count("finding_id", filter=models.Q(finding__state=Finding.State.OPEN)),
            t=models.Count("finding_id"),
        )
    ]
    by_officer.sort(key=lambda c: (-c.open, -c.total, c.name))
    counts = compliance_by_agency([agency], now)
    rates = [
        RuleRate(check.spec, *counts[check.rule_id].get(agency.pk, (0, 0)))
        for check in active_checks(now)
    ]
    for rate in rates:
        rate.open = open_by_rule.get(rate.spec.id, 0)
    missing = list(
        findings.filter(state=Finding.State.OPEN, rule_id__in=MISSING_RECORD_RULES)
        .select_related("matter")
        .order_by("due_at", "id")[:200]
    )
    return UnitSummary(agency, open_by_rule, by_officer, rates, sum(open_by_rule.values()), missing)


@dataclass
class UnitRow:
    agency: Agency
    open: int
    open_high: int
    opened_12m: int
    checked: int
    breached: int

    @property
    def rate(self) -> float | None:
        return round(1 - self.breached / self.checked, 3) if self.checked else None


def months_back(now: datetime.datetime, count: int = 12) -> list[datetime.date]:
    """The first days of the last ``count`` months (local time), oldest first."""
    local = timezone.localtime(now, LOCAL).date().replace(day=1)
    months = [local]
    while len(months) < count:
        prev = months[-1] - datetime.timedelta(days=1)
        months.append(prev.replace(day=1))
    return list(reversed(months))


def monthly_trend(
    agencies: list[Agency], now: datetime.datetime | None = None
) -> tuple[list[datetime.date], dict[int, list[int]]]:
    """Findings opened per month per agency over the last 12 months (Asia/Shanghai months);
    one GROUP BY query."""
    now = now or timezone.now()
    months = months_back(now)
    start = datetime.datetime.combine(months[0], datetime.time.min, tzinfo=LOCAL)
    series: dict[int, list[int]] = {a.pk: [0] * len(months) for a in agencies}
    index = {m: i for i, m in enumerate(months)}
    rows = (
        Finding.objects.filter(agency__in=[a.pk for a in agencies], opened_at__gte=start)
        .annotate(month=TruncMonth("opened_at", tzinfo=LOCAL))
        .order_by()
        .values("agency_id", "month")
        .annotate(n=models.Count("id"))
    )
    for row in rows:
        month = row["month"]
        day = month.date() if isinstance(month, datetime.datetime) else month
        if day in index:
            series[row["agency_id"]][index[day]] += row["n"]
    return months, series


def province_rows(agencies: list[Agency], now: datetime.datetime | None = None) -> list[UnitRow]:
    """Every unit side by side: open findings, high ones, the last 12 months, compliance."""
    now = now or timezone.now()
    start = now - datetime.timedelta(days=365)
    counts: dict[int, dict[str, Any]] = {
        r["agency_id"]: dict(r)
        for r in Finding.objects.filter(agency__in=[a.pk for a in agencies])
        .order_by()
        .values("agency_id")
        .annotate(
            open=models.Count("id", filter=models.Q(state=Finding.State.OPEN)),
            open_high=models.Count(
                "id", filter=models.Q(state=Finding.State.OPEN, severity="high")
            ),
            recent=models.Count("id", filter=models.Q(opened_at__gte=start)),
        )
    }
    checked: dict[int, int] = defaultdict(int)
    breached: dict[int, int] = defaultdict(int)
    for per_agency in compliance_by_agency(agencies, now).values():
        for agency_id, (c, b) in per_agency.items():
            checked[agency_id] += c
            breached[agency_id] += b
    rows = []
    for agency in agencies:
        row = counts.get(agency.pk, {})
        rows.append(
            UnitRow(
                agency,
                row.get("open", 0),
                row.get("open_high", 0),
                row.get("recent", 0),
                checked[agency.pk],
                breached[agency.pk],
            )
        )
    return rows


def summary_agency(user: Any, value: str = "") -> Agency:
    """The unit whose summary ``user`` asks for: ``value`` (region code or id) among the watched
    agencies, else their own. Forbidden for those who watch none; NotFound outside scope."""
    officer = officer_of(user)
    watched = watched_agencies(user)
    if officer is None or not watched.exists():
        raise Forbidden(
            _("Only heads, supervisors, custodians and legal reviewers see a unit's summary.")
        )
    if not value.strip():
        return officer.agency
    try:
        return find_agency(user, value, among=watched)
    except Invalid:
        raise NotFound(_("No agency %(a)s among those you see.") % {"a": value[:20]}) from None
