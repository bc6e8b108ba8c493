"""Identical content is stored once; every arrival of it is its own acquisition, with who,
when, which device and station (第十九条, issue 4 §2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lawtrail.evidence.models import Acquisition, Binding, Evidence
from lawtrail.evidence.tests.fixtures import counts, ingest, sha256_of, sm3_of, store
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province


def payload(event: Event) -> dict[str, object]:
    body: dict[str, object] = json.loads(bytes(event.body))["payload"]
    return body


def test_a_video_is_stored_with_both_digests_computed_here(
    province: Province, media: Media
) -> None:
    acquisition = ingest(province.officer_a.user, media.video, device="DSJ-001")
    evidence = acquisition.evidence
    assert evidence.sha256 == sha256_of(media.video)
    assert evidence.sm3 == sm3_of(media.video)
    assert evidence.size == media.video.stat().st_size
    assert (evidence.kind, evidence.readable, evidence.store) == ("video", True, "local")
    assert store().verify(evidence.sha256, expected_sm3=evidence.sm3).ok
    stored = payload(Event.objects.get(action="evidence.stored"))
    assert stored["sha256"] == evidence.sha256 and stored["sm3"] == evidence.sm3


def test_the_same_bytes_twice_are_stored_once_and_acquired_twice(
    province: Province, media: Media, tmp_path: Path
) -> None:
    copy = tmp_path / "同一段录像.mp4"
    shutil.copy(media.video, copy)
    first = ingest(province.officer_a.user, media.video, device="DSJ-001", station="ST-1")
    second = ingest(province.officer_a2.user, copy, device="DSJ-002", station="ST-2")
    assert first.evidence_id == second.evidence_id
    assert Evidence.objects.count() == 1
    assert len(list(store().iter_keys())) == 1
    arrivals = list(Acquisition.objects.order_by("id"))
    assert [(a.acquired_by.username, a.device_serial, a.station, a.filename) for a in arrivals] == [
        ("officer_a", "DSJ-001", "ST-1", "bodycam.mp4"),
        ("officer_a2", "DSJ-002", "ST-2", "同一段录像.mp4"),
    ]
    assert Event.objects.filter(action="evidence.stored").count() == 1
    assert Event.objects.filter(action="evidence.acquired").count() == 2


def test_different_recordings_are_different_evidence(province: Province, media: Media) -> None:
    for path in (media.video, media.audio_m4a, media.audio_wav, media.photo):
        ingest(province.officer_a.user, path)
    assert sorted(Evidence.objects.values_list("kind", flat=True)) == [
        "audio",
        "audio",
        "photo",
        "video",
    ]
    assert counts()["blobs"] == 4


def test_arriving_again_for_the_same_matter_adds_no_binding(
    province: Province, media: Media
) -> None:
    matter = open_matter(province)
    ingest(province.officer_a.user, media.photo, matter=matter.number)
    ingest(province.officer_a2.user, media.photo, matter=matter.number)
    assert Binding.objects.count() == 1
    assert Acquisition.objects.count() == 2


def test_arriving_for_another_matter_never_moves_bound_evidence(
    province: Province, media: Media
) -> None:
    """Identical bytes brought in by county B for its own matter must not pull county A's
    evidence out of county A's matter (invariant 7)."""
    matter_a = open_matter(province)
    matter_b = open_matter(
        province,
        by=province.officer_b,
        handlers=[province.officer_b.pk, province.officer_b2.pk],
        lead=province.officer_b.pk,
    )
    ingest(province.officer_a.user, media.photo, matter=matter_a.number)
    ingest(province.officer_b.user, media.photo, matter=matter_b.number)
    bindings = list(Binding.objects.all())
    assert [b.matter_id for b in bindings] == [matter_a.pk]
    refused = Event.objects.get(action="evidence.binding_refused")
    assert payload(refused)["matter"] == matter_b.number
