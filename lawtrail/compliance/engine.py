"""Running the rules: a full scan of everything, or one scope after an event (issue 7 §2).

Each check's candidates are one SQL statement; only the rows that break the rule come back to
Python, where they are compared with the open findings:

- broken and not yet fulfilled (``c_done`` NULL): an open finding must exist — opened if not;
- fulfilled late (``c_done`` past ``c_due``): the breach is a fact; a finding records it and is
  closed at once with the time it was fulfilled (never twice for one subject);
- an open finding whose subject no longer breaks the rule is closed with the facts of now.

Every evaluation locks ``ScanState`` first, so two never interleave, and writes its findings
and their ledger events (``compliance.findings.opened`` / ``.closed``) in one transaction.
Findings are never deleted (database triggers); closing is the only change a finding knows.
"""

from __future__ import annotations

import datetime
import decimal
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from lawtrail.compliance.calendar import end_of_day
from lawtrail.compliance.checks.base import STANDARD, Check, Scope, checks
from lawtrail.compliance.models import Finding, PendingEvaluation, ScanState
from lawtrail.compliance.rules import enabled_rules
from lawtrail.ledger import events
from lawtrail.matters.models import Handler

#: Findings listed in one ledger event at most; a first scan of a province splits its news.
EVENT_CHUNK = 500
#: Subjects looked up with one ``IN (…)`` at most.
IN_CHUNK = 2000


@dataclass
class RuleRun:
    rule_id: str
    checked: int | None = None
    breached: int = 0
    opened: int = 0
    closed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "checked": self.checked,
            "breached": self.breached,
            "opened": self.opened,
            "closed": self.closed,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Report:
    started_at: datetime.datetime
    full: bool
    rules: list[RuleRun] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def opened(self) -> int:
        return sum(run.opened for run in self.rules)

    @property
    def closed(self) -> int:
        return sum(run.closed for run in self.rules)

    def as_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "full": self.full,
            "seconds": round(self.seconds, 3),
            "opened": self.opened,
            "closed": self.closed,
            "rules": [run.as_dict() for run in self.rules],
        }


def jsonable(value: Any) -> Any:
    """Facts as the ledger and the JSON columns take them."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return str(round(value, 3))  # the ledger takes no floats (canonical bytes)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def due_moment(due: Any) -> datetime.datetime | None:
    """A due date means "by the end of that day" (local time); a datetime is itself."""
    if due is None or isinstance(due, datetime.datetime):
        return due
    if isinstance(due, datetime.date):
        return end_of_day(due)
    raise TypeError(f"c_due must be a date or datetime, not {type(due).__name__}")


def subject_key(check: Check, pk: Any) -> str:
    return f"{check.spec.subject}:{pk}"


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lock_scan(now: datetime.datetime, *, full: bool) -> None:
    """Take the scan lock (a row lock on PostgreSQL; the write lock on SQLite)."""
    changes: dict[str, Any] = {"last_run_at": now}
    if full:
        changes["last_full_scan_at"] = now
    if not ScanState.objects.filter(pk=1).update(**changes):
        ScanState.objects.create(pk=1, **changes)
    list(ScanState.objects.select_for_update().filter(pk=1))


def without_jit() -> None:
    """Turn PostgreSQL's JIT compiler off until the transaction ends.

    The candidates' plans are costed high (a subquery per row), so PostgreSQL would spend
    0.3–0.6 s compiling each into machine code — more than running it: a steady scan of
    100,000 matters and 1,000,000 evidence took 16.5 s with JIT and 8.0 s without
    (docs/performance.md). ``SET LOCAL`` leaves the connection as it was after the commit.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def evaluate(
    scope: Scope | None = None,
    *,
    now: datetime.datetime | None = None,
    rules: Iterable[str] | None = None,
    actor: events.Actor = events.SYSTEM,
    count: bool = False,
) -> Report:
    """Judge ``scope`` (everything when None) by every enabled rule, or by ``rules``."""
    scope = scope or Scope.everything()
    now = now or timezone.now()
    started = timezone.now()
    wanted = set(rules) if rules is not None else enabled_rules()
    report = Report(started_at=started, full=scope.is_everything)
    with transaction.atomic():
        without_jit()
        lock_scan(now, full=scope.is_everything)
        for rule_id, check in sorted(checks().items()):
            if rule_id not in wanted or not check.spec.in_force(now.date()):
                continue
            began = time.perf_counter()
            run = run_rule(check, scope, now, actor, count=count)
            run.seconds = time.perf_counter() - began
            report.rules.append(run)
        if scope.is_everything and rules is None:
            # Everything was judged: the outbox of incremental runs (hooks.py) is done with.
            PendingEvaluation.objects.filter(at__lte=started).delete()
    report.seconds = (timezone.now() - started).total_seconds()
    return report


