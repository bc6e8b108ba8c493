"""Media facts come from the file itself: container, codecs, duration, resolution, frame rate,
creation time and GPS where the file carries them (issue 4 §2). A file nothing can read is still
evidence: it is flagged, never dropped (第十九条)."""

from __future__ import annotations

from pathlib import Path

from lawtrail.evidence.probe import probe
from lawtrail.evidence.tests.media import LATITUDE, LONGITUDE, Media

GPS = {"latitude": LATITUDE, "longitude": LONGITUDE, "datum": "WGS-84"}


def test_a_video_with_sound_is_described_with_its_location_tag(media: Media) -> None:
    found = probe(media.video)
    assert (found.kind, found.readable, found.content_type) == ("video", True, "video/mp4")
    facts = found.media
    assert facts["video_codec"] == "h264" and facts["audio_codec"] == "aac"
    assert (facts["width"], facts["height"]) == (320, 240)
    assert facts["frame_rate"] == "25.000"
    assert facts["duration_seconds"] == "2.000"
    assert facts["sample_rate"] == 44100
    assert facts["creation_time"].startswith("2025-03-01T08:00:00")
    assert facts["gps"] == GPS


def test_an_m4a_recording_is_audio(media: Media) -> None:
    found = probe(media.audio_m4a)
    assert (found.kind, found.readable, found.content_type) == ("audio", True, "audio/mp4")
    assert found.media["audio_codec"] == "aac"
    assert found.media["duration_seconds"] == "2.000"
    assert "video_codec" not in found.media


def test_a_wav_recording_is_audio(media: Media) -> None:
    found = probe(media.audio_wav)
    assert (found.kind, found.content_type) == ("audio", "audio/wav")
    assert found.media["audio_codec"] == "pcm_s16le"


def test_a_photo_gives_its_size_time_and_exif_gps(media: Media) -> None:
    found = probe(media.photo)
    assert (found.kind, found.readable, found.content_type) == ("photo", True, "image/jpeg")
    assert (found.media["width"], found.media["height"]) == (160, 120)
    assert found.media["creation_time"] == "2025:03:01 08:00:00"
    assert found.media["gps"] == GPS


def test_random_bytes_named_mp4_are_flagged_unreadable(media: Media) -> None:
    found = probe(media.broken)
    assert (found.kind, found.readable) == ("other", False)
    assert found.media["problem"]


def test_an_empty_file_is_flagged_unreadable(media: Media) -> None:
    found = probe(media.empty)
    assert (found.kind, found.readable, found.media) == ("other", False, {"problem": "empty file"})


def test_a_pdf_scan_is_a_document(tmp_path: Path) -> None:
    scan = tmp_path / "询问笔录.pdf"
    scan.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    found = probe(scan)
    assert (found.kind, found.readable, found.content_type) == ("document", True, "application/pdf")


def test_a_truncated_video_never_raises(media: Media, tmp_path: Path) -> None:
    half = tmp_path / "half.mp4"
    data = media.video.read_bytes()
    half.write_bytes(data[: len(data) // 3])
    found = probe(half)  # whatever FFmpeg makes of it, probing answers
    assert found.kind in ("video", "audio", "other")
