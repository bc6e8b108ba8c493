"""Who sees and changes which matter (invariant 7: denial is the default).

Officers see their own agency's matters; heads and the provincial supervisor also those below;
a system administrator without an enforcement role, and a login without an Officer profile,
see none. A matter out of sight is "not found", never "forbidden", so its existence leaks not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from lawtrail.errors import Forbidden, NotFound
from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Matter
from lawtrail.matters.permissions import get_visible_matter, visible_matters
from lawtrail.matters.tests.factories import (
    SEES,
    open_matter,
    person_party,
    snapshot,
)
from lawtrail.testing import Province


@pytest.mark.parametrize(("persona", "expected"), SEES.items())
def test_each_persona_sees_exactly_the_matters_of_its_scope(
    province: Province, matters: dict[str, Matter], persona: str, expected: set[str]
) -> None:
    user = getattr(province, persona).user
    seen = set(visible_matters(user))
    assert seen == {matters[key] for key in expected}
    for key, matter in matters.items():
        if key in expected:
            assert get_visible_matter(user, matter.pk) == matter
        else:
            with pytest.raises(NotFound):
                get_visible_matter(user, matter.pk)


def test_a_login_without_an_officer_profile_sees_nothing(matters: dict[str, Matter]) -> None:
    stranger = get_user_model().objects.create_user("stranger", password="x" * 12)
    assert not visible_matters(stranger).exists()
    with pytest.raises(NotFound):
        get_visible_matter(stranger, matters["a"].pk)


def test_a_deactivated_officer_sees_nothing(province: Province, matters: dict[str, Matter]) -> None:
    user = province.officer_a.user
    user.is_active = False
    user.save()
    assert not visible_matters(user).exists()


def test_an_unknown_or_malformed_id_is_not_found(province: Province) -> None:
    for pk in (12345, "abc", "", None, 2**70):
        with pytest.raises(NotFound):
            get_visible_matter(province.officer_a.user, pk)  # type: ignore[arg-type]


Change = Callable[[Province, Matter, Any], object]

CHANGES: dict[str, Change] = {
    "add_party": lambda p, m, u: actions.add_party(u, m, person_party("李四")),
    "add_handler": lambda p, m, u: actions.add_handler(u, m, p.head_a.pk),
    "add_gis_point": lambda p, m, u: actions.add_gis_point(u, m, actions.GisInput(34.27, 108.95)),
    "request_approval": lambda p, m, u: actions.request_approval(u, m, "filing"),
    "advance_stage": lambda p, m, u: actions.advance_stage(u, m, "investigation"),
    "set_review_requirements": lambda p, m, u: actions.set_review_requirements(
        u, m, legal_review=True
    ),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("officer_b", NotFound),  # another county: the matter does not exist for them
        ("admin", NotFound),  # no enforcement role
        ("supervisor", Forbidden),  # sees everything, changes nothing
        ("head_city", Forbidden),  # sees the county's matters, is not its head
        ("reviewer_a", Forbidden),  # same agency, not a handler
    ],
)
def test_changes_from_outside_the_matter_are_refused_and_change_nothing(
    province: Province,
    matters: dict[str, Matter],
    change: str,
    persona: str,
    error: type[Exception],
) -> None:
    matter = matters["a"]
    before = snapshot()
    with pytest.raises(error):
        CHANGES[change](province, matter, getattr(province, persona).user)
    assert snapshot() == before


def test_an_officer_of_the_agency_who_does_not_handle_the_matter_cannot_change_it(
    province: Province,
) -> None:
    p = province
    matter = open_matter(p, handlers=[p.officer_a.pk, p.head_a.pk])
    with pytest.raises(Forbidden):
        actions.add_party(p.officer_a2.user, matter, person_party("李四"))


def test_the_head_of_the_agency_may_change_a_matter_without_handling_it(
    province: Province, matters: dict[str, Matter]
) -> None:
    party = actions.add_party(province.head_a.user, matters["a"], person_party("李四"))
    assert party in matters["a"].parties.all()


def test_deciding_an_approval_of_another_agency_is_not_found(
    province: Province, matters: dict[str, Matter]
) -> None:
    approval = actions.request_approval(province.officer_b.user, matters["b"], "filing")
    with pytest.raises(NotFound):
        actions.decide_approval(province.head_a.user, approval, approve=True, opinion="同意")
    approval.refresh_from_db()
    assert approval.outcome == Approval.Outcome.PENDING
