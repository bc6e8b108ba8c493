"""第十九条: working copies carry a watermark with the case number, the party, the handlers,
GIS and the capture time; the original is never touched, and a copy can be made again and
compared (issue 4 §4)."""

from __future__ import annotations

import datetime
import hashlib
import subprocess
from pathlib import Path

import av
import pytest
from django.db import DatabaseError, transaction
from PIL import Image, ImageDraw, ImageFont

from lawtrail.evidence import derivatives
from lawtrail.evidence.ingest import bind
from lawtrail.evidence.models import Derivative, Evidence
from lawtrail.evidence.tests.fixtures import ingest, sha256_of, store
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province

RECORDED = {
    "recorded_from": "2026-11-20T09:00:00+08:00",
    "recorded_to": "2026-11-20T09:10:00+08:00",
}


def frame_png(video: Path, out: Path, second: str = "1") -> Image.Image:
    subprocess.run(
        [
            derivatives.ffmpeg(),
            "-loglevel",
            "error",
            "-y",
            "-ss",
            second,
            "-i",
            str(video),
            "-frames:v",
            "1",
            str(out),
        ],
        check=True,
    )
    return Image.open(out).convert("RGB")


def blob_path(sha256: str, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    reader = store().open(sha256)
    try:
        out.write_bytes(reader.read())
    finally:
        reader.close()
    return out


def test_a_bound_video_gets_a_watermarked_copy_and_the_original_is_untouched(
    province: Province, media: Media, tmp_path: Path
) -> None:
    matter = open_matter(province)
    acquisition = ingest(province.officer_a.user, media.video, matter=matter.number, **RECORDED)
    evidence = acquisition.evidence
    binding = evidence.bindings.get()

    made = derivatives.make_derivatives(evidence.pk, binding.pk)

    [copy] = [d for d in made if d.kind == Derivative.Kind.WORKING_COPY]
    assert copy.source_sha256 == evidence.sha256 == sha256_of(media.video)
    assert copy.sha256 != evidence.sha256
    lines = "\n".join(copy.watermark)
    assert matter.number in lines
    for party in matter.parties.all():
        assert party.name in lines
    for handler in matter.handlers.select_related("officer"):
        assert handler.officer.name in lines
    assert "2026-11-20 09:00:00" in lines and f"证据 {evidence.pk}" in lines
    assert copy.tools["ffmpeg"].startswith("ffmpeg version")
    argv = copy.parameters["argv"]
    assert "{original}" in argv and "{font}" in argv[argv.index("-vf") + 1]
    assert store().verify(evidence.sha256, expected_sm3=evidence.sm3).ok
    assert store().verify(copy.sha256, expected_sm3=copy.sm3).ok
    original = frame_png(media.video, tmp_path / "original.png")
    marked = frame_png(blob_path(copy.sha256, tmp_path, "copy.mp4"), tmp_path / "copy.png")
    assert original.size == marked.size
    # The facts are burned into the lower left corner; the top is left as it was.
    width, height = original.size
    lower = (0, height * 2 // 3, width // 2, height)
    assert original.crop(lower).tobytes() != marked.crop(lower).tobytes()
    event = Event.objects.get(action="derivative.made", object_id=str(copy.pk))
    assert event.context == matter.context


def test_making_the_copy_again_gives_the_same_bytes(
    province: Province, media: Media, tmp_path: Path
) -> None:
    """A court's expert can re-make the working copy from the original and compare digests."""
    facts = derivatives.Facts(
        matter_number="新卫检〔2026〕1号",
        parties=["西安市新城区示例餐饮店"],
        handlers=["张明", "李华"],
        gis="34.258300,108.928600 WGS-84",
        recorded_from=datetime.datetime(2026, 11, 20, 1, 0, tzinfo=datetime.UTC),
        evidence_id=1,
        sha256="0" * 64,
    )
    media_facts = {"height": 240}
    outputs = []
    for attempt in ("a", "b"):
        work = tmp_path / attempt
        work.mkdir()
        derivatives.make_video_copy(media.video, work / "copy.mp4", facts, media_facts, work)
        outputs.append(hashlib.sha256((work / "copy.mp4").read_bytes()).hexdigest())
    assert outputs[0] == outputs[1]


def test_every_watermark_character_has_a_glyph_in_the_embedded_font() -> None:
    """Chinese must render as text, never as empty boxes."""
    font = ImageFont.truetype(str(derivatives.font_path()), 32)

    def rendered(char: str) -> bytes:
        image = Image.new("L", (48, 48))
        ImageDraw.Draw(image).text((4, 4), char, font=font, fill=255)
        return image.tobytes()

    missing = rendered("\U0010fffd")
    lines = derivatives.Facts(
        matter_number="陕卫罚〔2026〕12号",
        parties=["某某诊所"],
        handlers=["王强"],
        gis="34.1,108.9 WGS-84",
        evidence_id=3,
        sha256="a" * 64,
    ).lines()
    for char in set("".join(lines)) - {" "}:
        assert rendered(char) != missing, char


def test_a_photo_copy_has_the_facts_drawn_in(
    province: Province, media: Media, tmp_path: Path
) -> None:
    matter = open_matter(province)
    evidence = ingest(province.officer_a.user, media.photo, matter=matter.number).evidence
    [copy] = [
        d
        for d in derivatives.make_derivatives(evidence.pk, evidence.bindings.get().pk)
        if d.kind == Derivative.Kind.WORKING_COPY
    ]
    assert copy.content_type == "image/jpeg"
    with (
        Image.open(blob_path(copy.sha256, tmp_path, "copy.jpg")) as marked,
        Image.open(media.photo) as original,
    ):
        assert marked.size == original.size
    assert "GIS" in copy.watermark[3] and "WGS-84" in copy.watermark[3]


def test_an_audio_copy_carries_the_facts_in_its_tags(
    province: Province, media: Media, tmp_path: Path
) -> None:
    matter = open_matter(province)
    evidence = ingest(province.officer_a.user, media.audio_m4a, matter=matter.number).evidence
    [copy] = derivatives.make_derivatives(evidence.pk, evidence.bindings.get().pk)
    with av.open(str(blob_path(copy.sha256, tmp_path, "copy.m4a"))) as container:
        tags = {k.lower(): v for k, v in container.metadata.items()}
    assert matter.number in tags["comment"] and tags["title"] == matter.number


def test_unbound_evidence_gets_a_copy_and_a_thumbnail_saying_so(
    province: Province, media: Media
) -> None:
    evidence = ingest(province.officer_a.user, media.video).evidence
    made = derivatives.make_derivatives(evidence.pk, None)
    kinds = sorted(d.kind for d in made)
    assert kinds == ["thumbnail", "working_copy"]
    copy = next(d for d in made if d.kind == "working_copy")
    assert copy.watermark[0] == "案号 未关联案件"


def test_a_new_binding_makes_a_new_copy_and_keeps_the_old(province: Province, media: Media) -> None:
    first = open_matter(province)
    second = open_matter(province)
    evidence = ingest(province.officer_a.user, media.video, matter=first.number).evidence
    old = derivatives.make_derivatives(evidence.pk, evidence.bindings.get().pk)
    with transaction.atomic():
        binding = bind(province.officer_a.user, evidence, second, reason="录错案件")
    new = derivatives.make_derivatives(evidence.pk, binding.pk)
    assert {d.pk for d in old}.isdisjoint({d.pk for d in new})
    assert Derivative.objects.filter(evidence=evidence, kind="working_copy").count() == 2
    assert second.number in new[0].watermark[0]
    # The job is idempotent: running it again makes nothing new.
    assert derivatives.make_derivatives(evidence.pk, binding.pk) == []


def test_unreadable_media_gets_no_working_copy(province: Province, media: Media) -> None:
    evidence = ingest(province.officer_a.user, media.broken).evidence
    assert evidence.readable is False
    assert derivatives.make_derivatives(evidence.pk, None) == []


def test_a_derivative_row_cannot_be_changed_or_deleted(province: Province, media: Media) -> None:
    evidence = ingest(province.officer_a.user, media.photo).evidence
    copy = derivatives.make_derivatives(evidence.pk, None)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Derivative.objects.filter(pk=copy.pk).update(sha256="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Derivative.objects.filter(pk=copy.pk).delete()
    assert Evidence.objects.filter(pk=evidence.pk).exists()
