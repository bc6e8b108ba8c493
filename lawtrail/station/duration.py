"""How long a recording lasts, read from its header without decoding it (and without PyAV,
which the dock PC does not need).

A file name gives the start of a recording; its end (``recorded_to``, from which the 48-hour
clock of 第十九条 runs) is start + duration. MP4/MOV/M4A keep the duration in the ``mvhd`` box
of ``moov`` (often at the end of a camera's file: the boxes are skipped by their sizes, never
read whole); WAV in its ``fmt `` and ``data`` chunks. A photo lasts no time. Anything else: None.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".bmp", ".tif", ".tiff"}
ISO_SUFFIXES = {".mp4", ".mov", ".m4a", ".m4v", ".3gp"}
MAX_BOXES = 10_000


def duration_seconds(path: Path) -> float | None:
    suffix = path.suffix.lower()
    if suffix in PHOTO_SUFFIXES:
        return 0.0
    try:
        with path.open("rb") as f:
            if suffix in ISO_SUFFIXES:
                return iso_duration(f)
            if suffix == ".wav":
                return wav_duration(f)
    except (OSError, struct.error):
        return None
    return None


def boxes(f: BinaryIO, start: int, end: int | None) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes between ``start`` and ``end``."""
    found = []
    position = start
    for _ in range(MAX_BOXES):
        if end is not None and position + 8 > end:
            break
        f.seek(position)
        header = f.read(8)
        if len(header) < 8:
            break
        size, kind = struct.unpack(">I4s", header)
        payload = position + 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            payload += 8
        elif size == 0:  # to the end of the file (or of the parent)
            f.seek(0, 2)
            size = (end if end is not None else f.tell()) - position
        if size < payload - position:
            break
        found.append((kind, payload, position + size))
        position += size
    return found


def iso_duration(f: BinaryIO) -> float | None:
    for kind, start, end in boxes(f, 0, None):
        if kind != b"moov":
            continue
        for inner, payload, _end in boxes(f, start, end):
            if inner != b"mvhd":
                continue
            f.seek(payload)
            version = f.read(1)[0]
            f.read(3)  # flags
            if version == 1:
                _created, _modified, timescale, duration = struct.unpack(">QQIQ", f.read(28))
            else:
                _created, _modified, timescale, duration = struct.unpack(">IIII", f.read(16))
            if timescale == 0 or duration in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
                return None
            return float(duration) / float(timescale)
    return None


def wav_duration(f: BinaryIO) -> float | None:
    header = f.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    byte_rate = 0
    position = 12
    for _ in range(MAX_BOXES):
        f.seek(position)
        chunk = f.read(8)
        if len(chunk) < 8:
            return None
        kind, size = struct.unpack("<4sI", chunk)
        if kind == b"fmt ":
            fmt = f.read(16)
            byte_rate = struct.unpack("<HHIIHH", fmt)[3]
        elif kind == b"data":
            return float(size) / byte_rate if byte_rate else None
        position += 8 + size + (size & 1)
    return None
