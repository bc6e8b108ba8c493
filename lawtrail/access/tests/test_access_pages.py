"""The pages of access: request from the matter page, the head's queue, approve and refuse,
the grants list with revoke, the level set from the matter page."""

from __future__ import annotations

from lawtrail.access.models import AccessRequest, Grant
from lawtrail.access.rules import matter_level
from lawtrail.access.tests.access_fixtures import Case, case, counts, grant_to, session
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401

_ = case


def test_a_request_from_the_matter_page_reaches_the_heads_queue_and_is_approved(
    case: Case,
) -> None:
    p = case.province
    matter_page = session(p.assistant_a).get(f"/matters/{case.matter.pk}/").content.decode()
    assert f"/access/requests/new/?matter={case.matter.pk}" in matter_page
    form = session(p.assistant_a).get(f"/access/requests/new/?matter={case.matter.pk}")
    assert form.status_code == 200
    sent = session(p.assistant_a).post(
        "/access/requests/new/",
        {
            "matter": case.matter.pk,
            "kind": "view",
            "purpose": "internal_review",
            "justification": "复核",
        },
    )
    assert sent.status_code == 302
    request = AccessRequest.objects.get()
    queue = session(p.head_a).get("/access/requests/").content.decode()
    assert f'data-request="{request.pk}"' in queue
    detail = session(p.head_a).get(f"/access/requests/{request.pk}/").content.decode()
    assert 'value="approve"' in detail
    decided = session(p.head_a).post(
        f"/access/requests/{request.pk}/decide/",
        {"outcome": "approve", "expires_at": "2099-01-01T00:00"},
    )
    assert decided.status_code == 422  # more than a year away
    decided = session(p.head_a).post(
        f"/access/requests/{request.pk}/decide/", {"outcome": "refuse", "reason": ""}
    )
    assert decided.status_code == 422
    assert request.state == "pending"
    grant = grant_to(case, p.assistant_a)
    grants = session(p.head_a).get("/access/grants/").content.decode()
    assert f'data-grant="{grant.pk}"' in grants and "/revoke/" in grants
    revoked = session(p.head_a).post(f"/access/grants/{grant.pk}/revoke/", {"reason": "结束"})
    assert revoked.status_code == 302
    assert Grant.objects.get(pk=grant.pk).state == "revoked"


def test_a_bad_request_form_says_why_and_changes_nothing(case: Case) -> None:
    before = counts()
    response = session(case.province.assistant_a).post(
        "/access/requests/new/",
        {
            "matter": case.matter.pk,
            "kind": "view",
            "purpose": "internal_review",
            "justification": "",
        },
    )
    assert response.status_code == 422
    assert "data-error" in response.content.decode()
    assert counts() == before


def test_other_counties_get_404_on_the_pages(case: Case) -> None:
    grant = grant_to(case, case.province.assistant_a)
    b = session(case.province.officer_b)
    assert b.get(f"/access/requests/{grant.request_id}/").status_code == 404
    assert b.get(f"/access/requests/new/?matter={case.matter.pk}").status_code == 404
    assert b.post(f"/access/grants/{grant.pk}/revoke/", {"reason": "x"}).status_code == 404
    assert grant.state == "live"


def test_the_level_is_shown_and_set_on_the_matter_page(case: Case) -> None:
    p = case.province
    page = session(p.head_a).get(f"/matters/{case.matter.pk}/").content.decode()
    assert "data-matter-level" in page and f"/access/matters/{case.matter.pk}/level/" in page
    session(p.head_a).post(
        f"/access/matters/{case.matter.pk}/level/",
        {"level": "business_secret", "reason": "商业秘密"},
    )
    assert matter_level(case.matter) == "business_secret"
    before = counts()
    session(p.assistant_a).post(
        f"/access/matters/{case.matter.pk}/level/", {"level": "public", "reason": "x"}
    )
    assert counts() == before
