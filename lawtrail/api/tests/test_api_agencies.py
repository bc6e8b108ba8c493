"""/api/v1/agencies, /api/v1/people and /api/v1/me: the directory, and its administration by
system administrators only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lawtrail.agencies.models import Agency, Certificate, Officer
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client, expire, fast_password_hashing  # noqa: F401
from lawtrail.testing import Province

JSON = "application/json"


def codes(client: Client) -> list[str]:
    response = client.get("/api/v1/agencies")
    assert response.status_code == 200
    return [a["region_code"] for a in response.json()["items"]]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer_a", ["610102"]),
        ("officer_b", ["610103"]),
        ("head_city", ["610100", "610102", "610103"]),
        ("supervisor", ["610000", "610100", "610102", "610103"]),
        ("admin", ["610000", "610100", "610102", "610103"]),
    ],
)
def test_each_persona_lists_the_agencies_of_its_scope(
    province: Province, persona: str, expected: list[str]
) -> None:
    assert codes(api_client(getattr(province, persona))) == expected


def test_an_agency_shows_its_parent(province: Province) -> None:
    [county] = api_client(province.officer_a).get("/api/v1/agencies").json()["items"]
    assert county["name"] == "新城区卫生健康局"
    assert county["parent"] == "610100"
    assert county["level"] == "county"


def test_the_people_of_an_agency_come_with_roles_and_certificates(province: Province) -> None:
    response = api_client(province.officer_a).get("/api/v1/agencies/610102/people")
    assert response.status_code == 200
    people = {p["username"]: p for p in response.json()["items"]}
    assert set(people) == {"officer_a", "officer_a2", "head_a", "reviewer_a", "assistant_a"}
    assert people["head_a"]["roles"] == ["head", "officer"]
    assert people["officer_a"]["certificates"][0]["number"] == "61010200001"
    assert people["officer_a"]["can_enforce"] is True
    assert people["assistant_a"]["employment"] == "assistant"
    assert people["assistant_a"]["can_enforce"] is False
    assert people["reviewer_a"]["can_enforce"] is False


def test_can_enforce_agrees_with_the_model(province: Province) -> None:
    """The directory computes 第十条 on prefetched rows; it must say what the model says."""
    expire(province.officer_a2.certificates.get())
    Certificate.objects.filter(officer=province.head_a).update(status="suspended")
    listed = api_client(province.admin).get("/api/v1/agencies/610102/people").json()["items"]
    for person in listed:
        officer = Officer.objects.get(pk=person["id"])
        assert person["can_enforce"] is officer.can_enforce(), person["username"]


def test_people_of_an_agency_out_of_scope_are_not_found(province: Province) -> None:
    response = api_client(province.officer_a).get("/api/v1/agencies/610103/people")
    assert response.status_code == 404
    response = api_client(province.officer_a).get("/api/v1/people/officer_b")
    assert response.status_code == 404


def test_me_says_who_i_am(province: Province) -> None:
    me = api_client(province.head_a).get("/api/v1/me").json()
    assert me["username"] == "head_a"
    officer = me["officer"]
    assert officer["name"] == "王强"
    assert officer["agency"] == {
        "region_code": "610102",
        "name": "新城区卫生健康局",
        "level": "county",
    }
    assert officer["roles"] == ["head", "officer"]
    assert officer["can_enforce"] is True


def test_the_administrator_creates_an_agency(province: Province) -> None:
    admin = api_client(province.admin)
    body = {
        "name": "莲湖区卫生健康局",
        "level": "county",
        "region_code": "610104",
        "short_name": "莲",
        "parent_code": "610100",
    }
    response = admin.post("/api/v1/agencies", body, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == "610100"
    assert Agency.objects.get(region_code="610104").path == "610000/610100/610104/"


@pytest.mark.parametrize("persona", ["supervisor", "head_city", "officer_a"])
def test_nobody_else_administers(province: Province, persona: str) -> None:
    client = api_client(getattr(province, persona))
    before = Event.objects.count()
    agency = {
        "name": "莲湖区卫生健康局",
        "level": "county",
        "region_code": "610104",
        "short_name": "莲",
        "parent_code": "610100",
    }
    person = {"username": "new_one", "name": "新人", "roles": ["officer"]}
    certificate = {
        "number": "X1",
        "issuer": "province_health_commission",
        "valid_from": "2026-01-01",
        "valid_to": "2027-01-01",
    }
    assert client.post("/api/v1/agencies", agency, content_type=JSON).status_code == 403
    response = client.post("/api/v1/agencies/610102/people", person, content_type=JSON)
    assert response.status_code == 403
    response = client.post("/api/v1/people/officer_a2/certificates", certificate, content_type=JSON)
    assert response.status_code in (403, 404)
    assert Event.objects.count() == before
    assert not Agency.objects.filter(region_code="610104").exists()


def test_the_administrator_creates_a_person_and_gives_a_certificate(province: Province) -> None:
    admin = api_client(province.admin)
    response = admin.post(
        "/api/v1/agencies/610103/people",
        {"username": "officer_b3", "name": "郑爽", "roles": ["officer"]},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    person = response.json()
    assert person["agency"]["region_code"] == "610103"
    assert person["can_enforce"] is False
    response = admin.post(
        "/api/v1/people/officer_b3/certificates",
        {
            "number": "61010300003",
            "issuer": "province_legal_office",
            "valid_from": "2024-01-01",
            "valid_to": "2099-12-31",
        },
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert response.json()["in_force"] is True
    person = admin.get("/api/v1/people/officer_b3").json()
    assert person["can_enforce"] is True
    response = admin.post(
        "/api/v1/people/officer_b3/certificates/61010300003/status",
        {"status": "suspended"},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert response.json()["in_force"] is False
    assert admin.get("/api/v1/people/officer_b3").json()["can_enforce"] is False


@pytest.mark.parametrize(
    ("url", "body", "status", "field"),
    [
        (
            "/api/v1/agencies/610102/people",
            {"username": "officer_a", "name": "重名"},
            422,
            "username",
        ),
        ("/api/v1/agencies/999999/people", {"username": "x", "name": "某"}, 422, "agency"),
        (
            "/api/v1/agencies/610102/people",
            {"username": "y", "name": "某", "roles": ["king"]},
            422,
            "roles",
        ),
        (
            "/api/v1/agencies",
            {
                "name": "某",
                "level": "county",
                "region_code": "6101",
                "short_name": "某",
                "parent_code": "610100",
            },
            422,
            "region_code",
        ),
        (
            "/api/v1/people/assistant_a/certificates",
            {
                "number": "Z1",
                "issuer": "province_health_commission",
                "valid_from": "2026-01-01",
                "valid_to": "2027-01-01",
            },
            422,
            "officer",
        ),
        (
            "/api/v1/people/officer_a2/certificates",
            {
                "number": "Z2",
                "issuer": "province_health_commission",
                "valid_from": "2026-13-01",
                "valid_to": "2027-01-01",
            },
            422,
            "valid_from",
        ),
    ],
)
def test_bad_directory_input_is_refused_naming_the_field(
    province: Province, url: str, body: dict[str, Any], status: int, field: str
) -> None:
    admin = api_client(province.admin)
    before = Event.objects.count()
    response = admin.post(url, body, content_type=JSON)
    assert response.status_code == status, response.content
    assert field in response.json()["fields"]
    assert Event.objects.count() == before


def test_an_unknown_person_or_certificate_is_not_found(province: Province) -> None:
    admin = api_client(province.admin)
    assert admin.get("/api/v1/people/nobody").status_code == 404
    response = admin.post(
        "/api/v1/people/officer_a/certificates/NOPE/status",
        {"status": "revoked"},
        content_type=JSON,
    )
    assert response.status_code == 404
