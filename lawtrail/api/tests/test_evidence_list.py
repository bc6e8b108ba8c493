"""GET /api/v1/evidence: evidence bound to a matter the caller sees, plus the caller's own
unbound inbox; filterable and paged by keyset (issue 4 §7, invariant 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client, fast_password_hashing, open_matter  # noqa: F401
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def own_store(evidence_home: Any) -> None:  # noqa: F811
    pass


@pytest.fixture
def stored(province: Province, media: Media) -> dict[str, Any]:  # noqa: F811
    """A video and a photo bound to county A's matter, audio in officer_a's inbox, and a
    broken file in officer_b's inbox."""
    matter = open_matter(province)
    video = ingest(province.officer_a.user, media.video, matter=matter.number, device="DSJ-1")
    photo = ingest(
        province.officer_a2.user, media.photo, matter=matter.number, officer="61010200002"
    )
    audio = ingest(province.officer_a.user, media.audio_m4a, device="DSJ-2")
    broken = ingest(province.officer_b.user, media.broken)
    return {
        "matter": matter,
        "video": video.evidence_id,
        "photo": photo.evidence_id,
        "audio": audio.evidence_id,
        "broken": broken.evidence_id,
    }


def ids(client: Client, query: str = "") -> list[int]:
    response = client.get(f"/api/v1/evidence{query}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_an_officer_sees_the_matters_evidence_and_their_own_inbox(
    province: Province, stored: dict[str, Any]
) -> None:
    a = api_client(province.officer_a)
    assert sorted(ids(a)) == sorted([stored["video"], stored["photo"], stored["audio"]])


def test_a_colleague_does_not_see_someone_elses_inbox(
    province: Province, stored: dict[str, Any]
) -> None:
    a2 = api_client(province.officer_a2)
    assert sorted(ids(a2)) == sorted([stored["video"], stored["photo"]])


def test_another_county_sees_only_its_own(province: Province, stored: dict[str, Any]) -> None:
    assert ids(api_client(province.officer_b)) == [stored["broken"]]
    assert ids(api_client(province.officer_b2)) == []


def test_the_head_sees_the_matters_evidence(province: Province, stored: dict[str, Any]) -> None:
    assert sorted(ids(api_client(province.head_a))) == sorted([stored["video"], stored["photo"]])
    assert sorted(ids(api_client(province.head_city))) == sorted([stored["video"], stored["photo"]])


def test_nobody_lists_evidence_without_credentials(stored: dict[str, Any]) -> None:
    assert Client().get("/api/v1/evidence").status_code == 401


def test_the_filters_narrow_the_list(province: Province, stored: dict[str, Any]) -> None:
    a = api_client(province.officer_a)
    number = stored["matter"].number
    assert sorted(ids(a, f"?matter={number}")) == sorted([stored["video"], stored["photo"]])
    assert ids(a, "?unbound=true") == [stored["audio"]]
    assert sorted(ids(a, "?unbound=false")) == sorted([stored["video"], stored["photo"]])
    assert ids(a, "?kind=photo") == [stored["photo"]]
    assert ids(a, "?device=DSJ-2") == [stored["audio"]]
    assert ids(a, "?officer=61010200002") == [stored["photo"]]
    assert ids(a, "?officer=officer_a2") == [stored["photo"]]
    today = timezone.localdate().isoformat()
    assert len(ids(a, f"?acquired_from={today}&acquired_to={today}")) == 3
    assert ids(a, "?acquired_to=2000-01-01") == []
    assert ids(a, "?matter=不存在") == []


def test_bad_filters_are_explained(province: Province, stored: dict[str, Any]) -> None:
    a = api_client(province.officer_a)
    assert a.get("/api/v1/evidence?kind=hologram").status_code == 422
    response = a.get("/api/v1/evidence?acquired_from=2025-02-01&acquired_to=2025-01-01")
    assert response.status_code == 422 and "acquired_from" in response.json()["fields"]
    assert a.get("/api/v1/evidence?after=garbage").status_code == 422
    assert a.get("/api/v1/evidence?limit=0").status_code == 422


def test_pages_follow_one_another_without_gaps(province: Province, stored: dict[str, Any]) -> None:
    a = api_client(province.officer_a)
    seen: list[int] = []
    after = ""
    while True:
        body = a.get(f"/api/v1/evidence?limit=1{after}").json()
        seen += [item["id"] for item in body["items"]]
        if body["next"] is None:
            break
        after = f"&after={body['next']}"
    assert seen == ids(a) and len(seen) == 3


def test_a_list_item_names_its_digests_and_binding(
    province: Province,
    stored: dict[str, Any],
    media: Media,  # noqa: F811
) -> None:
    a = api_client(province.officer_a)
    items = {item["id"]: item for item in a.get("/api/v1/evidence").json()["items"]}
    video = items[stored["video"]]
    assert video["kind"] == "video" and video["readable"] is True
    assert video["filename"] == "bodycam.mp4"
    assert video["binding"]["matter"]["number"] == stored["matter"].number
    assert items[stored["audio"]]["binding"] is None
