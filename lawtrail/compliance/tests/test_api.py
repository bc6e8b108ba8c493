"""/api/v1/compliance: findings by scope (invariant 7), explanations (第二十四条: a justified
exception, never a hidden finding), the caller's deadlines, the rules and a unit's summary."""

from __future__ import annotations

from typing import Any

import pytest

from lawtrail.compliance.models import Explanation, Finding
from lawtrail.compliance.tests.test_queries import World, make_world
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import api_client
from lawtrail.records.tests.fixtures import matter as matter
from lawtrail.testing import Province

BASE = "/api/v1/compliance"


@pytest.fixture
def world(province: Province, matter: Matter, media: Media, evidence_home: Any) -> World:  # noqa: F811
    return make_world(province, matter, media)


def listed(officer: Any, **params: Any) -> set[int]:
    response = api_client(officer).get(f"{BASE}/findings", params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def test_findings_list_is_scoped(world: World) -> None:
    p = world.p
    assert listed(p.officer_b) == {world.late_b.pk, world.short_b.pk}
    assert listed(p.head_city) == {
        world.late_a.pk,
        world.late_b.pk,
        world.short_a.pk,
        world.short_b.pk,
    }
    assert len(listed(p.supervisor)) == 4
    assert listed(p.admin) == set()


def test_a_finding_names_rule_article_facts_and_officers(world: World) -> None:
    response = api_client(world.p.head_a).get(f"{BASE}/findings/{world.late_a.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["rule"] == "uploads.within_48h" and body["article"] == "第十九条"
    assert body["rule_title"] == "音像记录48小时内上传"
    assert body["severity"] == "high" and body["state"] == "closed"
    assert body["agency"]["region_code"] == "610102"
    assert body["matter_number"] == world.matter_a.number
    assert [o["username"] for o in body["officers"]] == ["officer_a"]
    assert body["opened_because"]["hours_taken"] and body["closed_because"]["fulfilled_late_at"]
    assert body["explanations"] == []


def test_officer_b_gets_404_for_county_a(world: World) -> None:
    response = api_client(world.p.officer_b).get(f"{BASE}/findings/{world.short_a.pk}")
    assert response.status_code == 404 and response.json()["detail"]


def test_pages_follow_the_cursor(world: World) -> None:
    client = api_client(world.p.supervisor)
    first = client.get(f"{BASE}/findings", {"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next"]
    second = client.get(f"{BASE}/findings", {"limit": 3, "after": first["next"]}).json()
    assert len(second["items"]) == 1 and second["next"] is None
    seen = {i["id"] for i in first["items"] + second["items"]}
    assert len(seen) == 4


@pytest.mark.parametrize(
    "params, field",
    [
        ({"rule": "no.such"}, "rule"),
        ({"state": "gone"}, "state"),
        ({"severity": "grave"}, "severity"),
        ({"agency": "999999"}, "agency"),
        ({"officer": "nobody"}, "officer"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "since"),
        ({"after": "not-a-cursor"}, "after"),
    ],
)
def test_bad_filters_are_422_with_a_message(
    world: World, params: dict[str, str], field: str
) -> None:
    response = api_client(world.p.supervisor).get(f"{BASE}/findings", params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] and field in body["fields"]


def test_filters_narrow(world: World) -> None:
    p = world.p
    assert listed(p.supervisor, agency="610103", state="open") == {world.short_b.pk}
    assert listed(p.supervisor, matter=world.matter_a.number, rule="uploads.within_48h") == {
        world.late_a.pk
    }


def test_the_head_explains_and_it_shows(world: World) -> None:
    client = api_client(world.p.head_a)
    response = client.post(
        f"{BASE}/findings/{world.short_a.pk}/explanations",
        {"reason": "执法证年审中，已补发"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["by"]["username"] == "head_a"
    body = client.get(f"{BASE}/findings/{world.short_a.pk}").json()
    assert [e["reason"] for e in body["explanations"]] == ["执法证年审中，已补发"]
    assert body["state"] == "open"  # explained, not hidden


def explain_as(officer: Any, finding: Finding, body: dict[str, Any], *, count: bool = False) -> Any:
    """Explain as ``officer``; with ``count``, also how many ledger events it wrote (the token
    is made first: making one is an event of its own)."""
    client = api_client(officer)
    before = Event.objects.count()
    response = client.post(
        f"{BASE}/findings/{finding.pk}/explanations", body, content_type="application/json"
    )
    return (response, Event.objects.count() - before) if count else response


def test_an_officer_may_not_explain_403_and_nothing_written(world: World) -> None:
    response, written = explain_as(
        world.p.officer_a, world.short_a, {"reason": "我觉得没问题"}, count=True
    )
    assert response.status_code == 403 and response.json()["detail"]
    assert Explanation.objects.count() == 0 and written == 0


def test_an_empty_reason_is_422_and_nothing_written(world: World) -> None:
    response, written = explain_as(world.p.head_a, world.short_a, {"reason": "   "}, count=True)
    assert response.status_code == 422
    assert "reason" in response.json()["fields"]
    assert Explanation.objects.count() == 0 and written == 0


def test_an_outsider_explaining_gets_404_and_nothing_written(world: World) -> None:
    response = explain_as(world.p.officer_b, world.short_a, {"reason": "x"})
    assert response.status_code == 404
    assert explain_as(world.p.head_a, world.short_b, {"reason": "x"}).status_code == 404
    assert Explanation.objects.count() == 0


def test_an_unknown_field_is_422(world: World) -> None:
    response = explain_as(world.p.head_a, world.short_a, {"reason": "x", "hide": True})
    assert response.status_code == 422
    assert Explanation.objects.count() == 0


def test_my_deadlines_are_the_callers(world: World) -> None:
    items = api_client(world.p.officer_a).get(f"{BASE}/deadlines").json()
    assert items[0]["finding_id"] == world.short_a.pk and items[0]["overdue"]
    assert items[0]["article"] == "第十条"
    assert all(i["finding_id"] != world.short_b.pk for i in items)
    assert api_client(world.p.admin).get(f"{BASE}/deadlines").json() == []


def test_rules_with_current_weights(world: World) -> None:
    from lawtrail.compliance.actions import set_rule_weight

    set_rule_weight(world.p.supervisor.user, "uploads.within_48h", weight=7, reason="加重")
    rules = {r["id"]: r for r in api_client(world.p.officer_b).get(f"{BASE}/rules").json()}
    assert rules["uploads.within_48h"]["weight"] == 7
    assert rules["uploads.within_48h"]["deadline"] == "48 hours"
    assert rules["staffing.two_certified"]["articles"][0] == "第十条"


def test_summary_by_rule_and_officer(world: World) -> None:
    response = api_client(world.p.head_city).get(f"{BASE}/summary", {"agency": "610102"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["agency"]["region_code"] == "610102" and body["open_findings"] == 1
    by_rule = {r["rule"]: r for r in body["by_rule"]}
    assert by_rule["uploads.within_48h"]["breached"] == 1
    assert by_rule["staffing.two_certified"]["open"] == 1
    assert {o["username"] for o in body["by_officer"]} == {"officer_a", "officer_a2"}


def test_summary_is_refused_outside_scope(world: World) -> None:
    p = world.p
    assert api_client(p.officer_a).get(f"{BASE}/summary").status_code == 403
    assert api_client(p.head_a).get(f"{BASE}/summary", {"agency": "610103"}).status_code == 404
