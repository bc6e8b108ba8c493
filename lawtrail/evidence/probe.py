"""Facts about a media file: kind, container, codecs, duration, resolution, frame rate,
creation time and GPS where the file carries them. PyAV (FFmpeg from a wheel) for audio and
video, Pillow for photo EXIF. A file nothing can read is still evidence: it is kept and
flagged unreadable, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

DOCUMENT_MAGIC = {b"%PDF-": "application/pdf", b"PK\x03\x04": "application/zip"}
ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


@dataclass
class Probe:
    kind: str
    readable: bool
    content_type: str = ""
    media: dict[str, Any] = field(default_factory=dict)


def decimal_text(value: float | Fraction, places: int = 6) -> str:
    """Numbers as decimal strings: the ledger refuses floats (canonical bytes must be unique)."""
    return f"{float(value):.{places}f}"


def gps_from_location(tag: str) -> dict[str, str] | None:
    match = ISO6709.match(tag.strip())
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"latitude": decimal_text(lat), "longitude": decimal_text(lon), "datum": "WGS-84"}


def probe_av(path: Path) -> Probe | None:
    import av

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except Exception:  # any file at all may arrive; whatever FFmpeg makes of it, keep it
        return None
    with container:
        video = [s for s in container.streams if s.type == "video"]
        audio = [s for s in container.streams if s.type == "audio"]
        if not video and not audio:
            return None
        media: dict[str, Any] = {"container": container.format.name}
        if container.duration is not None:
            media["duration_seconds"] = decimal_text(container.duration / 1_000_000, 3)
        tags = {k.lower(): v for k, v in (container.metadata or {}).items()}
        if "creation_time" in tags:
            media["creation_time"] = tags["creation_time"]
        location = tags.get("location") or tags.get("com.apple.quicktime.location.iso6709")
        if location and (gps := gps_from_location(location)):
            media["gps"] = gps
        if video:
            stream = video[0]
            codec: Any = stream.codec_context
            media["video_codec"] = codec.name
            media["width"] = codec.width
            media["height"] = codec.height
            rate = stream.average_rate or stream.base_rate
            if rate:
                media["frame_rate"] = decimal_text(rate, 3)
        if audio:
            sound: Any = audio[0].codec_context
            media["audio_codec"] = sound.name
            media["sample_rate"] = sound.sample_rate
        single_image = (
            bool(video)
            and not audio
            and container.format.name
            in ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "tiff_pipe", "bmp_pipe")
        )
    if single_image:
        return None  # photos are Pillow's, for their EXIF
    kind = "video" if video else "audio"
    return Probe(kind=kind, readable=True, content_type=media_type(kind, media), media=media)


# FFmpeg's demuxer names → MIME types; the first name of a family like "mov,mp4,m4a,…" counts.
CONTAINER_TYPES = {
    "mov": ("video/mp4", "audio/mp4"),
    "matroska": ("video/x-matroska", "audio/x-matroska"),
    "avi": ("video/x-msvideo", "video/x-msvideo"),
    "mpegts": ("video/mp2t", "video/mp2t"),
    "mpeg": ("video/mpeg", "audio/mpeg"),
    "flv": ("video/x-flv", "video/x-flv"),
    "asf": ("video/x-ms-asf", "audio/x-ms-wma"),
    "ogg": ("video/ogg", "audio/ogg"),
    "wav": ("audio/wav", "audio/wav"),
    "mp3": ("audio/mpeg", "audio/mpeg"),
    "aac": ("audio/aac", "audio/aac"),
    "amr": ("audio/amr", "audio/amr"),
    "flac": ("audio/flac", "audio/flac"),
    "h264": ("video/h264", "video/h264"),
    "hevc": ("video/h265", "video/h265"),
}


def media_type(kind: str, media: dict[str, Any]) -> str:
    name = str(media.get("container", "")).split(",")[0]
    video, audio = CONTAINER_TYPES.get(name, (f"video/x-{name}", f"audio/x-{name}"))
    return video if kind == "video" else audio


def exif_gps(exif: Any) -> dict[str, str] | None:
    try:
        gps = exif.get_ifd(0x8825)
    except (KeyError, AttributeError):
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None

    def degrees(values: Any, ref: str) -> float:
        d, m, s = (float(v) for v in values)
        value = d + m / 60 + s / 3600
        return -value if ref in ("S", "W") else value

    lat = degrees(gps[2], gps.get(1, "N"))
    lon = degrees(gps[4], gps.get(3, "E"))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return {"latitude": decimal_text(lat), "longitude": decimal_text(lon), "datum": "WGS-84"}


def probe_photo(path: Path) -> Probe | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            media: dict[str, Any] = {
                "container": (image.format or "").lower(),
                "width": image.width,
                "height": image.height,
            }
            exif = image.getexif()
            taken = exif.get_ifd(0x8769).get(36867) or exif.get(306)
            if taken:
                media["creation_time"] = str(taken)
            if gps := exif_gps(exif):
                media["gps"] = gps
            content_type = Image.MIME.get(image.format or "", "image/unknown")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    except Exception:  # a decompression bomb, a broken EXIF block: kept, flagged, not raised
        return None
    return Probe(kind="photo", readable=True, content_type=content_type, media=media)


def probe(path: Path) -> Probe:
    """Never raises for bad media: unreadable files come back flagged."""
    with path.open("rb") as f:
        head = f.read(8)
    for magic, content_type in DOCUMENT_MAGIC.items():
        if head.startswith(magic):
            return Probe(
                kind="document",
                readable=True,
                content_type=content_type,
                media={"container": content_type.split("/")[1]},
            )
    if path.stat().st_size == 0:
        return Probe(kind="other", readable=False, media={"problem": "empty file"})
    found = probe_photo(path) or probe_av(path)
    if found is not None:
        return found
    return Probe(kind="other", readable=False, media={"problem": "unreadable or unknown media"})
