"""Agencies and people are created by system administrators only, each change one event."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from lawtrail.agencies import people
from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger.models import Event
from lawtrail.testing import Province


def count() -> dict[str, int]:
    return {
        "agencies": Agency.objects.count(),
        "officers": Officer.objects.count(),
        "users": get_user_model().objects.count(),
        "events": Event.objects.count(),
    }


def county(**overrides: Any) -> people.AgencyInput:
    fields: dict[str, Any] = {
        "name": "莲湖区卫生健康局",
        "level": "county",
        "region_code": "610104",
        "short_name": "莲",
        "parent_code": "610100",
    }
    fields.update(overrides)
    return people.AgencyInput(**fields)


def person(**overrides: Any) -> people.PersonInput:
    fields: dict[str, Any] = {
        "username": "officer_c",
        "name": "马超",
        "agency_code": "610102",
        "roles": [Role.OFFICER],
    }
    fields.update(overrides)
    return people.PersonInput(**fields)


def test_the_administrator_creates_an_agency_below_its_parent(province: Province) -> None:
    before = Event.objects.count()
    agency = people.create_agency(province.admin.user, county())
    assert agency.parent == province.city
    assert agency.path == "610000/610100/610104/"
    assert agency.is_within(province.province)
    [event] = Event.objects.filter(seq__gte=before)
    assert event.action == "agency.created"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"parent_code": "619999"}, "parent_code"),
        ({"level": "township"}, "level"),
        ({"level": "city"}, "parent_code"),  # a city sits below the province
        ({"parent_code": "610102"}, "parent_code"),  # a county below a county
        ({"region_code": "61010"}, "region_code"),
        ({"region_code": "610102"}, "region_code"),  # taken
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_agency_is_refused_and_nothing_is_written(
    province: Province, overrides: dict[str, str], field: str
) -> None:
    before = count()
    with pytest.raises(Invalid) as refused:
        people.create_agency(province.admin.user, county(**overrides))
    assert field in refused.value.fields
    assert count() == before


@pytest.mark.parametrize("persona", ["head_city", "supervisor", "officer_a"])
def test_nobody_but_the_administrator_creates_agencies_or_people(
    province: Province, persona: str
) -> None:
    user = getattr(province, persona).user
    before = count()
    with pytest.raises(Forbidden):
        people.create_agency(user, county())
    with pytest.raises(Forbidden):
        people.create_person(user, person())
    assert count() == before


def test_the_administrator_creates_a_person_with_a_login(province: Province) -> None:
    officer = people.create_person(
        province.admin.user, person(password="a long and unusual passphrase")
    )
    assert officer.agency == province.county_a
    assert officer.roles == ["officer"]
    assert officer.user.check_password("a long and unusual passphrase")
    assert Event.objects.order_by("-seq").first().action == "person.created"  # type: ignore[union-attr]


def test_a_person_without_a_password_cannot_log_in_with_one(province: Province) -> None:
    officer = people.create_person(province.admin.user, person())
    assert not officer.user.has_usable_password()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "officer_a"}, "username"),
        ({"username": "  "}, "username"),
        ({"agency_code": "000000"}, "agency"),
        ({"roles": ["officer", "king"]}, "roles"),
        ({"employment": "volunteer"}, "employment"),
        ({"roles": ["supervisor"]}, "roles"),  # supervisors work at the province
        ({"employment": "assistant", "roles": ["head"]}, "roles"),
        ({"name": " "}, "name"),
        ({"password": "123"}, "password"),
    ],
)
def test_a_bad_person_is_refused_and_nothing_is_written(
    province: Province, overrides: dict[str, Any], field: str
) -> None:
    before = count()
    with pytest.raises(Invalid) as refused:
        people.create_person(province.admin.user, person(**overrides))
    assert field in refused.value.fields
    assert count() == before


def test_the_command_line_acts_as_the_system(province: Province) -> None:
    """``user`` None is the machine's operator running ``lawtrail user create``."""
    officer = people.create_person(None, person())
    event = Event.objects.order_by("-seq").first()
    assert event is not None and event.actor == "system"
    assert officer.user.get_username() == "officer_c"


def test_roles_can_be_changed_and_the_change_is_recorded(province: Province) -> None:
    officer = people.set_roles(province.admin.user, province.officer_a, ["officer", "custodian"])
    assert officer.roles == ["custodian", "officer"]
    event = Event.objects.order_by("-seq").first()
    assert event is not None and event.action == "person.roles_changed"
    with pytest.raises(Invalid):
        people.set_roles(province.admin.user, province.officer_a, ["emperor"])


def test_a_person_can_be_deactivated(province: Province) -> None:
    people.set_active(province.admin.user, province.officer_a, False)
    province.officer_a.user.refresh_from_db()
    assert province.officer_a.user.is_active is False
