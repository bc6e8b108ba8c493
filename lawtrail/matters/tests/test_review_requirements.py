"""第十三条(四): whether a decision needs 法制审核 and 集体讨论 is set on the matter, by its
handlers or its head, while the decision is still open."""

from __future__ import annotations

import pytest

from lawtrail.errors import Forbidden, Invalid, NotFound, Refused
from lawtrail.ledger.events import for_context
from lawtrail.matters import actions
from lawtrail.matters.models import Stage
from lawtrail.matters.tests.factories import advance_to, open_matter, snapshot
from lawtrail.testing import Province


def test_a_handler_marks_the_matter_for_legal_review(province: Province) -> None:
    matter = open_matter(province)
    changed = actions.set_review_requirements(province.officer_a.user, matter, legal_review=True)
    assert changed.needs_legal_review is True
    assert changed.needs_collective_discussion is False
    event = list(for_context(matter.context))[-1]
    assert event.action == "matter.review_requirements_set"


def test_a_requirement_left_out_stays_as_it_is(province: Province) -> None:
    matter = open_matter(province)
    actions.set_review_requirements(
        province.head_a.user, matter, legal_review=True, collective_discussion=True
    )
    changed = actions.set_review_requirements(
        province.head_a.user, matter, collective_discussion=False
    )
    assert (changed.needs_legal_review, changed.needs_collective_discussion) == (True, False)


def test_saying_nothing_is_invalid(province: Province) -> None:
    with pytest.raises(Invalid):
        actions.set_review_requirements(province.officer_a.user, open_matter(province))


@pytest.mark.parametrize(
    ("persona", "error"),
    [("reviewer_a", Forbidden), ("supervisor", Forbidden), ("officer_b", NotFound)],
)
def test_only_handlers_and_the_head_set_them(
    province: Province, persona: str, error: type[Exception]
) -> None:
    matter = open_matter(province)
    before = snapshot()
    with pytest.raises(error):
        actions.set_review_requirements(getattr(province, persona).user, matter, legal_review=True)
    assert snapshot() == before
    matter.refresh_from_db()
    assert matter.needs_legal_review is False


@pytest.mark.usefixtures("matters_rules_only")
def test_they_are_settled_once_the_decision_is_taken(province: Province) -> None:
    matter = advance_to(province, open_matter(province), Stage.EXECUTION)
    before = snapshot()
    with pytest.raises(Refused) as refused:
        actions.set_review_requirements(province.head_a.user, matter, legal_review=True)
    assert [u.article for u in refused.value.unmet] == ["第十三条(四)"]
    assert snapshot() == before
