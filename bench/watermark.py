"""Watermark job vs the bare ffmpeg command with the same encoder settings (issue 4 §8).

    .venv/bin/python bench/watermark.py [--seconds 60] [--runs 2]

Makes a 1080p30 clip with sound, then times in the same run: ffmpeg re-encoding it with the
encoder settings of lawtrail's working copies but no filter, and lawtrail's make_video_copy
(the same command plus the drawtext watermark and running clock). Goal: ratio ≤ 1.1.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
os.environ.setdefault("LAWTRAIL_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-django")
os.environ.setdefault("LAWTRAIL_HOME", tempfile.mkdtemp(prefix="lawtrail-bench-"))

import django

django.setup()

from lawtrail.evidence import derivatives  # noqa: E402


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    ff = derivatives.ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="lawtrail-watermark-"))
    clip = work / "clip.mp4"
    subprocess.run(
        [
            ff,
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1920x1080:rate=30:duration={args.seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={args.seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            str(clip),
        ],
        check=True,
    )
    bare_args = [
        ff,
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(clip),
        "-map",
        "0:v:0",
        "-map",
        "0:a?",
        *derivatives.VIDEO_ENCODER,
        *derivatives.AUDIO_ENCODER,
        *derivatives.REPRODUCIBLE,
        str(work / "bare.mp4"),
    ]
    facts = derivatives.Facts(
        matter_number="新卫检〔2026〕1号",
        parties=["西安市新城区示例餐饮有限公司"],
        handlers=["张明", "李华"],
        gis="34.258300,108.928600 WGS-84",
        recorded_from=datetime.datetime(2026, 11, 20, 1, 0, tzinfo=datetime.UTC),
        recorded_to=datetime.datetime(2026, 11, 20, 1, 1, tzinfo=datetime.UTC),
        evidence_id=1,
        sha256="0" * 64,
    )
    bare, ours = [], []
    for _ in range(args.runs):
        bare.append(timed(bare_args))
        started = time.perf_counter()
        derivatives.make_video_copy(clip, work / "ours.mp4", facts, {"height": 1080}, work)
        ours.append(time.perf_counter() - started)
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"clip: {args.seconds} s of 1920x1080 at 30 fps with audio ({clip.stat().st_size} bytes)")
    print(f"bare ffmpeg, same encoder settings: median {b:.2f} s over {args.runs} runs {bare}")
    print(f"lawtrail watermark job:             median {o:.2f} s over {args.runs} runs {ours}")
    print(f"ratio ours / bare: {o / b:.3f}  (goal ≤ 1.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
