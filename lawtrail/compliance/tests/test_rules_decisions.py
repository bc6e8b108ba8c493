"""第十三条(四), 第十六条: a decision comes after the head's approval, and — where the matter needs
them — after a legal review that agrees (行政处罚法 第五十八条) and a collective discussion
(行政处罚法 第五十七条).

The stage guards stop a matter from entering 送达执行 without these, but a decision record can
be written while the matter is still under investigation; these tests write it so."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from lawtrail.compliance.checks.base import Scope
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import findings, open_findings, scan
from lawtrail.matters import actions as matter_actions
from lawtrail.matters.models import Approval, Matter, Stage
from lawtrail.records import actions
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import advance, approve, fields, open_matter, write
from lawtrail.testing import Province

APPROVAL = "decisions.head_approval"
REVIEW = "decisions.legal_review"
DISCUSSION = "decisions.collective_discussion"


def today() -> str:
    return timezone.localdate().isoformat()


def decide(p: Province, matter: Matter, on: str | None = None) -> Record:
    """The 行政执法决定书, decided on ``on`` (default: today)."""
    return write(p, matter, "decision", decided_on=on or today())


def review(p: Province, matter: Matter, **overrides: Any) -> Record:
    """The legal reviewer's 法制审核意见书 (第十三条(四)), reviewed today unless overridden."""
    overrides.setdefault("reviewed_on", today())
    return actions.create_record(
        p.reviewer_a.user,
        matter,
        "legal_review_opinion",
        fields("legal_review_opinion", **overrides),
    )


def needing(p: Province, matter: Matter, **requirements: bool) -> Matter:
    return matter_actions.set_review_requirements(p.officer_a.user, matter, **requirements)


# --- 第十六条: the head's approval -----------------------------------------------------------


def test_article_16_fires_for_a_decision_without_the_heads_approval(
    province: Province, matter: Matter
) -> None:
    decision = decide(province, matter)

    report = scan(APPROVAL)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(APPROVAL)
    assert finding.subject == f"matter:{matter.pk}"
    assert finding.article == "第十三条(四)"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert set(finding.officers.all()) == {province.officer_a, province.officer_a2}
    assert finding.opened_because["decision_record"] == decision.pk
    assert finding.opened_because["decision_day"] == today()
    assert finding.opened_because["kind"] == "penalty"


def test_article_16_clears_when_the_head_approves_on_the_decision_day(
    province: Province, matter: Matter
) -> None:
    decide(province, matter)
    scan(APPROVAL)
    approve(province, matter, Approval.Subject.DECISION)

    report = scan(APPROVAL)

    assert report.rules[0].closed == 1
    (finding,) = findings(APPROVAL)
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["fulfilled"] is True
    approval = matter.approvals.get(subject=Approval.Subject.DECISION)
    assert finding.closed_because["facts"]["done"] == approval.decided_at.isoformat()


def test_article_16_an_approval_after_the_decision_day_is_late(
    province: Province, matter: Matter
) -> None:
    """The decision of 2026-03-10 was made without approval; approving it now does not make it
    approved then: the breach is recorded, closed as fulfilled late."""
    decide(province, matter, "2026-03-10")
    approve(province, matter, Approval.Subject.DECISION)

    scan(APPROVAL)

    (finding,) = findings(APPROVAL)
    assert finding.state == Finding.State.CLOSED
    assert finding.opened_because["decision_day"] == "2026-03-10"
    assert "fulfilled_late_at" in finding.closed_because


def test_article_16_a_rejected_or_other_approval_does_not_count(
    province: Province, matter: Matter
) -> None:
    decide(province, matter)
    request = matter_actions.request_approval(
        province.officer_a.user, matter, Approval.Subject.DECISION
    )
    matter_actions.decide_approval(
        province.head_a.user, request, approve=False, opinion="补充证据。"
    )
    approve(province, matter, Approval.Subject.EXTENSION)

    scan(APPROVAL)

    assert len(open_findings(APPROVAL)) == 1


def test_article_16_simplified_procedure_and_undecided_matters_are_not_judged(
    province: Province, matter: Matter
) -> None:
    simplified = advance(
        province, open_matter(province, procedure="simplified"), Stage.INVESTIGATION
    )
    decide(province, simplified)

    report = scan(APPROVAL)

    assert report.rules[0].checked == 0


