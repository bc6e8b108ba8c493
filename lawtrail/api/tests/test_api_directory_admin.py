"""/api/v1/agencies and its people as pages with filters (§5), the 文号 template as data
(卫生部令第87号 第四条) and a person's employment (第十条)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.agencies.models import Agency, Certificate, Officer
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Handler, Matter, Stage
from lawtrail.matters.tests.factories import api_client, expire, fast_password_hashing  # noqa: F401
from lawtrail.records.tests.helpers import fields, open_matter
from lawtrail.testing import Province

JSON = "application/json"


def payload(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(bytes(event.body))["payload"]
    return data


def codes(page: dict[str, Any]) -> list[str]:
    return [a["region_code"] for a in page["items"]]


def usernames(page: dict[str, Any]) -> list[str]:
    return [p["username"] for p in page["items"]]


# ---------------------------------------------------------------- agencies: pages and filters


def test_agencies_come_in_pages_from_the_province_down(province: Province) -> None:
    admin = api_client(province.admin)
    first = admin.get("/api/v1/agencies", {"limit": 3}).json()
    assert codes(first) == ["610000", "610100", "610102"]
    assert first["next"]
    rest = admin.get("/api/v1/agencies", {"limit": 3, "after": first["next"]}).json()
    assert rest == {"items": rest["items"], "next": None}
    assert codes(rest) == ["610103"]
    assert first["items"][0]["number_template"] == "{short}卫{nature}〔{year}〕{seq}号"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"level": "county"}, ["610102", "610103"]),
        ({"parent": "610100"}, ["610102", "610103"]),
        ({"parent": "610102"}, []),
        ({"q": "碑林"}, ["610103"]),
        ({"q": "610100"}, ["610100"]),
        ({"level": "city", "q": "西安"}, ["610100"]),
    ],
)
def test_agencies_are_filtered(
    province: Province, query: dict[str, str], expected: list[str]
) -> None:
    response = api_client(province.admin).get("/api/v1/agencies", query)
    assert response.status_code == 200, response.content
    assert codes(response.json()) == expected


def test_filters_never_reach_past_the_scope(province: Province) -> None:
    """Invariant 7: officer_a's directory is county A, whatever the filter asks for."""
    client = api_client(province.officer_a)
    assert codes(client.get("/api/v1/agencies", {"q": "碑林"}).json()) == []
    assert codes(client.get("/api/v1/agencies", {"parent": "610100"}).json()) == ["610102"]


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/agencies", {"level": "planet"}, "level"),
        ("/api/v1/agencies", {"parent": "6101"}, "parent"),
        ("/api/v1/agencies", {"limit": 0}, "limit"),
        ("/api/v1/agencies", {"after": "not-a-cursor"}, "after"),
        ("/api/v1/agencies/610102/people", {"role": "king"}, "role"),
        ("/api/v1/agencies/610102/people", {"employment": "volunteer"}, "employment"),
        ("/api/v1/agencies/610102/people", {"active": "maybe"}, "active"),
        ("/api/v1/agencies/610102/people", {"certificate_valid": "perhaps"}, "certificate_valid"),
        ("/api/v1/agencies/610102/people", {"limit": 500}, "limit"),
    ],
)
def test_a_bad_filter_is_422_naming_it(
    province: Province, url: str, query: dict[str, Any], field: str
) -> None:
    response = api_client(province.admin).get(url, query)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]


# ---------------------------------------------------------------- people: pages and filters


def test_people_come_in_pages_by_name(province: Province) -> None:
    admin = api_client(province.admin)
    everyone = admin.get("/api/v1/agencies/610102/people").json()
    assert everyone["next"] is None
    assert len(everyone["items"]) == 5
    names = [p["name"] for p in everyone["items"]]
    assert names == sorted(names)
    first = admin.get("/api/v1/agencies/610102/people", {"limit": 2}).json()
    second = admin.get("/api/v1/agencies/610102/people", {"limit": 2, "after": first["next"]})
    third = admin.get(
        "/api/v1/agencies/610102/people", {"limit": 2, "after": second.json()["next"]}
    ).json()
    paged = usernames(first) + usernames(second.json()) + usernames(third)
    assert paged == usernames(everyone)
    assert third["next"] is None


