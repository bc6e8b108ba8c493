"""审查决定 → 调查取证: a matter under review goes back for more evidence, with the reason."""

from __future__ import annotations

import pytest

from lawtrail.errors import Forbidden, Invalid, Refused
from lawtrail.ledger.events import for_context
from lawtrail.matters import actions
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.tests.factories import advance_to, open_matter, snapshot
from lawtrail.testing import Province

pytestmark = pytest.mark.usefixtures("matters_rules_only")


@pytest.fixture
def under_review(province: Province) -> Matter:
    return advance_to(province, open_matter(province), Stage.REVIEW)


def test_a_matter_under_review_goes_back_with_the_reason(
    province: Province, under_review: Matter
) -> None:
    returned = actions.return_for_investigation(province.head_a.user, under_review, "证据不足")
    assert returned.stage == Stage.INVESTIGATION
    change = returned.stage_changes.last()
    assert change is not None
    assert (change.from_stage, change.to_stage, change.reason) == (
        "review",
        "investigation",
        "证据不足",
    )
    last = list(for_context(returned.context))[-1]
    assert last.action == "matter.returned_for_investigation"
    # and it may come back to review again
    again = actions.advance_stage(province.officer_a.user, returned, Stage.REVIEW)
    assert again.stage == Stage.REVIEW


@pytest.mark.parametrize("reason", ["", "  "])
def test_the_reason_is_required(province: Province, under_review: Matter, reason: str) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        actions.return_for_investigation(province.head_a.user, under_review, reason)
    assert "reason" in refused.value.fields
    assert snapshot() == before


@pytest.mark.parametrize("stage", [Stage.INITIATION, Stage.INVESTIGATION, Stage.EXECUTION])
def test_only_a_matter_under_review_goes_back(province: Province, stage: str) -> None:
    matter = advance_to(province, open_matter(province), stage)
    before = snapshot()
    with pytest.raises(Refused):
        actions.return_for_investigation(province.head_a.user, matter, "证据不足")
    assert snapshot() == before


def test_someone_outside_the_matter_cannot_send_it_back(
    province: Province, under_review: Matter
) -> None:
    with pytest.raises(Forbidden):
        actions.return_for_investigation(province.reviewer_a.user, under_review, "证据不足")