def run_rule(
    check: Check, scope: Scope, now: datetime.datetime, actor: events.Actor, *, count: bool
) -> RuleRun:
    run = RuleRun(check.rule_id)
    candidates = check.candidates(scope, now)
    if count:
        # Only the subjects' ids: a DISTINCT over every annotation would compute each fact
        # subquery for every candidate (30 times slower on a million acquisitions).
        run.checked = candidates.values("c_id").count()
    columns = (*STANDARD, *check.facts)
    breached = {
        subject_key(check, row["c_id"]): row
        # No ORDER BY: a model's default ordering would make PostgreSQL sort (or walk an
        # index over the whole table) for rows that go into a dict.
        for row in candidates.filter(c_breached=True).order_by().values(*columns)
    }
    run.breached = len(breached)
    open_findings = open_in_scope(check, scope, list(breached))
    active = {key for key, row in breached.items() if row["c_done"] is None}
    late = {key for key, row in breached.items() if row["c_done"] is not None}
    recorded_late = subjects_with_findings(check, sorted(late - open_findings.keys()))

    new_open = [breached[key] for key in sorted(active - open_findings.keys())]
    new_late = [breached[key] for key in sorted(late - open_findings.keys() - recorded_late)]
    closing_late = {key: breached[key] for key in late & open_findings.keys()}
    stale = [open_findings[key] for key in sorted(open_findings.keys() - breached.keys())]

    opened = create_findings(check, new_open, now, closed=False)
    opened_closed = create_findings(check, new_late, now, closed=True)
    closed = close_findings(
        check, [open_findings[key] for key in sorted(closing_late)], closing_late, now
    )
    closed += close_stale(check, stale, now)
    run.opened = len(opened) + len(opened_closed)
    run.closed = len(closed) + len(opened_closed)
    record_events(check, actor, "compliance.findings.opened", opened + opened_closed, scope)
    record_events(check, actor, "compliance.findings.closed", closed + opened_closed, scope)
    return run


def open_in_scope(check: Check, scope: Scope, breached: list[str]) -> dict[str, Finding]:
    # Why a finding opened is not needed to close it: not loading it halves a steady scan's
    # reading of the open findings.
    found = Finding.objects.filter(rule_id=check.rule_id, state=Finding.State.OPEN).defer(
        "opened_because"
    )
    if scope.is_everything:
        return {finding.subject: finding for finding in found}
    near = models.Q(pk__in=[])
    if scope.matters:
        near |= models.Q(matter_id__in=sorted(scope.matters))
    if scope.evidence:
        near |= models.Q(evidence_id__in=sorted(scope.evidence))
    result = {finding.subject: finding for finding in found.filter(near)}
    for part in chunks(breached, IN_CHUNK):
        result.update({f.subject: f for f in found.filter(subject__in=part)})
    return result


def subjects_with_findings(check: Check, subjects: list[str]) -> set[str]:
    """Which of ``subjects`` already had a finding of this rule (open or closed)."""
    known: set[str] = set()
    every = Finding.objects.filter(rule_id=check.rule_id)
    if len(subjects) > 10 * IN_CHUNK:
        return set(every.values_list("subject", flat=True)) & set(subjects)
    for part in chunks(subjects, IN_CHUNK):
        known.update(every.filter(subject__in=part).values_list("subject", flat=True))
    return known


def facts_of(check: Check, row: dict[str, Any]) -> dict[str, Any]:
    facts = {name: row[name] for name in check.facts}
    due = due_moment(row["c_due"])
    if due is not None:
        facts["due"] = due
    if row["c_done"] is not None:
        facts["done"] = row["c_done"]
    described: dict[str, Any] = jsonable(check.describe(facts))
    return described


