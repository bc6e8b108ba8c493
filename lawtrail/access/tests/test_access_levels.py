"""第二十一条 levels: who sets them, what they hide from whom; 第十五条: a state-secret matter
takes no audio/video."""

from __future__ import annotations

from typing import Any

import pytest

from lawtrail.access import actions
from lawtrail.access.models import Level
from lawtrail.access.rules import evidence_level, matter_level
from lawtrail.access.tests.access_fixtures import Case, case, counts, grant_to, payloads, session
from lawtrail.errors import Refused
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.tests.fixtures import counts as evidence_counts
from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province

_ = case


def set_matter(c: Case, officer: Any, level: str, reason: str = "涉及商业秘密") -> Any:
    return session(officer).post(
        f"/api/v1/access/matters/{c.matter.pk}/confidentiality",
        {"level": level, "reason": reason},
        content_type="application/json",
    )


def set_evidence(c: Case, officer: Any, level: str, reason: str = "个人隐私") -> Any:
    return session(officer).post(
        f"/api/v1/access/evidence/{c.video.pk}/confidentiality",
        {"level": level, "reason": reason},
        content_type="application/json",
    )


def test_a_matter_starts_internal_and_the_head_sets_any_level(case: Case) -> None:
    assert matter_level(case.matter) == Level.INTERNAL
    response = set_matter(case, case.province.head_a, "business_secret")
    assert response.status_code == 201, response.content
    assert response.json()["effective_level"] == "business_secret"
    assert set_matter(case, case.province.head_a, "public", "已公开").status_code == 201
    assert matter_level(case.matter) == Level.PUBLIC
    assert [(e["from"], e["to"]) for e in payloads("access.matter_level_set")] == [
        ("internal", "business_secret"),
        ("business_secret", "public"),
    ]


def test_handlers_may_raise_but_not_lower_and_others_may_not_set(case: Case) -> None:
    p = case.province
    assert set_matter(case, p.officer_a, "personal_privacy").status_code == 201
    before = counts()
    assert set_matter(case, p.officer_a2, "public").status_code == 403
    assert set_matter(case, p.assistant_a, "state_secret").status_code == 403
    assert set_matter(case, p.reviewer_a, "state_secret").status_code == 403
    assert set_matter(case, p.officer_b, "state_secret").status_code == 404
    assert counts() == before


@pytest.mark.parametrize(
    "level, reason", [("secret", "x"), ("business_secret", "  "), ("internal", "same level")]
)
def test_bad_levels_change_nothing(case: Case, level: str, reason: str) -> None:
    before = counts()
    response = set_matter(case, case.province.head_a, level, reason)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert counts() == before


def test_the_effective_level_is_the_stricter_of_evidence_and_matter(case: Case) -> None:
    assert set_evidence(case, case.province.officer_a, "personal_privacy").status_code == 201
    assert evidence_level(case.video) == Level.PERSONAL_PRIVACY
    assert evidence_level(case.photo) == Level.INTERNAL
    set_matter(case, case.province.head_a, "public", "公开")
    assert evidence_level(case.video) == Level.PERSONAL_PRIVACY
    assert evidence_level(case.photo) == Level.PUBLIC


def test_business_secret_hides_party_identifiers_from_the_rest_of_the_county(
    case: Case,
) -> None:
    p = case.province
    url = f"/matters/{case.matter.pk}/"
    identifier = case.matter.parties.get().identifier
    assert identifier in session(p.assistant_a).get(url).content.decode()
    set_matter(case, p.head_a, "business_secret")
    hidden = session(p.assistant_a).get(url).content.decode()
    assert identifier not in hidden and "data-party-hidden" in hidden
    for person in (p.officer_a, p.head_a, p.reviewer_a):
        assert identifier in session(person).get(url).content.decode(), person
    grant_to(case, p.assistant_a)
    assert identifier in session(p.assistant_a).get(url).content.decode()


def test_personal_privacy_hides_the_thumbnail_and_media_facts(case: Case) -> None:
    p = case.province
    set_evidence(case, p.officer_a, "personal_privacy")
    thumb = f"/api/v1/evidence/{case.video.pk}/thumbnail"
    assert session(p.assistant_a).get(thumb).status_code == 403
    assert session(p.reviewer_a).get(thumb).status_code == 200
    page = session(p.assistant_a).get(f"/evidence/{case.video.pk}/").content.decode()
    assert "data-details-hidden" in page


