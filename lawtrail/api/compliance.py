"""/api/v1/compliance: findings, explanations, the caller's deadlines, the rules and a unit's
summary (issue 7 §3; 第二十四条, 第二十五条, 第二十六条).

Thin: reads go through ``lawtrail.compliance.queries`` (scope first, denial by default), the one
change (an explanation) through ``lawtrail.compliance.actions.explain_finding``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from lawtrail.api.api import caller
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyRef,
    ErrorOut,
    Input,
    OfficerRef,
    agency_ref,
    officer_ref,
    one_of,
)
from lawtrail.compliance import actions, queries
from lawtrail.compliance.models import Explanation, Finding
from lawtrail.compliance.rules import SEVERITIES, rule_specs, weights

router = Router(tags=["compliance"])


# ---------------------------------------------------------------- shapes


class FindingFiltersIn(Schema):
    agency: str | None = Field(None, description="Region code or id; includes agencies below.")
    officer: str | None = Field(None, description="Username or certificate number answerable.")
    matter: str | None = Field(None, description="The matter number.")
    rule: str | None = Field(None, description="A rule id, e.g. uploads.within_48h.")
    state: str | None = one_of(Finding.State.values, default=None)
    severity: str | None = one_of(list(SEVERITIES), default=None)
    since: datetime.date | None = Field(None, description="Opened on or after (local date).")
    until: datetime.date | None = Field(None, description="Opened on or before (local date).")
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, description="The `next` cursor of the previous page.")

    def to_filters(self) -> queries.FindingFilters:
        return queries.FindingFilters(
            agency=self.agency or "",
            officer=self.officer or "",
            matter=self.matter or "",
            rule=self.rule or "",
            state=self.state or "",
            severity=self.severity or "",
            since=self.since,
            until=self.until,
        )


class ExplanationOut(Schema):
    id: int
    by: OfficerRef
    at: datetime.datetime
    reason: str


class FindingOut(Schema):
    id: int
    rule: str = Field(description="The rule id (rules.json).")
    article: str = Field(description="The article the finding names, e.g. 第十九条.")
    rule_title: str
    severity: str = one_of(list(SEVERITIES))
    subject: str = Field(description="What broke the rule, e.g. matter:12, acquisition:7.")
    agency: AgencyRef
    matter_number: str | None
    officers: list[OfficerRef] = Field(description="The officers answerable.")
    due_at: datetime.datetime | None
    opened_at: datetime.datetime
    opened_because: dict[str, Any] = Field(description="The facts that opened it.")
    state: str = one_of(Finding.State.values)
    closed_at: datetime.datetime | None
    closed_because: dict[str, Any] = Field(description="The facts that closed it.")
    explanations: list[ExplanationOut] = Field(description="Oldest first; the latest counts.")


class FindingPage(Schema):
    items: list[FindingOut]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class ExplanationIn(Input):
    reason: str = Field("", description="Why this is a justified exception; required.")


class DeadlineOut(Schema):
    kind: str = one_of(["finding", "duty", "upload"])
    rule: str
    article: str
    title: str
    severity: str
    due: datetime.datetime | None
    overdue: bool
    subject: str
    matter_number: str
    finding_id: int | None
    upload_id: str
    filename: str


class RuleOut(Schema):
    id: str
    title: str
    articles: list[str]
    subject: str
    trigger: str
    condition: str
    deadline: str | None = Field(description="e.g. '48 hours', '7 working_days'.")
    severity: str
    weight: int = Field(description="The weight in the assessment now (第二十四条).")
    valid_from: datetime.date
    valid_to: datetime.date | None


class RuleRateOut(Schema):
    rule: str
    article: str
    title: str
    open: int
    checked: int
    breached: int
    rate: float | None = Field(description="Share of subjects keeping the rule; null: none.")


class OfficerCountOut(Schema):
    id: int
    username: str
    name: str
    open: int
    total: int


class SummaryOut(Schema):
    agency: AgencyRef
    open_findings: int
    by_rule: list[RuleRateOut]
    by_officer: list[OfficerCountOut]


class SummaryQuery(Schema):
    agency: str | None = Field(None, description="Region code or id; default: your own.")


# ---------------------------------------------------------------- rows → shapes


def explanation_out(explanation: Explanation) -> ExplanationOut:
    return ExplanationOut(
        id=explanation.pk,
        by=officer_ref(explanation.by),
        at=explanation.at,
        reason=explanation.reason,
    )


def finding_out(finding: Finding) -> FindingOut:
    """Expects ``queries.with_details`` (agency, matter, officers, explanations fetched)."""
    spec = rule_specs().get(finding.rule_id)
    return FindingOut(
        id=finding.pk,
        rule=finding.rule_id,
        article=finding.article,
        rule_title=spec.title if spec else finding.rule_id,
        severity=finding.severity,
        subject=finding.subject,
        agency=agency_ref(finding.agency),
        matter_number=finding.matter.number if finding.matter else None,
        officers=[officer_ref(o) for o in sorted(finding.officers.all(), key=lambda o: o.pk)],
        due_at=finding.due_at,
        opened_at=finding.opened_at,
        opened_because=finding.opened_because or {},
        state=finding.state,
        closed_at=finding.closed_at,
        closed_because=finding.closed_because or {},
        explanations=[explanation_out(e) for e in finding.explanations.all()],
    )


# ---------------------------------------------------------------- endpoints


@router.get("/findings", response={200: FindingPage, **READ_ERRORS}, summary="List findings")
def list_findings(request: HttpRequest, filters: Query[FindingFiltersIn]) -> FindingPage:
    found = queries.filtered(caller(request), filters.to_filters())
    page = paginate(
        queries.with_details(found), ["-opened_at", "-id"], limit=filters.limit, after=filters.after
    )
    return FindingPage(items=[finding_out(f) for f in page.rows], next=page.next)


@router.get("/findings/{finding_id}", response={200: FindingOut, **READ_ERRORS}, summary="Finding")
def get_finding(request: HttpRequest, finding_id: int) -> FindingOut:
    return finding_out(queries.get_visible_finding(caller(request), finding_id))


@router.post(
    "/findings/{finding_id}/explanations",
    response={201: ExplanationOut, **WRITE_ERRORS},
    summary="Explain a finding (a justified exception; heads and supervisors)",
)
def explain(request: HttpRequest, finding_id: int, data: ExplanationIn) -> Status[ExplanationOut]:
    user = caller(request)
    finding = queries.get_visible_finding(user, finding_id)
    explanation = actions.explain_finding(user, finding, data.reason)
    return Status(201, explanation_out(explanation))


@router.get(
    "/deadlines",
    response={200: list[DeadlineOut], 401: ErrorOut},
    summary="The caller's deadlines: overdue first, then by due time",
)
def my_deadlines(request: HttpRequest) -> list[DeadlineOut]:
    return [
        DeadlineOut(
            kind=d.kind,
            rule=d.rule_id,
            article=d.article,
            title=d.title,
            severity=d.severity,
            due=d.due,
            overdue=d.overdue,
            subject=d.subject,
            matter_number=d.matter_number,
            finding_id=d.finding_id,
            upload_id=d.upload_id,
            filename=d.filename,
        )
        for d in queries.my_deadlines(caller(request))
    ]


@router.get("/rules", response={200: list[RuleOut], 401: ErrorOut}, summary="The rules")
def list_rules(request: HttpRequest) -> list[RuleOut]:
    current = weights()
    return [
        RuleOut(
            id=spec.id,
            title=spec.title,
            articles=list(spec.articles),
            subject=spec.subject,
            trigger=spec.trigger,
            condition=spec.condition,
            deadline=f"{spec.deadline.amount} {spec.deadline.unit}" if spec.deadline else None,
            severity=spec.severity,
            weight=current.get(spec.id, spec.weight),
            valid_from=spec.valid_from,
            valid_to=spec.valid_to,
        )
        for spec in rule_specs().values()
    ]


@router.get(
    "/summary",
    response={200: SummaryOut, 403: ErrorOut, **READ_ERRORS},
    summary="A unit's open findings and compliance by rule and by officer",
)
def summary(request: HttpRequest, query: Query[SummaryQuery]) -> SummaryOut:
    agency = queries.summary_agency(caller(request), query.agency or "")
    unit = queries.unit_summary(agency)
    return SummaryOut(
        agency=agency_ref(agency),
        open_findings=unit.open_total,
        by_rule=[
            RuleRateOut(
                rule=r.spec.id,
                article=r.spec.article,
                title=r.spec.title,
                open=r.open,
                checked=r.checked,
                breached=r.breached,
                rate=r.rate,
            )
            for r in unit.rates
        ],
        by_officer=[
            OfficerCountOut(
                id=c.officer_id, username=c.username, name=c.name, open=c.open, total=c.total
            )
            for c in unit.by_officer
        ],
    )
