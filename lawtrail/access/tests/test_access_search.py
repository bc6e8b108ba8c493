"""第二十一条 in search: a party's ID number or credit code finds a matter only where the caller
may see the parties' identifiers (``access.rules.details_visible``, the query form of
``sees_matter_details``); names are found wherever the matter is in scope, as the list shows
them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lawtrail.access import actions
from lawtrail.access.models import Level
from lawtrail.access.rules import details_visible, sees_matter_details
from lawtrail.access.tests.access_fixtures import Case, case, grant_to, session
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter

_ = case


def identifier(matter: Matter) -> str:
    party = matter.parties.exclude(id_number="", credit_code="").first()
    assert party is not None
    return party.id_number or party.credit_code


def found(client: Client, **filters: str) -> set[int]:
    api = client.get("/api/v1/matters", filters).json()
    return {item["id"] for item in api["items"]}


def listed(client: Client, **filters: str) -> bool:
    """Whether the web search lists the matter whose number is given."""
    number = filters.pop("number")
    return number in client.get("/matters/", filters).content.decode()


@pytest.mark.parametrize("level", [Level.INTERNAL, Level.BUSINESS_SECRET, Level.STATE_SECRET])
def test_details_visible_agrees_with_the_matter_page_for_every_persona(
    case: Case, level: str
) -> None:
    p = case.province
    other = open_matter(p, by=p.officer_a2)  # no audio/video: it may become a 国家秘密
    if level == Level.BUSINESS_SECRET:
        actions.set_matter_level(p.head_a.user, case.matter, level, "依法保密")
        grant_to(case, p.head_city)
    if level != Level.INTERNAL:
        actions.set_matter_level(p.head_a.user, other, level, "依法保密")
    people = [
        p.officer_a, p.officer_a2, p.head_a, p.reviewer_a, p.assistant_a, p.head_city,
        p.supervisor, p.officer_b,
    ]  # fmt: skip
    for officer in people:
        user: Any = officer.user
        for matter in (case.matter, other):
            expected = sees_matter_details(user, matter)
            actual = Matter.objects.filter(details_visible(user), pk=matter.pk).exists()
            assert actual == expected, (officer.user.username, matter.pk, level)


def test_an_identifier_finds_a_business_secret_only_for_those_entitled(case: Case) -> None:
    p = case.province
    matter = case.matter
    wanted = identifier(matter)
    name = matter.parties.first().name  # type: ignore[union-attr]
    city = session(p.head_city)
    assert matter.pk in found(city, party=wanted)
    assert listed(city, party=wanted, number=matter.number)

    actions.set_matter_level(p.head_a.user, matter, Level.BUSINESS_SECRET, "涉及商业秘密")
    assert matter.pk not in found(city, party=wanted)
    assert not listed(city, party=wanted, number=matter.number)
    assert matter.pk in found(city, party=name)  # the name is on the list anyway

    handler = session(p.officer_a)
    assert matter.pk in found(handler, party=wanted)
    assert listed(handler, party=wanted, number=matter.number)
