"""The five stages of 第三条, one at a time, each entered only when its conditions hold.

A refused change answers with every unmet condition and the article behind it, and leaves the
matter as it was.
"""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid, Refused
from lawtrail.ledger.events import for_context
from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Kind, Procedure, Stage
from lawtrail.matters.tests.factories import (
    advance_to,
    approve,
    open_matter,
    open_penalty,
    snapshot,
)
from lawtrail.testing import Province


def codes(error: Refused) -> list[str]:
    return [u.code for u in error.unmet]


@pytest.mark.parametrize("target", [Stage.REVIEW, Stage.EXECUTION, Stage.ARCHIVING])
def test_a_skipped_stage_is_refused_naming_the_next_one(province: Province, target: str) -> None:
    matter = open_matter(province)
    before = snapshot()
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, target)
    [unmet] = refused.value.unmet
    assert (unmet.code, unmet.article) == ("stage.order", "第三条")
    assert str(Stage.INVESTIGATION.label) in unmet.message
    assert refused.value.status == 409
    assert snapshot() == before
    matter.refresh_from_db()
    assert matter.stage == Stage.INITIATION


def test_a_matter_does_not_go_back_by_advancing(province: Province) -> None:
    matter = actions.advance_stage(province.officer_a.user, open_matter(province), "investigation")
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INITIATION)
    assert codes(refused.value) == ["stage.order"]


def test_the_same_stage_again_is_refused(province: Province) -> None:
    with pytest.raises(Refused):
        actions.advance_stage(province.officer_a.user, open_matter(province), Stage.INITIATION)


def test_an_unknown_stage_is_invalid(province: Province) -> None:
    with pytest.raises(Invalid) as refused:
        actions.advance_stage(province.officer_a.user, open_matter(province), "appeal")
    assert "stage" in refused.value.fields


def test_a_penalty_case_is_filed_on_the_heads_approval(province: Province) -> None:
    """第十六条: 立案 of a general-procedure penalty case is approved by the head."""
    matter = open_penalty(province)
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert codes(refused.value) == ["approval.filing"]
    assert refused.value.unmet[0].article == "第十六条"
    approve(province, matter, Approval.Subject.FILING)
    moved = actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert moved.stage == Stage.INVESTIGATION


def test_every_unmet_condition_is_listed_at_once(province: Province) -> None:
    matter = open_penalty(province, handlers=[province.officer_a.pk])
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert sorted(codes(refused.value)) == ["approval.filing", "handlers.two_certified"]


@pytest.mark.parametrize("outcome", ["pending", "rejected"])
def test_a_filing_approval_pending_or_rejected_does_not_count(
    province: Province, outcome: str
) -> None:
    matter = open_penalty(province)
    approval = actions.request_approval(province.officer_a.user, matter, "filing")
    if outcome == "rejected":
        actions.decide_approval(province.head_a.user, approval, approve=False, opinion="不予立案")
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert codes(refused.value) == ["approval.filing"]


def test_the_simplified_procedure_needs_no_filing_approval(province: Province) -> None:
    matter = open_penalty(province, procedure=Procedure.SIMPLIFIED)
    moved = actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    assert moved.stage == Stage.INVESTIGATION


@pytest.mark.usefixtures("matters_rules_only")
@pytest.mark.parametrize("kind", [Kind.PENALTY, Kind.LICENSE])
def test_a_decision_is_executed_only_on_the_heads_approval(province: Province, kind: str) -> None:
    """第十三条(四): the written decision carries the head's approval."""
    matter = advance_to(province, open_matter(province, kind=kind), Stage.REVIEW)
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.officer_a.user, matter, Stage.EXECUTION)
    assert codes(refused.value) == ["approval.decision"]
    approve(province, matter, Approval.Subject.DECISION)
    assert actions.advance_stage(province.officer_a.user, matter, Stage.EXECUTION).stage == (
        Stage.EXECUTION
    )


@pytest.mark.usefixtures("matters_rules_only")
def test_a_matter_walks_all_five_stages_and_the_archiving_clock_starts(
    province: Province,
) -> None:
    """第三条 stages; 第十八条: the 30 days to archive run from the end of the action."""
    matter = open_penalty(province)
    matter = advance_to(province, matter, Stage.EXECUTION)
    assert matter.ended_at is None
    matter = actions.advance_stage(province.head_a.user, matter, Stage.ARCHIVING, "执行完毕")
    assert matter.stage == Stage.ARCHIVING
    assert matter.ended_at is not None
    changes = list(matter.stage_changes.values_list("from_stage", "to_stage"))
    assert changes == [
        ("initiation", "investigation"),
        ("investigation", "review"),
        ("review", "execution"),
        ("execution", "archiving"),
    ]
    last = matter.stage_changes.last()
    assert last is not None and last.by == province.head_a and last.reason == "执行完毕"
    with pytest.raises(Refused) as refused:
        actions.advance_stage(province.head_a.user, matter, Stage.ARCHIVING)
    assert codes(refused.value) == ["stage.order"]
    actions_seen = [e.action for e in for_context(matter.context)]
    assert actions_seen.count("matter.stage_advanced") == 4
