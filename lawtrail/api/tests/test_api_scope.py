"""Scope through the API (invariant 7): each persona lists exactly the matters it may see;
a matter out of scope is 404 to read and to change, one in sight but not one's own is 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import (  # noqa: F401
    PERSON_ID,
    SEES,
    api_client,
    fast_password_hashing,
    open_matter,
    snapshot,
)
from lawtrail.testing import Province


@pytest.mark.parametrize(("persona", "expected"), SEES.items())
def test_each_persona_lists_and_reads_exactly_its_scope(
    province: Province, matters: dict[str, Matter], persona: str, expected: set[str]
) -> None:
    client = api_client(getattr(province, persona))
    listed = {item["id"] for item in client.get("/api/v1/matters").json()["items"]}
    assert listed == {matters[key].pk for key in expected}
    for key, matter in matters.items():
        for path in ("", "/timeline"):
            response = client.get(f"/api/v1/matters/{matter.pk}{path}")
            assert response.status_code == (200 if key in expected else 404)


def test_a_login_without_an_officer_profile_sees_nothing(
    province: Province, matters: dict[str, Matter]
) -> None:
    stranger = get_user_model().objects.create_user("stranger", password="x" * 12)
    client = api_client(user=stranger)
    assert client.get("/api/v1/matters").json() == {"items": [], "next": None}
    assert client.get(f"/api/v1/matters/{matters['a'].pk}").status_code == 404
    assert client.get("/api/v1/agencies").json() == {"items": [], "next": None}
    me = client.get("/api/v1/me").json()
    assert me == {"username": "stranger", "officer": None}
    response = client.post("/api/v1/matters", {}, content_type="application/json")
    assert response.status_code == 422  # the body is checked before the profile
    response = client.post(
        "/api/v1/matters",
        {
            "kind": "inspection",
            "title": "t",
            "place": "p",
            "parties": [{"type": "person", "name": "n", "id_number": PERSON_ID}],
            "handlers": [province.officer_a.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 403


WRITES: dict[str, tuple[str, dict[str, Any]]] = {
    "handlers": ("/handlers", {"officer_id": 0}),
    "parties": ("/parties", {"type": "person", "name": "李四", "id_number": PERSON_ID}),
    "gis": ("/gis-points", {"latitude": 34.2, "longitude": 108.9}),
    "approval": ("/approvals", {"subject": "filing"}),
    "stage": ("/stage", {"stage": "investigation"}),
    "return": ("/return", {"reason": "补充证据"}),
    "review": ("/review-requirements", {"needs_legal_review": True}),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer_b", 404),
        ("admin", 404),
        ("supervisor", 403),
        ("head_city", 403),
        ("reviewer_a", 403),
    ],
)
def test_writes_from_outside_the_matter_are_refused_and_change_nothing(
    province: Province, matters: dict[str, Matter], write: str, persona: str, status: int
) -> None:
    path, body = WRITES[write]
    if write == "handlers":
        body = {"officer_id": province.officer_a2.pk}
    client: Client = api_client(getattr(province, persona))
    before = snapshot()
    response = client.post(
        f"/api/v1/matters/{matters['a'].pk}{path}", body, content_type="application/json"
    )
    assert response.status_code == status
    assert response.json()["detail"]
    assert snapshot() == before


def test_a_decision_from_the_wrong_head_is_refused(
    province: Province, matters: dict[str, Matter]
) -> None:
    asked = api_client(province.officer_a).post(
        f"/api/v1/matters/{matters['a'].pk}/approvals",
        {"subject": "filing"},
        content_type="application/json",
    )
    url = f"/api/v1/matters/{matters['a'].pk}/approvals/{asked.json()['id']}/decision"
    outsiders = [("head_city", 403), ("supervisor", 403), ("officer_b", 404)]
    clients = [(api_client(getattr(province, persona)), status) for persona, status in outsiders]
    before = snapshot()
    for client, status in clients:
        response = client.post(
            url, {"approve": True, "opinion": "同意"}, content_type="application/json"
        )
        assert response.status_code == status
    assert snapshot() == before
