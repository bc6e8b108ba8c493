"""GET /api/v1/evidence/{id}/working-copy and /thumbnail: the watermarked working copy of
第十九条 played in the browser with HTTP Range; the start of a playback is a ledger event. Only
the bound matter's handlers, the head of its agency and grant holders play it (第二十条; the
grants themselves are tested in lawtrail/access/tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lawtrail.evidence import derivatives
from lawtrail.evidence.models import Derivative, Evidence
from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media, store  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client, fast_password_hashing, open_matter  # noqa: F401
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def own_store(evidence_home: Any) -> None:  # noqa: F811
    pass


@pytest.fixture
def played(province: Province, media: Media) -> Evidence:  # noqa: F811
    matter = open_matter(province)
    acquisition = ingest(province.officer_a.user, media.video, matter=matter.number)
    evidence = acquisition.evidence
    derivatives.make_derivatives(evidence.pk, evidence.bindings.get().pk)
    return evidence


def copy_of(evidence: Evidence) -> Derivative:
    return Derivative.objects.get(evidence=evidence, kind=Derivative.Kind.WORKING_COPY)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def plays() -> list[dict[str, Any]]:
    return [
        json.loads(bytes(e.body))["payload"]
        for e in Event.objects.filter(action="evidence.working_copy_played").order_by("seq")
    ]


def test_the_working_copy_streams_whole_and_in_ranges(province: Province, played: Evidence) -> None:
    copy = copy_of(played)
    data = b"".join(store().read_range(copy.sha256, 0, copy.size))
    client = api_client(province.officer_a2)
    whole = client.get(f"/api/v1/evidence/{played.pk}/working-copy")
    assert whole.status_code == 200
    assert (whole["Content-Type"], whole["Accept-Ranges"]) == ("video/mp4", "bytes")
    assert whole["Content-Length"] == str(copy.size)
    assert body(whole) == data
    assert data != played.sha256  # it is the copy, not the original
    part = client.get(f"/api/v1/evidence/{played.pk}/working-copy", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{copy.size}"
    assert body(part) == data[100:200]


def test_only_the_start_of_a_playback_is_logged(province: Province, played: Evidence) -> None:
    client = api_client(province.officer_a2)
    client.get(f"/api/v1/evidence/{played.pk}/working-copy", HTTP_RANGE="bytes=0-")
    client.get(f"/api/v1/evidence/{played.pk}/working-copy", HTTP_RANGE="bytes=500-")
    client.get(f"/api/v1/evidence/{played.pk}/working-copy", HTTP_RANGE="bytes=900-999")
    [logged] = plays()
    assert (logged["user"], logged["derivative"]) == ("officer_a2", copy_of(played).pk)


def test_a_range_beyond_the_copy_is_416(province: Province, played: Evidence) -> None:
    size = copy_of(played).size
    response = api_client(province.officer_a).get(
        f"/api/v1/evidence/{played.pk}/working-copy", HTTP_RANGE=f"bytes={size}-"
    )
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"
    assert plays() == []


def test_the_thumbnail_is_a_jpeg(province: Province, played: Evidence) -> None:
    response = api_client(province.officer_a).get(f"/api/v1/evidence/{played.pk}/thumbnail")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert body(response)[:3] == b"\xff\xd8\xff"


def test_someone_out_of_scope_gets_404_and_nothing_is_logged(
    province: Province, played: Evidence
) -> None:
    for path in ("working-copy", "thumbnail"):
        response = api_client(province.officer_b).get(f"/api/v1/evidence/{played.pk}/{path}")
        assert response.status_code == 404
    assert plays() == []


def test_without_a_grant_only_handlers_and_their_head_play_and_refusals_are_logged(
    province: Province, played: Evidence
) -> None:
    """第二十条: seeing the matter is not enough to watch its recordings."""
    for who in (province.officer_a, province.officer_a2, province.head_a):
        response = api_client(who).get(f"/api/v1/evidence/{played.pk}/working-copy")
        assert response.status_code == 200, who
    for who in (province.assistant_a, province.reviewer_a, province.head_city, province.supervisor):
        response = api_client(who).get(f"/api/v1/evidence/{played.pk}/working-copy")
        assert response.status_code == 403, who
    assert [p["user"] for p in plays()] == ["officer_a", "officer_a2", "head_a"]
    refused = [
        json.loads(bytes(e.body))["payload"]["user"]
        for e in Event.objects.filter(action="evidence.working_copy_refused").order_by("seq")
    ]
    assert refused == ["assistant_a", "reviewer_a", "head_city", "supervisor"]


def test_before_the_copy_is_made_the_answer_says_so(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    evidence = ingest(province.officer_a.user, media.photo).evidence
    response = api_client(province.officer_a).get(f"/api/v1/evidence/{evidence.pk}/working-copy")
    assert response.status_code == 404
    assert "尚未生成" in response.json()["detail"]  # not made yet


def test_after_a_rebinding_the_copy_for_the_new_matter_plays(
    province: Province, played: Evidence
) -> None:
    from lawtrail.evidence.actions import bind_evidence

    other = open_matter(province, title="另一事项")
    binding = bind_evidence(
        province.officer_a.user, played.pk, matter_id=other.pk, matter_number="", reason="绑错了"
    )
    derivatives.make_derivatives(played.pk, binding.pk)
    response = api_client(province.officer_a).get(f"/api/v1/evidence/{played.pk}/working-copy")
    newest = Derivative.objects.get(binding=binding, kind=Derivative.Kind.WORKING_COPY)
    assert response["X-Derivative-Id"] == str(newest.pk)
    assert Derivative.objects.filter(evidence=played, kind="working_copy").count() == 2


def test_consulting_the_evidence_is_an_event_in_the_api_and_the_page(
    province: Province, played: Evidence
) -> None:
    """第二十条: reading a record of the case is itself recorded."""
    api_client(province.officer_a).get(f"/api/v1/evidence/{played.pk}")
    from django.test import Client

    page = Client()
    page.force_login(province.officer_a2.user)
    assert page.get(f"/evidence/{played.pk}/").status_code == 200
    viewers = [
        json.loads(bytes(e.body))["actor"]
        for e in Event.objects.filter(action="evidence.viewed").order_by("seq")
    ]
    assert [str(v.get("name", v)) if isinstance(v, dict) else v for v in viewers] == [
        "officer_a",
        "officer_a2",
    ]
    assert api_client(province.officer_b).get(f"/api/v1/evidence/{played.pk}").status_code == 404
    assert Event.objects.filter(action="evidence.viewed").count() == 2