def test_people_are_filtered(province: Province) -> None:
    province.officer_a2.user.is_active = False
    province.officer_a2.user.save()
    Certificate.objects.filter(officer=province.head_a).update(status="suspended")
    client = api_client(province.admin)

    def listed(**query: str) -> set[str]:
        response = client.get("/api/v1/agencies/610102/people", query)
        assert response.status_code == 200, response.content
        return set(usernames(response.json()))

    assert listed(role="head") == {"head_a"}
    assert listed(role="officer") == {"officer_a", "officer_a2", "head_a", "assistant_a"}
    assert listed(employment="assistant") == {"assistant_a"}
    assert listed(active="false") == {"officer_a2"}
    assert "officer_a2" not in listed(active="true")
    assert listed(q="张明") == {"officer_a"}
    assert listed(q="officer_a") == {"officer_a", "officer_a2"}
    # 第十条: a suspended certificate is not in force.
    assert listed(certificate_valid="true") == {"officer_a", "officer_a2"}
    assert listed(certificate_valid="false") == {"head_a", "reviewer_a", "assistant_a"}
    assert listed(role="officer", certificate_valid="true", active="true") == {"officer_a"}


def test_an_expired_certificate_is_not_valid(province: Province) -> None:
    expire(province.officer_a.certificates.get())
    response = api_client(province.admin).get(
        "/api/v1/agencies/610102/people", {"certificate_valid": "true"}
    )
    assert set(usernames(response.json())) == {"officer_a2", "head_a"}


# ---------------------------------------------------------------- the 文号 template


NEW_COUNTY = {
    "name": "莲湖区卫生健康局",
    "level": "county",
    "region_code": "610104",
    "short_name": "莲",
    "parent_code": "610100",
}


def test_the_administrator_creates_an_agency_with_a_template(province: Province) -> None:
    body = {**NEW_COUNTY, "number_template": "{short}卫{nature}〔{year}〕第{seq:03d}号"}
    response = api_client(province.admin).post("/api/v1/agencies", body, content_type=JSON)
    assert response.status_code == 201, response.content
    assert response.json()["number_template"] == "{short}卫{nature}〔{year}〕第{seq:03d}号"
    agency = Agency.objects.get(region_code="610104")
    assert agency.number_template == "{short}卫{nature}〔{year}〕第{seq:03d}号"