def test_article_16_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province, matter: Matter
) -> None:
    other = advance(province, open_matter(province), Stage.INVESTIGATION)
    decide(province, matter)
    decide(province, other)

    report = scan(APPROVAL, scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.matter_id for f in open_findings(APPROVAL)] == [other.pk]


# --- 行政处罚法 第五十八条: legal review -------------------------------------------------------


def test_legal_review_fires_for_a_decision_without_an_agreeing_review(
    province: Province, matter: Matter
) -> None:
    needing(province, matter, legal_review=True)
    review(province, matter, conclusion="存在问题")
    decide(province, matter)

    report = scan(REVIEW)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(REVIEW)
    assert finding.article == "第十三条(四)"
    assert finding.matter == matter
    assert finding.agency == province.county_a
    assert set(finding.officers.all()) == {province.officer_a, province.officer_a2}
    assert finding.opened_because["decision_day"] == today()


def test_legal_review_clears_when_the_reviewer_agrees_by_the_decision_day(
    province: Province, matter: Matter
) -> None:
    needing(province, matter, legal_review=True)
    decide(province, matter)
    scan(REVIEW)
    opinion = review(province, matter)

    report = scan(REVIEW)

    assert report.rules[0].closed == 1
    (finding,) = findings(REVIEW)
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["facts"]["done"] == opinion.created_at.isoformat()


def test_legal_review_dated_after_the_decision_is_late(province: Province, matter: Matter) -> None:
    needing(province, matter, legal_review=True)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    decide(province, matter, yesterday.isoformat())
    review(province, matter)

    scan(REVIEW)

    (finding,) = findings(REVIEW)
    assert finding.state == Finding.State.CLOSED
    assert "fulfilled_late_at" in finding.closed_because


def test_legal_review_only_judges_matters_that_need_it(province: Province, matter: Matter) -> None:
    decide(province, matter)

    assert scan(REVIEW).rules[0].checked == 0


def test_legal_review_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province, matter: Matter
) -> None:
    other = advance(province, open_matter(province), Stage.INVESTIGATION)
    for each in (matter, other):
        needing(province, each, legal_review=True)
        decide(province, each)

    report = scan(REVIEW, scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.matter_id for f in open_findings(REVIEW)] == [other.pk]


# --- 行政处罚法 第五十七条: collective discussion ----------------------------------------------


def test_collective_discussion_fires_for_a_decision_without_a_discussion(
    province: Province, matter: Matter
) -> None:
    needing(province, matter, collective_discussion=True)
    decide(province, matter)

    report = scan(DISCUSSION)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(DISCUSSION)
    assert finding.article == "第十三条(四)"
    assert finding.matter == matter
    assert finding.agency == province.county_a
    assert set(finding.officers.all()) == {province.officer_a, province.officer_a2}


def test_collective_discussion_clears_when_the_discussion_is_recorded(
    province: Province, matter: Matter
) -> None:
    needing(province, matter, collective_discussion=True)
    decide(province, matter)
    scan(DISCUSSION)
    held = timezone.localtime().replace(microsecond=0).isoformat()
    write(province, matter, "collective_discussion", held_at=held)

    report = scan(DISCUSSION)

    assert report.rules[0].closed == 1
    (finding,) = findings(DISCUSSION)
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["fulfilled"] is True


def test_collective_discussion_held_after_the_decision_day_does_not_count_in_time(
    province: Province, matter: Matter
) -> None:
    needing(province, matter, collective_discussion=True)
    decide(province, matter, "2026-03-01")
    write(province, matter, "collective_discussion", held_at="2026-03-02T09:30:00+08:00")

    scan(DISCUSSION)

    (finding,) = findings(DISCUSSION)
    assert finding.state == Finding.State.CLOSED
    assert "fulfilled_late_at" in finding.closed_because


def test_collective_discussion_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province, matter: Matter
) -> None:
    other = advance(province, open_matter(province), Stage.INVESTIGATION)
    for each in (matter, other):
        needing(province, each, collective_discussion=True)
        decide(province, each)

    report = scan(DISCUSSION, scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.matter_id for f in open_findings(DISCUSSION)] == [other.pk]
