"""Durations read from headers, on real media made with FFmpeg (``recorded_to``, 第十九条)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawtrail.evidence.tests.media import make_audio, make_broken, make_photo, make_video
from lawtrail.station.duration import duration_seconds


def test_video_audio_and_photo_durations(tmp_path: Path) -> None:
    video = duration_seconds(make_video(tmp_path / "a.MP4", seconds=3))
    assert video == pytest.approx(3.0, abs=0.1)
    m4a = duration_seconds(make_audio(tmp_path / "b.m4a", seconds=2))
    assert m4a == pytest.approx(2.0, abs=0.1)
    wav = duration_seconds(make_audio(tmp_path / "c.wav", seconds=2))
    assert wav == pytest.approx(2.0, abs=0.01)
    assert duration_seconds(make_photo(tmp_path / "d.JPG")) == 0.0


def test_a_broken_or_unknown_file_has_no_duration(tmp_path: Path) -> None:
    assert duration_seconds(make_broken(tmp_path / "x.mp4")) is None
    (tmp_path / "y.bin").write_bytes(b"1234")
    assert duration_seconds(tmp_path / "y.bin") is None
    (tmp_path / "z.wav").write_bytes(b"RIFF")
    assert duration_seconds(tmp_path / "z.wav") is None
