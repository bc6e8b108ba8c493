"""第二十条: without a grant, nobody but the matter's handlers and their head sees working copies
or originals; a view grant gives the working copy, a copy grant the original too. Every refusal
and every granted view is in the ledger before the first byte."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.access import actions
from lawtrail.access.tests.access_fixtures import Case, case, grant_to, payloads, session
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401

pytestmark = pytest.mark.usefixtures("case")
_ = case  # the fixture, imported for pytest


def copy_url(c: Case) -> str:
    return f"/api/v1/evidence/{c.video.pk}/working-copy"


def original_url(c: Case) -> str:
    return f"/api/v1/evidence/{c.video.pk}/original"


def test_handlers_and_their_head_play_and_download_without_a_grant(case: Case) -> None:
    p = case.province
    for person in (p.officer_a, p.officer_a2, p.head_a):
        client = session(person)
        assert client.get(copy_url(case)).status_code == 200
        assert client.get(original_url(case)).status_code == 200
    assert [x["grant"] for x in payloads("evidence.working_copy_played")] == [None] * 3


def test_others_in_scope_are_refused_the_working_copy_and_the_refusal_is_logged(
    case: Case,
) -> None:
    p = case.province
    for person in (p.assistant_a, p.reviewer_a, p.head_city, p.supervisor):
        response = session(person).get(copy_url(case))
        assert response.status_code == 403, person
        assert "第二十条" in response.json()["detail"]
    refused = payloads("evidence.working_copy_refused")
    assert [r["user"] for r in refused] == ["assistant_a", "reviewer_a", "head_city", "supervisor"]
    assert payloads("evidence.working_copy_played") == []


def test_out_of_scope_gets_404(case: Case) -> None:
    response = session(case.province.officer_b).get(copy_url(case))
    assert response.status_code == 404


def test_a_view_grant_plays_the_working_copy_but_not_the_original(case: Case) -> None:
    grant = grant_to(case, case.province.assistant_a, "view")
    client = session(case.province.assistant_a)
    assert client.get(copy_url(case)).status_code == 200
    [played] = payloads("evidence.working_copy_played")
    assert played["grant"] == grant.pk
    assert client.get(original_url(case)).status_code == 403
    [refused] = payloads("evidence.original_download_refused")
    assert refused["user"] == "assistant_a"


def test_a_copy_grant_gives_the_original_and_the_download_names_it(case: Case) -> None:
    grant = grant_to(case, case.province.assistant_a, "copy")
    response = session(case.province.assistant_a).get(original_url(case))
    assert response.status_code == 200
    [downloaded] = payloads("evidence.original_downloaded")
    assert downloaded["grant"] == grant.pk
    assert downloaded["why"] == f"grant {grant.pk}"


def test_a_grant_for_one_evidence_does_not_cover_the_other(case: Case) -> None:
    grant_to(case, case.province.assistant_a, "view", evidence=[case.photo.pk])
    client = session(case.province.assistant_a)
    assert client.get(f"/api/v1/evidence/{case.photo.pk}/working-copy").status_code == 200
    assert client.get(copy_url(case)).status_code == 403


def test_an_expired_grant_gives_nothing(case: Case, monkeypatch: Any) -> None:
    grant_to(case, case.province.assistant_a, "copy", days=1)
    later = timezone.now() + datetime.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client = session(case.province.assistant_a)
    assert client.get(copy_url(case)).status_code == 403
    assert client.get(original_url(case)).status_code == 403


def test_a_revoked_grant_gives_nothing(case: Case) -> None:
    grant = grant_to(case, case.province.assistant_a, "copy")
    client = session(case.province.assistant_a)
    assert client.get(copy_url(case)).status_code == 200
    actions.revoke_grant(case.province.head_a.user, grant, "复核结束")
    assert client.get(copy_url(case)).status_code == 403
    assert client.get(original_url(case)).status_code == 403
    [revoked] = payloads("access.grant_revoked")
    assert (revoked["grant"], revoked["reason"]) == (grant.pk, "复核结束")


def test_a_grant_stops_when_the_evidence_leaves_its_matter(case: Case) -> None:
    from lawtrail.evidence.actions import bind_evidence
    from lawtrail.matters.tests.factories import open_matter

    grant_to(case, case.province.assistant_a, "view")
    other = open_matter(case.province, title="另一事项")
    bind_evidence(
        case.province.officer_a.user,
        case.video.pk,
        matter_id=other.pk,
        matter_number="",
        reason="错",
    )
    assert session(case.province.assistant_a).get(copy_url(case)).status_code == 403


def test_the_evidence_page_offers_a_request_instead_of_the_player(case: Case) -> None:
    page = session(case.province.assistant_a).get(f"/evidence/{case.video.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-working-copy-denied" in html
    assert "data-working-copy " not in html and "data-working-copy>" not in html
    assert "data-download-original" not in html
    assert "data-request-access" in html
    handler = session(case.province.officer_a2).get(f"/evidence/{case.video.pk}/").content.decode()
    assert "data-working-copy" in handler and "data-download-original" in handler


def test_grant_covers_is_what_copy_packages_ask(case: Case) -> None:
    """``Grant.covers`` (used by ``access.packages``): live, named or of the matter, level."""
    grant = grant_to(case, case.province.assistant_a, "copy", evidence=[case.photo.pk])
    assert grant.covers(case.photo) and not grant.covers(case.video)
    assert grant.gives_originals
    whole = grant_to(case, case.province.reviewer_a, "view")
    assert whole.covers(case.video) and not whole.gives_originals
    actions.revoke_grant(case.province.head_a.user, grant, "结束")
    assert not grant.covers(case.photo)
