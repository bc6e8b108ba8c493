"""GET /api/v1/matters: visible matters, newest first, filtered, one keyset page at a time."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import (  # noqa: F401
    api_client,
    fast_password_hashing,
    open_matter,
    organisation_party,
    person_party,
)
from lawtrail.testing import Province


def listing(client: Client, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/v1/matters{query}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def numbers(body: dict[str, Any]) -> list[str]:
    return [item["number"] for item in body["items"]]


@pytest.fixture
def matters(province: Province) -> dict[str, Matter]:
    p = province
    made = {
        "inspection": open_matter(p, title="餐饮检查", place="解放路1号"),
        "penalty": open_matter(
            p,
            kind="penalty",
            title="无证行医",
            place="东五路3号",
            parties=[person_party("王小明", "11010519491231002X")],
        ),
        "sampling": open_matter(
            p,
            kind="sampling",
            title="饮用水抽检",
            place="自来水厂",
            parties=[organisation_party("西安水务集团")],
        ),
        "b": open_matter(
            p, by=p.officer_b, handlers=[p.officer_b.pk, p.officer_b2.pk], lead=p.officer_b.pk
        ),
    }
    # Opened on different days, so that the date filters have something to tell apart.
    base = timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 0))
    for days, matter in enumerate(made.values()):
        Matter.objects.filter(pk=matter.pk).update(opened_at=base + datetime.timedelta(days=days))
    return made


def test_it_lists_visible_matters_newest_first(
    province: Province, matters: dict[str, Matter]
) -> None:
    body = listing(api_client(province.officer_a))
    assert [i["title"] for i in body["items"]] == ["饮用水抽检", "无证行医", "餐饮检查"]
    assert body["next"] is None
    item = body["items"][1]
    assert item["kind"] == "penalty" and item["stage"] == "initiation"
    assert item["parties"] == ["王小明"]
    assert item["agency"]["region_code"] == "610102"


def test_the_city_head_sees_both_counties(province: Province, matters: dict[str, Matter]) -> None:
    assert len(listing(api_client(province.head_city))["items"]) == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=penalty", ["无证行医"]),
        ("?stage=initiation", ["饮用水抽检", "无证行医", "餐饮检查"]),
        ("?stage=review", []),
        ("?party=王小", ["无证行医"]),
        ("?party=1231002x", ["无证行医"]),  # part of the ID number, any case
        ("?party=水务", ["饮用水抽检"]),
        ("?q=解放路", ["餐饮检查"]),
        ("?q=水务集团", ["饮用水抽检"]),
        ("?q=新卫立", ["无证行医"]),  # the number of the penalty matter
        ("?opened_from=2026-03-02", ["饮用水抽检", "无证行医"]),
        ("?opened_to=2026-03-01", ["餐饮检查"]),
        ("?opened_from=2026-03-02&opened_to=2026-03-02", ["无证行医"]),
        ("?agency=610102", ["饮用水抽检", "无证行医", "餐饮检查"]),
        ("?agency=610103", []),  # out of scope: nothing, not an error
        ("?kind=sampling&q=抽检", ["饮用水抽检"]),
    ],
)
def test_the_filters(
    province: Province, matters: dict[str, Matter], query: str, expected: list[str]
) -> None:
    body = listing(api_client(province.officer_a), query)
    assert [i["title"] for i in body["items"]] == expected


def test_the_agency_filter_includes_the_agencies_below(
    province: Province, matters: dict[str, Matter]
) -> None:
    client = api_client(province.head_city)
    assert len(listing(client, "?agency=610100")["items"]) == 4
    assert len(listing(client, "?agency=610103")["items"]) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?kind=coercion", "kind"),
        ("?stage=appeal", "stage"),
        ("?opened_from=yesterday", "opened_from"),
        ("?opened_from=2026-03-03&opened_to=2026-03-01", "opened_from"),
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?after=not-a-cursor", "after"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(
    province: Province, matters: dict[str, Matter], query: str, field: str
) -> None:
    response = api_client(province.officer_a).get(f"/api/v1/matters{query}")
    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_pages_follow_one_another_without_gaps_or_repeats(province: Province) -> None:
    for i in range(7):
        open_matter(province, title=f"检查{i}")
    # Same opening time for several rows: the id breaks the tie.
    moment = timezone.now()
    Matter.objects.filter(title__in=["检查2", "检查3", "检查4"]).update(opened_at=moment)
    client = api_client(province.officer_a)
    everything = numbers(listing(client, "?limit=200"))
    seen: list[str] = []
    query = "?limit=3"
    pages = 0
    while True:
        body = listing(client, query)
        seen += numbers(body)
        pages += 1
        if body["next"] is None:
            break
        query = f"?limit=3&after={body['next']}"
    assert pages == 3
    assert seen == everything
    assert len(set(seen)) == 7


def test_a_new_matter_does_not_shift_the_next_page(province: Province) -> None:
    for i in range(4):
        open_matter(province, title=f"检查{i}")
    client = api_client(province.officer_a)
    first = listing(client, "?limit=2")
    open_matter(province, title="新来的")
    second = listing(client, f"?limit=2&after={first['next']}")
    assert [i["title"] for i in first["items"] + second["items"]] == [
        "检查3",
        "检查2",
        "检查1",
        "检查0",
    ]


def test_the_default_page_is_fifty(province: Province) -> None:
    for _ in range(51):
        open_matter(province)
    body = listing(api_client(province.officer_a))
    assert len(body["items"]) == 50
    assert body["next"]