def handlers_of(matter_ids: set[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = defaultdict(list)
    ids = sorted(matter_ids)
    for part in chunks(ids, IN_CHUNK):
        for matter_id, officer_id in (
            Handler.objects.filter(matter_id__in=part)
            .order_by("matter_id", "officer_id")
            .values_list("matter_id", "officer_id")
        ):
            result[matter_id].append(officer_id)
    return result


def create_findings(
    check: Check, rows: list[dict[str, Any]], now: datetime.datetime, *, closed: bool
) -> list[Finding]:
    if not rows:
        return []
    spec = check.spec
    findings = []
    for row in rows:
        facts = facts_of(check, row)
        finding = Finding(
            rule_id=spec.id,
            article=spec.article,
            severity=spec.severity,
            subject=subject_key(check, row["c_id"]),
            agency_id=row["c_agency"],
            matter_id=row["c_matter"],
            evidence_id=row["c_evidence"],
            due_at=due_moment(row["c_due"]),
            opened_at=now,
            opened_because=facts,
        )
        if closed:
            finding.state = Finding.State.CLOSED
            finding.closed_at = now
            finding.closed_because = {"fulfilled_late_at": jsonable(row["c_done"])}
        findings.append(finding)
    created = Finding.objects.bulk_create(findings, batch_size=1000)
    if not all(f.pk for f in created):  # SQLite before 3.35 could not return ids
        raise RuntimeError("the database did not return the new findings' ids")
    attribute(check, created, rows)
    return created


def attribute(check: Check, findings: list[Finding], rows: list[dict[str, Any]]) -> None:
    """Name the officers answerable: the row's officer, else the matter's handlers."""
    handlers = handlers_of(
        {r["c_matter"] for r in rows if r["c_officer"] is None and r["c_matter"]}
    )
    through = Finding.officers.through
    links: list[Any] = []
    for finding, row in zip(findings, rows, strict=True):
        officers = [row["c_officer"]] if row["c_officer"] else handlers.get(row["c_matter"], [])
        finding.answerable = officers  # type: ignore[attr-defined]
        links.extend(through(finding_id=finding.pk, officer_id=o) for o in officers)
    through.objects.bulk_create(links, batch_size=2000)


def close_findings(
    check: Check,
    findings: list[Finding],
    late_rows: dict[str, dict[str, Any]],
    now: datetime.datetime,
) -> list[Finding]:
    for finding in findings:
        finding.state = Finding.State.CLOSED
        finding.closed_at = now
        finding.closed_because = {
            "fulfilled_late_at": jsonable(late_rows[finding.subject]["c_done"]),
            "facts": facts_of(check, late_rows[finding.subject]),
        }
    Finding.objects.bulk_update(findings, ["state", "closed_at", "closed_because"], 1000)
    return findings


def close_stale(check: Check, findings: list[Finding], now: datetime.datetime) -> list[Finding]:
    """Close findings whose subject no longer breaks the rule, with its facts as they are now."""
    if not findings:
        return []
    ids = [int(f.subject.split(":", 1)[1]) for f in findings]
    current: dict[int, dict[str, Any]] = {}
    candidates = check.candidates(Scope.everything(), now)
    for part in chunks(ids, IN_CHUNK):
        for row in candidates.filter(c_id__in=part).order_by().values(*STANDARD, *check.facts):
            current[row["c_id"]] = row
    for finding, pk in zip(findings, ids, strict=True):
        now_row = current.get(pk)
        finding.state = Finding.State.CLOSED
        finding.closed_at = now
        if now_row is None:
            finding.closed_because = {"no_longer_applies": True}
        else:
            finding.closed_because = {"fulfilled": True, "facts": facts_of(check, now_row)}
    Finding.objects.bulk_update(findings, ["state", "closed_at", "closed_because"], 1000)
    return findings


def record_events(
    check: Check, actor: events.Actor, action: str, findings: list[Finding], scope: Scope
) -> None:
    """One event per agency (full scan) or per matter (after an event), in chunks."""
    if not findings:
        return
    groups: dict[tuple[int, int | None], list[Finding]] = defaultdict(list)
    for finding in findings:
        matter = None if scope.is_everything else finding.matter_id
        groups[(finding.agency_id, matter)].append(finding)
    pending = []
    for (agency_id, matter_id), group in sorted(
        groups.items(), key=lambda g: (g[0][0], g[0][1] or 0)
    ):
        for part in chunks(group, EVENT_CHUNK):
            pending.append(
                events.Pending(
                    actor,
                    action,
                    ("compliance.rule", check.rule_id),
                    {
                        "rule": check.rule_id,
                        "article": check.spec.article,
                        "agency": agency_id,
                        "findings": [entry(f, action) for f in part],
                    },
                    context=f"matter/{matter_id}" if matter_id else "",
                )
            )
    events.append_many(pending)


def entry(finding: Finding, action: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": finding.pk,
        "subject": finding.subject,
        "matter": finding.matter_id,
        "evidence": finding.evidence_id,
    }
    if action.endswith(".opened"):
        data["officers"] = getattr(finding, "answerable", None) or []
        data["due"] = jsonable(finding.due_at)
        data["because"] = finding.opened_because
    else:
        data["because"] = finding.closed_because
    return data
