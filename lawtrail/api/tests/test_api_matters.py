"""/api/v1/matters: opening a matter and every change of it, through the same actions the
pages use. The API answers with the matter as it now is."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lawtrail.ledger.models import Event
from lawtrail.matters.gis import wgs84_to_gcj02
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import (  # noqa: F401
    CREDIT_CODE,
    PERSON_ID,
    advance_to,
    api_client,
    expire,
    fast_password_hashing,
    matter_json,
    matters_rules_only,
    open_matter,
    snapshot,
)
from lawtrail.testing import Province

JSON = "application/json"


def post(client: Client, url: str, body: Any) -> tuple[int, Any]:
    response = client.post(url, body, content_type=JSON)
    return response.status_code, response.json()


@pytest.fixture
def a(province: Province) -> Client:
    return api_client(province.officer_a)


@pytest.fixture
def head(province: Province) -> Client:
    return api_client(province.head_a)


@pytest.fixture
def matter(province: Province, a: Client) -> dict[str, Any]:
    status, body = post(a, "/api/v1/matters", matter_json(province, kind="penalty"))
    assert status == 201, body
    return body


def test_an_officer_opens_a_matter_in_their_own_agency(province: Province, a: Client) -> None:
    body = matter_json(
        province,
        parties=[
            {"type": "person", "name": "张三", "id_number": PERSON_ID.lower()},
            {"type": "organisation", "name": "某某公司", "credit_code": CREDIT_CODE},
        ],
        gis_points=[{"latitude": 34.261, "longitude": 108.9422, "label": "现场"}],
        flags={"av_contentious": True},
    )
    status, matter = post(a, "/api/v1/matters", body)
    assert status == 201, matter
    assert matter["agency"]["region_code"] == "610102"
    assert matter["stage"] == "initiation" and matter["next_stage"] == "investigation"
    assert matter["number"].startswith("新卫检〔")
    assert [p["id_number"] for p in matter["parties"]] == [PERSON_ID, ""]
    assert matter["av_mandatory"] is True and matter["flags"]["av_contentious"] is True
    assert matter["needs_legal_review"] is False
    assert matter["opened_by"]["username"] == "officer_a"
    lead, other = matter["handlers"]
    assert (lead["username"], lead["lead"], other["lead"]) == ("officer_a", True, False)
    assert lead["can_enforce"] is True
    assert lead["certificates"][0]["in_force"] is True
    assert matter["gis_points"][0]["wgs84"] == {
        "datum": "WGS-84",
        "latitude": 34.261,
        "longitude": 108.9422,
    }
    assert a.get(f"/api/v1/matters/{matter['id']}").json() == matter


def test_the_detail_shows_a_handlers_lapsed_certificate(
    province: Province, a: Client, matter: dict[str, Any]
) -> None:
    expire(province.officer_a2.certificates.get())
    detail = a.get(f"/api/v1/matters/{matter['id']}").json()
    second = next(h for h in detail["handlers"] if h["username"] == "officer_a2")
    assert second["can_enforce"] is False
    assert second["certificates"][0]["in_force"] is False


def test_handlers_parties_and_gis_points_are_added(
    province: Province, a: Client, matter: dict[str, Any]
) -> None:
    url = f"/api/v1/matters/{matter['id']}"
    status, handler = post(a, f"{url}/handlers", {"officer_id": province.head_a.pk})
    assert status == 201 and handler["username"] == "head_a" and handler["lead"] is False
    status, party = post(
        a, f"{url}/parties", {"type": "person", "name": "李四", "id_number": PERSON_ID}
    )
    assert status == 201 and party["name"] == "李四"
    gcj = wgs84_to_gcj02(34.261, 108.9422)
    given = {"latitude": round(gcj[0], 6), "longitude": round(gcj[1], 6), "datum": "GCJ-02"}
    status, point = post(a, f"{url}/gis-points", given)
    assert status == 201
    assert point["given"] == given
    assert abs(point["wgs84"]["latitude"] - 34.261) < 1e-5
    assert abs(point["wgs84"]["longitude"] - 108.9422) < 1e-5
    detail = a.get(url).json()
    assert len(detail["handlers"]) == 3 and len(detail["parties"]) == 2
    assert len(detail["gis_points"]) == 1


def test_an_assistant_is_never_made_lead(
    province: Province, a: Client, matter: dict[str, Any]
) -> None:
    """第十条."""
    before = snapshot()
    status, body = post(
        a,
        f"/api/v1/matters/{matter['id']}/handlers",
        {"officer_id": province.assistant_a.pk, "lead": True},
    )
    assert status == 422
    assert "lead" in body["fields"]
    assert snapshot() == before


def test_the_approval_flow_of_article_16(
    province: Province, a: Client, head: Client, matter: dict[str, Any]
) -> None:
    url = f"/api/v1/matters/{matter['id']}"
    status, asked = post(a, f"{url}/approvals", {"subject": "filing", "note": "拟立案"})
    assert status == 201
    assert asked["outcome"] == "pending" and asked["requested_by"]["username"] == "officer_a"
    decision = f"{url}/approvals/{asked['id']}/decision"
    status, body = post(a, decision, {"approve": True, "opinion": "同意"})
    assert status == 403  # a handler is not the head
    status, body = post(head, decision, {"approve": True, "opinion": ""})
    assert status == 422 and "opinion" in body["fields"]
    status, decided = post(head, decision, {"approve": True, "opinion": "同意立案"})
    assert status == 200
    assert decided["outcome"] == "approved"
    assert decided["decided_by"]["username"] == "head_a"
    assert decided["opinion"] == "同意立案"
    status, body = post(head, decision, {"approve": False, "opinion": "改主意"})
    assert status == 422  # decided once
    status, moved = post(a, f"{url}/stage", {"stage": "investigation"})
    assert status == 200 and moved["stage"] == "investigation"
    assert moved["approvals"][0]["outcome"] == "approved"


def test_an_approval_of_another_matter_is_not_found(
    province: Province, a: Client, head: Client, matter: dict[str, Any]
) -> None:
    other = post(a, "/api/v1/matters", matter_json(province))[1]
    asked = post(a, f"/api/v1/matters/{other['id']}/approvals", {"subject": "filing"})[1]
    url = f"/api/v1/matters/{matter['id']}/approvals/{asked['id']}/decision"
    assert post(head, url, {"approve": True, "opinion": "同意"})[0] == 404


def test_a_refused_stage_change_lists_every_unmet_condition(
    province: Province, matter: dict[str, Any]
) -> None:
    client = api_client(province.officer_a)
    before = snapshot()
    status, body = post(client, f"/api/v1/matters/{matter['id']}/stage", {"stage": "review"})
    assert status == 409
    assert body["unmet"] == [
        {"code": "stage.order", "article": "第三条", "message": body["unmet"][0]["message"]}
    ]
    status, body = post(client, f"/api/v1/matters/{matter['id']}/stage", {"stage": "investigation"})
    assert status == 409
    assert [u["code"] for u in body["unmet"]] == ["approval.filing"]
    assert body["unmet"][0]["article"] == "第十六条"
    assert body["detail"]
    assert snapshot() == before


def test_return_for_investigation_needs_a_matter_under_review(
    province: Province, a: Client, matter: dict[str, Any]
) -> None:
    status, body = post(a, f"/api/v1/matters/{matter['id']}/return", {"reason": "补充证据"})
    assert status == 409
    status, body = post(a, f"/api/v1/matters/{matter['id']}/return", {})
    assert status == 422 and "reason" in body["fields"]


@pytest.mark.usefixtures("matters_rules_only")
def test_a_matter_under_review_is_returned_for_investigation(
    province: Province, a: Client, head: Client
) -> None:
    matter = advance_to(province, open_matter(province), "review")
    status, body = post(a, f"/api/v1/matters/{matter.pk}/return", {"reason": "证据不足"})
    assert status == 200
    assert body["stage"] == "investigation"
    assert body["stage_changes"][-1]["reason"] == "证据不足"


def test_review_requirements_are_set(province: Province, a: Client, matter: dict[str, Any]) -> None:
    url = f"/api/v1/matters/{matter['id']}/review-requirements"
    status, body = post(a, url, {"needs_legal_review": True})
    assert status == 200
    assert (body["needs_legal_review"], body["needs_collective_discussion"]) == (True, False)
    status, body = post(a, url, {"needs_collective_discussion": True})
    assert (body["needs_legal_review"], body["needs_collective_discussion"]) == (True, True)
    status, body = post(api_client(province.reviewer_a), url, {"needs_legal_review": False})
    assert status == 403


def test_the_timeline_is_the_matters_ledger_events_in_order(
    province: Province, a: Client, head: Client, matter: dict[str, Any]
) -> None:
    url = f"/api/v1/matters/{matter['id']}"
    post(a, f"{url}/parties", {"type": "person", "name": "李四", "id_number": PERSON_ID})
    post(a, f"{url}/approvals", {"subject": "filing"})
    post(a, f"{url}/stage", {"stage": "review"})  # refused: no event
    timeline = a.get(f"{url}/timeline").json()
    items = timeline["items"]
    assert [e["action"] for e in items] == [
        "matter.opened",
        "matter.party_added",
        "approval.requested",
    ]
    assert [e["seq"] for e in items] == sorted(e["seq"] for e in items)
    assert items[0]["actor"] == "officer_a"
    assert items[0]["object"] == f"matters.matter/{matter['id']}"
    assert items[0]["payload"]["number"] == matter["number"]
    assert items[1]["payload"] == {"type": "person", "name": "李四", "id": PERSON_ID}
    assert timeline["next"] is None
    first = a.get(f"{url}/timeline?limit=2").json()
    rest = a.get(f"{url}/timeline?limit=2&after={first['next']}").json()
    assert first["items"] + rest["items"] == items
    assert rest["next"] is None


def test_nothing_in_the_api_writes_a_matter_without_its_event(
    province: Province, a: Client, matter: dict[str, Any]
) -> None:
    assert Matter.objects.count() == 1
    timeline = a.get(f"/api/v1/matters/{matter['id']}/timeline").json()
    changes = [e["action"] for e in timeline["items"] if e["action"] != "matter.viewed"]
    assert changes == ["matter.opened"]


def test_reading_a_matter_is_itself_an_event(
    province: Province, a: Client, matter: dict[str, Any]
) -> None:
    """第二十条: consulting a case file is known; a refused read writes nothing about it."""
    before = Event.objects.filter(action="matter.viewed").count()
    assert a.get(f"/api/v1/matters/{matter['id']}").status_code == 200
    viewed = Event.objects.filter(action="matter.viewed").order_by("-seq").first()
    assert viewed is not None and viewed.actor == "officer_a"
    assert Event.objects.filter(action="matter.viewed").count() == before + 1
    b = api_client(province.officer_b)
    assert b.get(f"/api/v1/matters/{matter['id']}").status_code == 404
    assert Event.objects.filter(action="matter.viewed").count() == before + 1
