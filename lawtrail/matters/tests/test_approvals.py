"""审批 (第十六条): a handler asks, the head of the matter's own agency decides, with an opinion
(第十三条(四)), once, and never on their own request."""

from __future__ import annotations

import pytest

from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.ledger.events import for_context
from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Matter
from lawtrail.matters.tests.factories import open_penalty, snapshot
from lawtrail.testing import Province


@pytest.fixture
def matter(province: Province) -> Matter:
    return open_penalty(province)


@pytest.fixture
def approval(province: Province, matter: Matter) -> Approval:
    return actions.request_approval(province.officer_a.user, matter, "filing", "拟立案调查")


def test_a_handler_requests_an_approval(province: Province, approval: Approval) -> None:
    assert approval.outcome == Approval.Outcome.PENDING
    assert approval.requested_by == province.officer_a
    assert approval.request_note == "拟立案调查"


def test_the_head_of_the_agency_approves_with_an_opinion(
    province: Province, matter: Matter, approval: Approval
) -> None:
    decided = actions.decide_approval(
        province.head_a.user, approval, approve=True, opinion="同意立案"
    )
    assert decided.outcome == Approval.Outcome.APPROVED
    assert decided.decided_by == province.head_a
    assert decided.opinion == "同意立案"
    assert decided.decided_at is not None
    last = list(for_context(matter.context))[-1]
    assert last.action == "approval.decided"


def test_the_head_may_reject(province: Province, approval: Approval) -> None:
    decided = actions.decide_approval(
        province.head_a.user, approval, approve=False, opinion="证据不足"
    )
    assert decided.outcome == Approval.Outcome.REJECTED


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("officer_a2", Forbidden),  # a handler, not the head
        ("reviewer_a", Forbidden),  # the legal reviewer writes an opinion, does not decide
        ("head_city", Forbidden),  # a head, but of the city, not of the matter's agency
        ("supervisor", Forbidden),
        ("officer_b", NotFound),  # the matter is out of sight
        ("admin", NotFound),
    ],
)
def test_only_the_head_of_the_matters_own_agency_decides(
    province: Province, approval: Approval, persona: str, error: type[Exception]
) -> None:
    before = snapshot()
    with pytest.raises(error):
        actions.decide_approval(
            getattr(province, persona).user, approval, approve=True, opinion="同意"
        )
    assert snapshot() == before


def test_nobody_decides_their_own_request(province: Province, matter: Matter) -> None:
    own = actions.request_approval(province.head_a.user, matter, "filing")
    before = snapshot()
    with pytest.raises(Forbidden):
        actions.decide_approval(province.head_a.user, own, approve=True, opinion="同意")
    assert snapshot() == before


@pytest.mark.parametrize("opinion", ["", "   "])
def test_an_opinion_is_required(province: Province, approval: Approval, opinion: str) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.decide_approval(province.head_a.user, approval, approve=True, opinion=opinion)
    assert "opinion" in refused.value.fields
    assert snapshot() == before


def test_an_approval_is_decided_once(province: Province, approval: Approval) -> None:
    actions.decide_approval(province.head_a.user, approval, approve=False, opinion="不同意")
    before = snapshot()
    with pytest.raises(Invalid):
        actions.decide_approval(province.head_a.user, approval, approve=True, opinion="改为同意")
    assert snapshot() == before
    approval.refresh_from_db()
    assert approval.outcome == Approval.Outcome.REJECTED
    assert approval.opinion == "不同意"


def test_one_request_per_subject_is_pending_at_a_time(
    province: Province, matter: Matter, approval: Approval
) -> None:
    with pytest.raises(Invalid):
        actions.request_approval(province.officer_a2.user, matter, "filing")
    actions.decide_approval(province.head_a.user, approval, approve=False, opinion="补充材料")
    again = actions.request_approval(province.officer_a2.user, matter, "filing", "已补充")
    assert again.outcome == Approval.Outcome.PENDING


def test_an_unknown_subject_is_refused(province: Province, matter: Matter) -> None:
    with pytest.raises(Invalid) as refused:
        actions.request_approval(province.officer_a.user, matter, "holiday")
    assert "subject" in refused.value.fields


def test_only_handlers_and_the_head_request(province: Province, matter: Matter) -> None:
    with pytest.raises(Forbidden):
        actions.request_approval(province.reviewer_a.user, matter, "filing")
