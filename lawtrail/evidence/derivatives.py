"""Watermarked working copies and thumbnails (第十九条: 加水印和案号、当事人姓名或者名称、
承办人姓名、GIS 等信息).

The original is only ever read. Video is re-encoded by the static FFmpeg of ``imageio-ffmpeg``
with ``drawtext`` (Noto Sans SC from ``pylopdf-fonts-zh-cn``) burning the facts in, plus a
running clock of the capture time; photos get the same lines drawn by Pillow; audio gets a copy
carrying the facts in its tags. Every derivative records the source digest, the tool versions
and the exact parameters, and is made bit-exact, so running the same job again gives the same
bytes — anyone can re-make it and compare.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lawtrail.evidence.models import Acquisition, Binding, Derivative, Evidence
from lawtrail.ledger import events
from lawtrail.storage import default_store

VIDEO_ENCODER = [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-threads",
    "2",
]
AUDIO_ENCODER = ["-c:a", "aac", "-b:a", "128k"]
# Bit-exact output and no creation times, so a re-made copy has the same digest.
REPRODUCIBLE = [
    "-map_metadata",
    "-1",
    "-fflags",
    "+bitexact",
    "-flags:v",
    "+bitexact",
    "-flags:a",
    "+bitexact",
    "-movflags",
    "+faststart",
]
THUMBNAIL_WIDTH = 320


@cache
def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@cache
def font_path() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())


@cache
def tool_versions() -> dict[str, str]:
    import PIL

    first = subprocess.run([ffmpeg(), "-version"], capture_output=True, text=True, check=True)
    font = font_path()
    return {
        "ffmpeg": first.stdout.splitlines()[0],
        "pillow": PIL.__version__,
        "font": font.name,
        "font_sha256": hashlib.sha256(font.read_bytes()).hexdigest(),
    }


@dataclass
class Facts:
    """What the watermark says, in order (第十九条)."""

    matter_number: str = ""
    parties: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)
    gis: str = ""
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    evidence_id: int = 0
    sha256: str = ""
    #: Extra lines naming who a copy was made for (第二十条 copies; see ``recipient_lines``).
    recipient: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        local = timezone.get_current_timezone()

        def when(at: datetime | None) -> str:
            return at.astimezone(local).strftime("%Y-%m-%d %H:%M:%S") if at else "—"

        return [
            f"案号 {self.matter_number or '未关联案件'}",
            f"当事人 {'、'.join(self.parties) or '—'}",
            f"承办人 {'、'.join(self.handlers) or '—'}",
            f"GIS {self.gis or '—'}",
            f"采集 {when(self.recorded_from)} 至 {when(self.recorded_to)}",
            f"证据 {self.evidence_id} SHA-256 {self.sha256[:16]}",
            *self.recipient,
        ]


def recipient_lines(
    name: str, organisation: str, request_number: str, made_at: datetime
) -> list[str]:
    """The watermark lines of a copy made for a court or 复议机关 (第二十条): who it was made for,
    under which request, and when, so that a leaked copy names its source."""
    local = timezone.get_current_timezone()
    who = f"{organisation} {name}".strip() if organisation else name
    return [
        f"提供给 {who}",
        f"申请号 {request_number} 制作 {made_at.astimezone(local).strftime('%Y-%m-%d %H:%M:%S')}",
    ]


def facts_for(evidence: Evidence, binding: Binding | None) -> Facts:
    acquisition = Acquisition.objects.filter(evidence=evidence).select_related("officer").first()
    facts = Facts(evidence_id=evidence.pk, sha256=evidence.sha256)
    if acquisition is not None:
        facts.recorded_from = acquisition.recorded_from
        facts.recorded_to = acquisition.recorded_to
        if acquisition.gis:
            facts.gis = f"{acquisition.gis[0]['wgs84']} WGS-84"
    if not facts.gis and evidence.media.get("gps"):
        gps = evidence.media["gps"]
        facts.gis = f"{gps['latitude']},{gps['longitude']} WGS-84"
    if binding is not None:
        matter = binding.matter
        facts.matter_number = matter.number
        facts.parties = [p.name for p in matter.parties.order_by("id")]
        facts.handlers = [
            h.officer.name
            for h in matter.handlers.select_related("officer").order_by("-is_lead", "id")
        ]
        point = matter.gis_points.order_by("id").first()
        if not facts.gis and point is not None:
            facts.gis = f"{point.latitude},{point.longitude} WGS-84"
    if binding is None and acquisition is not None and acquisition.officer:
        facts.handlers = [acquisition.officer.name]
    return facts


def escape_drawtext(value: str) -> str:
    """Escape for a drawtext option value inside a filtergraph (two levels of quoting)."""
    for char in ("\\", ":", "'", "%", ",", "[", "]", ";", "="):
        value = value.replace(char, "\\" + char)
    return value


def video_filter(textfile: Path, start_epoch: int | None, height: int) -> str:
    size = max(14, height // 36)
    font = escape_drawtext(str(font_path()))
    text = escape_drawtext(str(textfile))
    box = f"box=1:boxcolor=black@0.55:boxborderw={size // 3}:fontcolor=white:fontsize={size}"
    static = (
        f"drawtext=fontfile={font}:textfile={text}:x={size}:y=h-th-{size * 3}:{box}:"
        f"line_spacing={size // 4}"
    )
    if start_epoch is None:
        return static
    clock = (
        f"drawtext=fontfile={font}:x={size}:y=h-{size * 2}:{box}:"
        f"text='%{{pts\\:localtime\\:{start_epoch}\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S}}'"
    )
    return f"{static},{clock}"


def make_video_copy(
    source: Path, out: Path, facts: Facts, media: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    textfile = workdir / "watermark.txt"
    textfile.write_text("\n".join(facts.lines()), encoding="utf-8")
    start = int(facts.recorded_from.timestamp()) if facts.recorded_from else None
    filtergraph = video_filter(textfile, start, int(media.get("height") or 720))
    args = [
        ffmpeg(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(source),
        "-map",
        "0:v:0",
        "-map",
        "0:a?",
        "-vf",
        filtergraph,
        *VIDEO_ENCODER,
        *AUDIO_ENCODER,
        *REPRODUCIBLE,
        str(out),
    ]
    run(args)
    return {"argv": redact_paths(args, source, out, workdir), "filter": "drawtext"}


def make_audio_copy(source: Path, out: Path, facts: Facts, workdir: Path) -> dict[str, Any]:
    comment = " | ".join(facts.lines())
    args = [
        ffmpeg(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(source),
        "-map",
        "0:a:0",
        *AUDIO_ENCODER,
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:a",
        "+bitexact",
        "-metadata",
        f"comment={comment}",
        "-metadata",
        f"title={facts.matter_number or '未关联案件'}",
        str(out),
    ]
    run(args)
    return {"argv": redact_paths(args, source, out, workdir)}


def make_photo_copy(source: Path, out: Path, facts: Facts) -> dict[str, Any]:
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    with Image.open(source) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    size = max(14, image.height // 36)
    font = ImageFont.truetype(str(font_path()), size)
    draw = ImageDraw.Draw(image, "RGBA")
    lines = facts.lines()
    line_height = int(size * 1.3)
    top = image.height - line_height * len(lines) - size
    width = max(int(draw.textlength(line, font=font)) for line in lines) + size
    draw.rectangle([0, top - size // 2, width, image.height], fill=(0, 0, 0, 140))
    for index, line in enumerate(lines):
        draw.text((size // 2, top + index * line_height), line, font=font, fill="white")
    image.save(out, "JPEG", quality=90, optimize=False)
    return {"jpeg_quality": 90, "font_size": size}


def make_thumbnail(source: Path, out: Path, kind: str) -> dict[str, Any]:
    if kind == Evidence.Kind.VIDEO:
        args = [
            ffmpeg(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-ss",
            "1",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            f"scale={THUMBNAIL_WIDTH}:-2",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            "-flags:v",
            "+bitexact",
            str(out),
        ]
        run(args)
        if not out.exists() or out.stat().st_size == 0:  # shorter than a second
            args[args.index("-ss") + 1] = "0"
            run(args)
        return {"argv": redact_paths(args, source, out, out.parent)}
    from PIL import Image, ImageOps

    with Image.open(source) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    image.thumbnail((THUMBNAIL_WIDTH, THUMBNAIL_WIDTH * 4))
    image.save(out, "JPEG", quality=85)
    return {"width": THUMBNAIL_WIDTH, "jpeg_quality": 85}


def run(args: list[str]) -> None:
    # The running clock uses the process's local time: make it the system's time zone.
    env = {"PATH": "/usr/bin:/bin", "TZ": settings.TIME_ZONE}
    result = subprocess.run(args, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        raise DerivativeError(f"ffmpeg failed ({result.returncode}): {result.stderr[-500:]}")


class DerivativeError(RuntimeError):
    pass


def redact_paths(args: list[str], source: Path, out: Path, workdir: Path) -> list[str]:
    """The argv with machine-specific paths replaced, so the parameters can be compared."""
    replace = {
        str(source): "{original}",
        str(out): "{output}",
        str(workdir): "{workdir}",
        ffmpeg(): "ffmpeg",
        str(font_path()): "{font}",
    }
    cleaned = []
    for arg in args:
        for old, new in replace.items():
            arg = arg.replace(escape_drawtext(old), new).replace(old, new)
        cleaned.append(arg)
    return cleaned


def make_derivatives(evidence_id: int, binding_id: int | None) -> list[Derivative]:
    """Make the working copy and the thumbnail for an evidence and its current binding.

    Idempotent: a derivative that exists for this (evidence, binding, kind) is not made again.
    """
    evidence = Evidence.objects.get(pk=evidence_id)
    binding = Binding.objects.select_related("matter").get(pk=binding_id) if binding_id else None
    if not evidence.readable or evidence.kind not in (
        Evidence.Kind.VIDEO,
        Evidence.Kind.PHOTO,
        Evidence.Kind.AUDIO,
    ):
        return []
    wanted = [Derivative.Kind.WORKING_COPY]
    # One thumbnail per evidence, made with the first working copy (it shows no matter facts).
    thumbnails = Derivative.objects.filter(evidence=evidence, kind=Derivative.Kind.THUMBNAIL)
    if evidence.kind != Evidence.Kind.AUDIO and not thumbnails.exists():
        wanted.append(Derivative.Kind.THUMBNAIL)
    done = set(
        Derivative.objects.filter(evidence=evidence, binding=binding).values_list("kind", flat=True)
    )
    made = []
    for kind in wanted:
        if kind not in done:
            made.append(make_one(evidence, binding, kind))
    return made


def make_one(evidence: Evidence, binding: Binding | None, kind: str) -> Derivative:
    store = default_store()
    facts = facts_for(evidence, binding)
    scratch = Path(settings.LAWTRAIL_HOME) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        workdir = Path(tmp)
        source = workdir / "original"
        reader = store.open(evidence.sha256)
        try:
            with source.open("wb") as writer:
                while chunk := reader.read(4 * 1024 * 1024):
                    writer.write(chunk)
        finally:
            reader.close()
        if kind == Derivative.Kind.THUMBNAIL:
            out = workdir / "thumbnail.jpg"
            parameters = make_thumbnail(source, out, evidence.kind)
            content_type = "image/jpeg"
        elif evidence.kind == Evidence.Kind.VIDEO:
            out = workdir / "working.mp4"
            parameters = make_video_copy(source, out, facts, evidence.media, workdir)
            content_type = "video/mp4"
        elif evidence.kind == Evidence.Kind.PHOTO:
            out = workdir / "working.jpg"
            parameters = make_photo_copy(source, out, facts)
            content_type = "image/jpeg"
        else:
            out = workdir / "working.m4a"
            parameters = make_audio_copy(source, out, facts, workdir)
            content_type = "audio/mp4"
        with out.open("rb") as made:
            blob = store.put_stream(made)
    seconds = f"{time.monotonic() - started:.3f}"
    return record(evidence, binding, kind, blob, content_type, facts, parameters, seconds)


@transaction.atomic
def record(
    evidence: Evidence,
    binding: Binding | None,
    kind: str,
    blob: Any,
    content_type: str,
    facts: Facts,
    parameters: dict[str, Any],
    seconds: str,
) -> Derivative:
    derivative = Derivative.objects.create(
        evidence=evidence,
        binding=binding,
        kind=kind,
        sha256=blob.sha256,
        sm3=blob.sm3,
        size=blob.size,
        content_type=content_type,
        source_sha256=evidence.sha256,
        watermark=facts.lines() if kind == Derivative.Kind.WORKING_COPY else [],
        parameters=parameters,
        tools=tool_versions(),
        made_at=timezone.now(),
        seconds=seconds,
    )
    events.append(
        events.SYSTEM,
        "derivative.made",
        derivative,
        {
            "evidence": evidence.pk,
            "kind": kind,
            "sha256": blob.sha256,
            "sm3": blob.sm3,
            "source_sha256": evidence.sha256,
            "binding": binding.pk if binding else None,
            "watermark": derivative.watermark,
        },
        context=binding.matter.context if binding else "",
    )
    return derivative
