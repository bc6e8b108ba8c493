"""第二十条: requests to view or copy are decided by the head of the matter's agency; every step
is a ledger event; other counties' ids are 404; bad input changes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.access.models import AccessRequest, Grant
from lawtrail.access.tests.access_fixtures import (
    Case,
    case,
    counts,
    grant_to,
    payloads,
    session,
)
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401
from lawtrail.matters.tests.factories import open_matter

_ = case

REQUESTS = "/api/v1/access/requests"


def future(days: int = 7) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).isoformat()


def body(c: Case, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "matter_id": c.matter.pk,
        "kind": "view",
        "purpose": "internal_review",
        "justification": "复核本案",
    }
    data.update(changes)
    return data


def ask(c: Case, officer: Any, **changes: Any) -> Any:
    return session(officer).post(REQUESTS, body(c, **changes), content_type="application/json")


def test_a_court_request_entered_by_a_handler_is_approved_by_the_head(case: Case) -> None:
    p = case.province
    made = ask(
        case,
        p.officer_a,
        kind="copy",
        purpose="litigation",
        evidence=[case.video.pk],
        recipient_name="李法官",
        recipient_organisation="西安市新城区人民法院",
    )
    assert made.status_code == 201, made.content
    request_id = made.json()["id"]
    assert made.json()["state"] == "pending" and made.json()["requester"] is None
    queue = session(p.head_a).get(REQUESTS + "?state=pending").json()["items"]
    assert [r["id"] for r in queue] == [request_id]
    decided = session(p.head_a).post(
        f"{REQUESTS}/{request_id}/decision",
        {"approve": True, "expires_at": future(), "reason": "同意"},
        content_type="application/json",
    )
    assert decided.status_code == 200, decided.content
    grant = decided.json()["grant"]
    assert (grant["kind"], grant["holder"], grant["state"]) == ("copy", None, "live")
    assert [e["request"] for e in payloads("access.requested")] == [request_id]
    [approved] = payloads("access.approved")
    assert approved["for"] == "李法官 (西安市新城区人民法院)"
    grants = session(p.head_a).get("/api/v1/access/grants").json()["items"]
    assert [g["id"] for g in grants] == [grant["id"]]


def test_the_head_refuses_with_a_reason(case: Case) -> None:
    request_id = ask(case, case.province.assistant_a).json()["id"]
    url = f"{REQUESTS}/{request_id}/decision"
    head = session(case.province.head_a)
    before = counts()
    no_reason = head.post(url, {"approve": False}, content_type="application/json")
    assert no_reason.status_code == 422 and counts() == before
    refused = head.post(
        url, {"approve": False, "reason": "理由不足"}, content_type="application/json"
    )
    assert refused.status_code == 200 and refused.json()["state"] == "refused"
    assert Grant.objects.count() == 0
    again = head.post(
        url, {"approve": True, "expires_at": future()}, content_type="application/json"
    )
    assert again.status_code == 422


def test_only_the_head_of_the_matters_agency_decides(case: Case) -> None:
    p = case.province
    request_id = ask(case, p.assistant_a).json()["id"]
    url = f"{REQUESTS}/{request_id}/decision"
    before = counts()
    decision = {"approve": True, "expires_at": future()}
    # A handler sees the request but may not decide it; the city's head (another agency, even
    # though it is above) and the reviewer are not concerned with it and do not see it at all.
    for person, status in ((p.officer_a, 403), (p.reviewer_a, 404), (p.head_city, 404)):
        response = session(person).post(url, decision, content_type="application/json")
        assert response.status_code == status, (person, response.content)
    assert counts() == before


def test_nobody_approves_their_own_request(case: Case) -> None:
    p = case.province
    own = ask(case, p.head_a).json()["id"]
    entered = ask(case, p.head_a, recipient_name="王某", recipient_organisation="复议机关").json()[
        "id"
    ]
    before = counts()
    for request_id in (own, entered):
        response = session(p.head_a).post(
            f"{REQUESTS}/{request_id}/decision",
            {"approve": True, "expires_at": future()},
            content_type="application/json",
        )
        assert response.status_code == 403
    assert counts() == before


def test_another_countys_requests_and_grants_are_not_found(case: Case) -> None:
    p = case.province
    grant = grant_to(case, p.assistant_a)
    b = session(p.officer_b)
    assert b.get(f"{REQUESTS}/{grant.request_id}").status_code == 404
    assert b.get(REQUESTS).json()["items"] == []
    assert b.get("/api/v1/access/grants").json()["items"] == []
    before = counts()
    revoke = b.post(
        f"/api/v1/access/grants/{grant.pk}/revoke", {"reason": "x"}, content_type="application/json"
    )
    assert revoke.status_code == 404
    decide = b.post(
        f"{REQUESTS}/{grant.request_id}/decision",
        {"approve": False, "reason": "x"},
        content_type="application/json",
    )
    assert decide.status_code == 404
    assert counts() == before
    other = open_matter(
        p, by=p.officer_b, handlers=[p.officer_b.pk, p.officer_b2.pk], lead=p.officer_b.pk
    )
    before = counts()
    assert ask(case, p.officer_a, matter_id=other.pk).status_code == 404
    assert counts() == before


def test_a_colleague_sees_only_their_own_requests(case: Case) -> None:
    p = case.province
    mine = ask(case, p.assistant_a).json()["id"]
    theirs = grant_to(case, p.reviewer_a).request_id
    seen = [r["id"] for r in session(p.assistant_a).get(REQUESTS).json()["items"]]
    assert seen == [mine]
    assert session(p.assistant_a).get(f"{REQUESTS}/{theirs}").status_code == 404
    assert session(p.officer_a).get(f"{REQUESTS}/{theirs}").status_code == 200  # a handler


def test_only_the_head_revokes_and_only_once(case: Case) -> None:
    p = case.province
    grant = grant_to(case, p.assistant_a)
    url = f"/api/v1/access/grants/{grant.pk}/revoke"
    before = counts()
    assert (
        session(p.assistant_a)
        .post(url, {"reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        session(p.head_a).post(url, {"reason": " "}, content_type="application/json").status_code
        == 422
    )
    assert counts() == before
    done = session(p.head_a).post(url, {"reason": "结束"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "revoked"
    again = session(p.head_a).post(url, {"reason": "结束"}, content_type="application/json")
    assert again.status_code == 422


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "steal"},
        {"purpose": "curiosity"},
        {"justification": "  "},
        {"evidence": [999999]},
        {"recipient_name": "只有名字"},
        {"matter_id": 999999},
        {"unknown": 1},
    ],
)
def test_bad_requests_change_nothing(case: Case, changes: dict[str, Any]) -> None:
    before = counts()
    response = ask(case, case.province.officer_a, **changes)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    assert counts() == before


def test_an_outsiders_request_is_entered_only_by_a_handler_or_the_head(case: Case) -> None:
    before = counts()
    response = ask(
        case, case.province.assistant_a, recipient_name="某", recipient_organisation="法院"
    )
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("expires", ["past", "none", "far"])
def test_an_approval_needs_a_sensible_expiry(case: Case, expires: str) -> None:
    request_id = ask(case, case.province.assistant_a).json()["id"]
    value = {"past": future(-1), "none": None, "far": future(400)}[expires]
    before = counts()
    response = session(case.province.head_a).post(
        f"{REQUESTS}/{request_id}/decision",
        {"approve": True, "expires_at": value},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert counts() == before
    assert AccessRequest.objects.get(pk=request_id).state == "pending"
