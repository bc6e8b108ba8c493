"""Real media for the tests, made with the static FFmpeg of imageio-ffmpeg and with Pillow.

Nothing here is a fake: the video is H.264 + AAC in MP4 with an ISO 6709 ``location`` tag, the
photo a JPEG with an EXIF GPS block, the audio AAC in M4A and PCM in WAV. The broken file is
random bytes under an ``.mp4`` name (seeded, so every run makes the same bytes).
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

# 西安钟楼, as ISO 6709 and as EXIF degrees/minutes/seconds.
LATITUDE = "34.258300"
LONGITUDE = "108.928600"
LOCATION = "+34.2583+108.9286/"
CREATION_TIME = "2025-03-01T08:00:00Z"


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        capture_output=True,
    )


def make_video(path: Path, seconds: int = 2, size: str = "320x240") -> Path:
    """H.264 video with a 440 Hz AAC sine track and a ``location`` tag."""
    run_ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest",
        "-metadata", f"location={LOCATION}",
        "-metadata", f"creation_time={CREATION_TIME}",
        str(path),
    )  # fmt: skip
    return path


def make_audio(path: Path, seconds: int = 2) -> Path:
    """A sine tone; the codec follows the suffix (``.m4a`` → AAC, ``.wav`` → PCM)."""
    codec = ["-c:a", "aac"] if path.suffix == ".m4a" else []
    run_ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", *codec, str(path))
    return path


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return float(degrees), float(minutes), seconds


def make_photo(path: Path) -> Path:
    """A JPEG with EXIF DateTimeOriginal and a GPS IFD."""
    from PIL import Image
    from PIL.ExifTags import GPS, IFD, Base

    image = Image.new("RGB", (160, 120), (180, 40, 40))
    exif = Image.Exif()
    exif[Base.DateTime] = "2025:03:01 08:00:00"
    exif.get_ifd(IFD.Exif)[Base.DateTimeOriginal] = "2025:03:01 08:00:00"
    exif.get_ifd(IFD.GPSInfo).update(
        {
            GPS.GPSLatitudeRef: "N",
            GPS.GPSLatitude: dms(float(LATITUDE)),
            GPS.GPSLongitudeRef: "E",
            GPS.GPSLongitude: dms(float(LONGITUDE)),
        }
    )
    image.save(path, "JPEG", exif=exif)
    return path


def make_broken(path: Path, size: int = 64 * 1024) -> Path:
    path.write_bytes(random.Random(4).randbytes(size))
    return path


def make_big(path: Path, size: int) -> Path:
    """``size`` bytes that do not repeat in a way a store could shortcut, written in chunks."""
    rng = random.Random(size)
    block = rng.randbytes(1 << 20)
    with path.open("wb") as f:
        written = 0
        index = 0
        while written < size:
            piece = index.to_bytes(8, "big") + block[8:]
            piece = piece[: size - written]
            f.write(piece)
            written += len(piece)
            index += 1
    return path


@dataclass(frozen=True)
class Media:
    video: Path
    audio_m4a: Path
    audio_wav: Path
    photo: Path
    broken: Path
    empty: Path


def make_all(folder: Path) -> Media:
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.mp4"
    empty.write_bytes(b"")
    return Media(
        video=make_video(folder / "bodycam.mp4"),
        audio_m4a=make_audio(folder / "interview.m4a"),
        audio_wav=make_audio(folder / "interview.wav"),
        photo=make_photo(folder / "scene.jpg"),
        broken=make_broken(folder / "broken.mp4"),
        empty=empty,
    )
