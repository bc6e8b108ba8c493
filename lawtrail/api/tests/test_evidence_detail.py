"""GET /api/v1/evidence/{id}: digests, size, kind, media facts, every acquisition with its
capture times, device, station, GIS and the 第十七条 notice, and the binding history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.evidence.tests.fixtures import (  # noqa: F401
    evidence_home,
    ingest,
    media,
    sha256_of,
    sm3_of,
)
from lawtrail.evidence.tests.media import LATITUDE, Media
from lawtrail.matters.tests.factories import api_client, fast_password_hashing, open_matter  # noqa: F401
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def own_store(evidence_home: Any) -> None:  # noqa: F811
    pass


def test_the_detail_shows_digests_media_facts_and_the_acquisition(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    matter = open_matter(province)
    ended = timezone.now() - timedelta(hours=50)
    acquisition = ingest(
        province.officer_a.user,
        media.video,
        matter=matter.number,
        officer="61010200001",
        device="DSJ-9",
        station="采集站2",
        recorded_from=(ended - timedelta(minutes=10)).isoformat(),
        recorded_to=ended.isoformat(),
        gis=[{"latitude": "34.2583", "longitude": "108.9286"}],
        notice_given="true",
        notice_method="口头告知",
    )
    body = api_client(province.officer_a2).get(f"/api/v1/evidence/{acquisition.evidence_id}")
    assert body.status_code == 200, body.content
    evidence = body.json()
    assert evidence["sha256"] == sha256_of(media.video)
    assert evidence["sm3"] == sm3_of(media.video)
    assert evidence["size"] == media.video.stat().st_size
    assert (evidence["kind"], evidence["content_type"]) == ("video", "video/mp4")
    assert evidence["media"]["gps"]["latitude"] == LATITUDE
    assert evidence["media"]["width"] == 320
    [arrival] = evidence["acquisitions"]
    assert arrival["officer"]["username"] == "officer_a"
    assert arrival["officer"]["certificates"] == ["61010200001"]
    assert (arrival["device_serial"], arrival["station"]) == ("DSJ-9", "采集站2")
    assert arrival["notice_given"] is True and arrival["notice_method"] == "口头告知"
    assert arrival["gis"][0]["wgs84"].startswith("34.2583")
    # 第十九条: the facts of the 48-hour clock (here 50 hours late).
    assert arrival["upload_delay_seconds"] >= 50 * 3600
    assert evidence["binding"]["matter"]["id"] == matter.pk
    assert [b["matter"]["number"] for b in evidence["bindings"]] == [matter.number]


def test_evidence_out_of_scope_is_not_found(province: Province, media: Media) -> None:  # noqa: F811
    matter = open_matter(province)
    bound = ingest(province.officer_a.user, media.photo, matter=matter.number).evidence_id
    inbox = ingest(province.officer_a.user, media.audio_wav).evidence_id
    b = api_client(province.officer_b)
    assert b.get(f"/api/v1/evidence/{bound}").status_code == 404
    assert b.get(f"/api/v1/evidence/{inbox}").status_code == 404
    assert api_client(province.officer_a2).get(f"/api/v1/evidence/{inbox}").status_code == 404
    assert b.get("/api/v1/evidence/999999").status_code == 404


def test_the_inbox_shows_only_the_callers_own_arrivals(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    """Two officers brought in the same bytes; neither learns of the other's copy."""
    first = ingest(province.officer_a.user, media.photo, device="A")
    ingest(province.officer_b.user, media.photo, device="B")
    a = api_client(province.officer_a).get(f"/api/v1/evidence/{first.evidence_id}").json()
    b = api_client(province.officer_b).get(f"/api/v1/evidence/{first.evidence_id}").json()
    assert [x["device_serial"] for x in a["acquisitions"]] == ["A"]
    assert [x["device_serial"] for x in b["acquisitions"]] == ["B"]