def test_state_secret_is_for_handlers_and_head_only_and_never_granted(
    province: Province,
    media: Media,  # noqa: F811
    evidence_home: Any,  # noqa: F811
) -> None:
    p = province
    matter = open_matter(p)
    photo = ingest(p.officer_a.user, media.photo, matter=matter.number).evidence
    actions.set_matter_level(p.head_a.user, matter, "state_secret", "涉密")
    grant_before = counts()
    response = session(p.assistant_a).post(
        "/api/v1/access/requests",
        {
            "matter_id": matter.pk,
            "kind": "view",
            "purpose": "internal_review",
            "justification": "x",
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["unmet"][0]["article"] == "第二十一条"
    assert counts() == grant_before
    page = session(p.officer_a).get(f"/matters/{matter.pk}/").content.decode()
    assert "data-state-secret" in page and "第十五条" in page
    assert session(p.reviewer_a).get(f"/api/v1/evidence/{photo.pk}/thumbnail").status_code == 403


def test_a_grant_lapses_when_the_matter_becomes_a_state_secret(
    province: Province,
    media: Media,  # noqa: F811
    evidence_home: Any,  # noqa: F811
) -> None:
    from lawtrail.access.rules import content_decision

    p = province
    matter = open_matter(p)
    photo = ingest(p.officer_a.user, media.photo, matter=matter.number).evidence
    c = Case(p, matter, photo, photo)
    grant_to(c, p.assistant_a, "copy")
    assert content_decision(p.assistant_a.user, photo, "copy").allowed
    actions.set_matter_level(p.head_a.user, matter, "state_secret", "涉密")
    assert not content_decision(p.assistant_a.user, photo, "copy").allowed


def test_article_15_no_audio_video_binds_to_a_state_secret_matter(
    province: Province,
    media: Media,  # noqa: F811
    evidence_home: Any,  # noqa: F811
) -> None:
    p = province
    secret = open_matter(p)
    actions.set_matter_level(p.head_a.user, secret, "state_secret", "涉密")
    before = evidence_counts()
    with pytest.raises(Refused) as refused:
        ingest(p.officer_a.user, media.video, matter=secret.number)
    assert refused.value.unmet[0].article == "第十五条"
    after = evidence_counts()
    assert {k: v for k, v in after.items() if k != "blobs"} == {
        k: v for k, v in before.items() if k != "blobs"
    }
    # Unbound, then bound through the API: refused with the article.
    video = ingest(p.officer_a.user, media.video).evidence
    response = session(p.officer_a).post(
        f"/api/v1/evidence/{video.pk}/bindings",
        {"matter_id": secret.pk, "reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 409, response.content
    assert "第十五条" in str(response.json())
    # Photos and documents (written records) are still taken.
    photo = ingest(p.officer_a.user, media.photo, matter=secret.number).evidence
    assert photo.kind == Evidence.Kind.PHOTO


def test_a_matter_with_audio_video_cannot_become_a_state_secret(case: Case) -> None:
    before = counts()
    response = set_matter(case, case.province.head_a, "state_secret", "涉密")
    assert response.status_code == 409
    assert response.json()["unmet"][0]["article"] == "第十五条"
    assert counts() == before


def test_personal_privacy_hides_media_facts_and_gis_in_the_api(case: Case) -> None:
    p = case.province
    url = f"/api/v1/evidence/{case.video.pk}"
    assert session(p.assistant_a).get(url).json()["media"]
    set_evidence(case, p.officer_a, "personal_privacy")
    hidden = session(p.assistant_a).get(url).json()
    assert hidden["media"] == {}
    assert all(a["gis"] == [] for a in hidden["acquisitions"])
    assert session(p.reviewer_a).get(url).json()["media"]


def test_the_api_hides_what_the_matter_page_hides_at_a_secret_level(case: Case) -> None:
    """第二十一条: at 商业秘密 the city head (scope, not entitled) reads the matter without the
    parties' identifiers and contacts and not its timeline; the handlers read both — as on the
    matter page (``access.rules.sees_matter_details``)."""
    p = case.province
    path = f"/api/v1/matters/{case.matter.pk}"
    city = session(p.head_city).get(path).json()
    assert city["details_withheld"] is False
    assert any(party["id_number"] or party["credit_code"] for party in city["parties"])
    assert session(p.head_city).get(path + "/timeline").status_code == 200

    assert set_matter(case, p.head_a, "business_secret").status_code == 201
    city = session(p.head_city).get(path).json()
    assert city["details_withheld"] is True
    for party in city["parties"]:
        assert party["name"]
        assert not any(party[k] for k in ("id_number", "credit_code", "address", "phone"))
    refused = session(p.head_city).get(path + "/timeline")
    assert refused.status_code == 403
    assert refused.json()["detail"]

    handler = session(p.officer_a).get(path).json()
    assert handler["details_withheld"] is False
    assert any(party["id_number"] or party["credit_code"] for party in handler["parties"])
    assert session(p.officer_a).get(path + "/timeline").status_code == 200
