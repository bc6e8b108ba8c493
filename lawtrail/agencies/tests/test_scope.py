"""The directory scope: which agencies (and their people) each persona sees (invariant 7).

Officers see their own agency; heads and the supervisor the agencies below theirs too; system
administrators every agency, since they manage them — yet no matters (``matter_agencies``).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lawtrail.agencies.scope import (
    can_administer,
    can_see_agency,
    can_see_matters_of,
    matter_agencies,
    visible_agencies,
)
from lawtrail.testing import Province

ALL = {"province", "city", "county_a", "county_b"}

DIRECTORY = {
    "officer_a": {"county_a"},
    "head_a": {"county_a"},
    "reviewer_a": {"county_a"},
    "assistant_a": {"county_a"},
    "officer_b": {"county_b"},
    "head_city": {"city", "county_a", "county_b"},
    "supervisor": ALL,
    "admin": ALL,
}

MATTERS = {**DIRECTORY, "admin": set()}


@pytest.mark.parametrize(("persona", "expected"), DIRECTORY.items())
def test_each_persona_sees_the_agencies_of_its_scope(
    province: Province, persona: str, expected: set[str]
) -> None:
    user = getattr(province, persona).user
    agencies = {name: getattr(province, name) for name in ALL}
    assert set(visible_agencies(user)) == {agencies[name] for name in expected}
    for name, agency in agencies.items():
        assert can_see_agency(user, agency) is (name in expected)


@pytest.mark.parametrize(("persona", "expected"), MATTERS.items())
def test_the_matter_scope_is_the_same_except_for_the_administrator(
    province: Province, persona: str, expected: set[str]
) -> None:
    user = getattr(province, persona).user
    agencies = {name: getattr(province, name) for name in ALL}
    assert set(matter_agencies(user)) == {agencies[name] for name in expected}
    for name, agency in agencies.items():
        assert can_see_matters_of(user, agency) is (name in expected)


def test_a_login_without_an_officer_profile_sees_nothing(province: Province) -> None:
    stranger = get_user_model().objects.create_user("stranger", password="x" * 12)
    assert not visible_agencies(stranger).exists()
    assert not matter_agencies(stranger).exists()
    assert not can_see_agency(stranger, province.county_a)
    assert not can_administer(stranger)


def test_a_deactivated_login_sees_nothing(province: Province) -> None:
    user = province.supervisor.user
    user.is_active = False
    user.save()
    assert not visible_agencies(user).exists()
    assert not can_see_agency(user, province.county_a)


def test_anonymous_sees_nothing(province: Province) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not visible_agencies(AnonymousUser()).exists()
    assert not visible_agencies(None).exists()


def test_only_the_administrator_administers(province: Province) -> None:
    assert can_administer(province.admin.user)
    for persona in ("officer_a", "head_a", "head_city", "supervisor"):
        assert not can_administer(getattr(province, persona).user)