def test_a_custom_template_numbers_the_next_decision(province: Province) -> None:
    """End to end: set through the API, then a 行政处罚决定书 takes its 文号 from it
    (卫生部令第87号 第四条)."""
    admin = api_client(province.admin)
    before = Event.objects.count()
    response = admin.post(
        "/api/v1/agencies/610102/number-template",
        {"number_template": "陕卫{nature}〔{year}〕第{seq}号"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["number_template"] == "陕卫{nature}〔{year}〕第{seq}号"
    [event] = Event.objects.order_by("seq")[before:]
    assert event.action == "agency.number_template_set"
    assert payload(event)["before"] == "{short}卫{nature}〔{year}〕{seq}号"

    matter = open_matter(province, kind="penalty")
    response = api_client(province.officer_a).post(
        f"/api/v1/matters/{matter.pk}/records",
        {"record_type": "decision", "fields": fields("decision")},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    year = timezone.localdate().year
    assert response.json()["number"] == f"陕卫罚〔{year}〕第1号"


@pytest.mark.parametrize(
    ("template", "named"),
    [
        ("{short}卫{nature}〔{year}〕{sequence}号", "{sequence}"),
        ("{short}卫{nature}〔{year}〕号", "{seq}"),
        ("{short}卫{nature}〔2026〕{seq}号", "{year}"),
        # Without {nature} a 告知书 and a 决定书 would get the same number.
        ("陕卫罚〔{year}〕第{seq}号", "{nature}"),
        ("{short}卫{nature}〔{year}〕{seq:x}号", "{seq}"),
        ("{short:>3}卫{nature}〔{year}〕{seq}号", "{short}"),
        ("{short}卫{nature}〔{year}〕{seq!r}号", "{seq}"),
        ("{short}卫{nature}〔{year}〕{}号", "{}"),
        ("{short}卫{nature}〔{year}〕{seq号", ""),
        ("   ", ""),
    ],
)
def test_a_bad_template_is_refused_naming_the_placeholder(
    province: Province, template: str, named: str
) -> None:
    client = api_client(province.admin)
    before = Event.objects.count()
    response = client.post(
        "/api/v1/agencies/610102/number-template",
        {"number_template": template},
        content_type=JSON,
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert "number_template" in body["fields"]
    assert named in body["detail"]
    assert Event.objects.count() == before
    province.county_a.refresh_from_db()
    assert province.county_a.number_template == "{short}卫{nature}〔{year}〕{seq}号"


def test_a_bad_template_refuses_the_new_agency(province: Province) -> None:
    body = {**NEW_COUNTY, "number_template": "{short}卫{kind}〔{year}〕{seq}号"}
    response = api_client(province.admin).post("/api/v1/agencies", body, content_type=JSON)
    assert response.status_code == 422
    assert "number_template" in response.json()["fields"]
    assert not Agency.objects.filter(region_code="610104").exists()


@pytest.mark.parametrize(("persona", "status"), [("head_a", 403), ("officer_b", 404)])
def test_only_the_administrator_sets_the_template(
    province: Province, persona: str, status: int
) -> None:
    client = api_client(getattr(province, persona))
    before = Event.objects.count()
    response = client.post(
        "/api/v1/agencies/610102/number-template",
        {"number_template": "{short}卫{nature}〔{year}〕第{seq}号"},
        content_type=JSON,
    )
    assert response.status_code == status
    assert Event.objects.count() == before


# ---------------------------------------------------------------- employment (第十条)


def employment(client: Any, username: str, value: str, reason: str = "人事变动") -> Any:
    return client.post(
        f"/api/v1/people/{username}/employment",
        {"employment": value, "reason": reason},
        content_type=JSON,
    )


@pytest.mark.parametrize("persona", ["admin", "head_a"])
def test_the_administrator_or_the_head_changes_employment(province: Province, persona: str) -> None:
    client = api_client(getattr(province, persona))
    before = Event.objects.count()
    response = employment(client, "officer_a2", "contract")
    assert response.status_code == 200, response.content
    assert response.json()["employment"] == "contract"
    assert response.json()["can_enforce"] is False
    [event] = Event.objects.order_by("seq")[before:]
    assert event.action == "person.employment_changed"
    assert payload(event)["before"] == "established"
    assert payload(event)["after"] == "contract"
    assert payload(event)["reason"] == "人事变动"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("officer_a", 403), ("head_city", 403), ("supervisor", 403), ("officer_b", 404)],
)
def test_nobody_else_changes_employment(province: Province, persona: str, status: int) -> None:
    client = api_client(getattr(province, persona))
    before = Event.objects.count()
    response = employment(client, "officer_a2", "assistant")
    assert response.status_code == status, response.content
    assert Event.objects.count() == before
    assert Officer.objects.get(pk=province.officer_a2.pk).employment == "established"


def test_the_lead_of_an_open_matter_cannot_become_an_assistant(province: Province) -> None:
    """第十条: an assistant is never the responsible officer; 409 with the matter named."""
    matter = open_matter(province)
    lead = Handler.objects.get(matter=matter, is_lead=True).officer
    admin = api_client(province.admin)
    before = Event.objects.count()
    response = employment(admin, lead.user.username, "assistant")
    assert response.status_code == 409, response.content
    [unmet] = response.json()["unmet"]
    assert unmet["code"] == "employment.leads_open_matter"
    assert unmet["article"] == "第十条"
    assert matter.number in unmet["message"]
    assert Event.objects.count() == before
    assert Officer.objects.get(pk=lead.pk).employment == "established"
    # Not leading, or once the matter is archived, the change goes through.
    Matter.objects.filter(pk=matter.pk).update(stage=Stage.ARCHIVING)
    response = employment(admin, lead.user.username, "assistant")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("username", "body", "field"),
    [
        ("officer_a2", {"employment": "volunteer", "reason": "x"}, "employment"),
        ("officer_a2", {"employment": "contract", "reason": "  "}, "reason"),
        ("officer_a2", {"employment": "contract"}, "reason"),
        ("head_a", {"employment": "assistant", "reason": "x"}, "roles"),
    ],
)
def test_bad_employment_input_is_422_and_changes_nothing(
    province: Province, username: str, body: dict[str, str], field: str
) -> None:
    client = api_client(province.admin)
    before = Event.objects.count()
    response = client.post(f"/api/v1/people/{username}/employment", body, content_type=JSON)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert Event.objects.count() == before
    assert Officer.objects.get(user__username=username).employment == "established"
