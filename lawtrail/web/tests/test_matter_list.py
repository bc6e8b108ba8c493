"""The matter list: filters, free text, keyset pages, and only visible matters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.testing import Province
from lawtrail.web.tests.conftest import open_matter


def numbers(body: str, *matters: Matter) -> list[bool]:
    return [m.number in body for m in matters]


def test_it_lists_only_visible_matters(login: Callable[[str], Client], matter_a: Matter) -> None:
    assert matter_a.number in login("officer_a").get("/matters/").content.decode()
    assert matter_a.number not in login("officer_b").get("/matters/").content.decode()
    assert matter_a.number in login("head_city").get("/matters/").content.decode()


def test_it_filters_by_kind_stage_and_text(
    login: Callable[[str], Client], province: Province
) -> None:
    inspection = open_matter(province, title="餐馆检查")
    penalty = open_matter(province, kind="penalty", title="无证经营处罚")
    client = login("officer_a")
    body = client.get("/matters/", {"kind": "penalty"}).content.decode()
    assert numbers(body, inspection, penalty) == [False, True]
    body = client.get("/matters/", {"q": "餐馆"}).content.decode()
    assert numbers(body, inspection, penalty) == [True, False]
    body = client.get("/matters/", {"stage": "review"}).content.decode()
    assert numbers(body, inspection, penalty) == [False, False]


def test_it_filters_by_party_and_dates(login: Callable[[str], Client], matter_a: Matter) -> None:
    client = login("officer_a")
    body = client.get("/matters/", {"party": "餐饮有限"}).content.decode()
    assert matter_a.number in body
    body = client.get("/matters/", {"party": "别的公司"}).content.decode()
    assert matter_a.number not in body
    body = client.get("/matters/", {"opened_from": "2999-01-01"}).content.decode()
    assert matter_a.number not in body
    body = client.get("/matters/", {"opened_to": "2999-01-01"}).content.decode()
    assert matter_a.number in body


def test_a_bad_filter_value_is_named_not_fatal(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    response = login("officer_a").get("/matters/", {"opened_from": "not-a-date"})
    assert response.status_code == 200
    assert matter_a.number in response.content.decode()
    assert 'class="error"' in response.content.decode()


def test_an_agency_outside_scope_cannot_be_chosen(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    response = login("officer_b").get("/matters/", {"agency": province.county_a.pk})
    assert matter_a.number not in response.content.decode()


def test_it_pages_by_keyset(
    login: Callable[[str], Client], province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = [open_matter(province, title=f"检查{i}") for i in range(5)]
    monkeypatch.setattr("lawtrail.web.paging.PAGE_SIZE", 2)
    client = login("officer_a")
    first = client.get("/matters/").context["page"]
    assert [m.pk for m in first.items] == [opened[4].pk, opened[3].pk]
    assert first.newer is None
    second = client.get("/matters/", {"after": first.older}).context["page"]
    assert [m.pk for m in second.items] == [opened[2].pk, opened[1].pk]
    back = client.get("/matters/", {"before": second.newer}).context["page"]
    assert [m.pk for m in back.items] == [opened[4].pk, opened[3].pk]
    assert back.is_first
    last = client.get("/matters/", {"after": second.older}).context["page"]
    assert [m.pk for m in last.items] == [opened[0].pk]
    assert last.older is None


def test_a_broken_cursor_shows_the_first_page(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    response = login("officer_a").get("/matters/", {"after": "garbage"})
    assert response.status_code == 200
    assert matter_a.number in response.content.decode()
