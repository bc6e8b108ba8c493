"""File names are kept for people to read, never used as paths: path traversal, control and
direction marks, and decomposed Unicode change nothing outside the store (invariant 8)."""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

import pytest

from lawtrail.evidence.ingest import safe_filename
from lawtrail.evidence.tests.fixtures import Tus, ingest
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province


def every_file(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\config", "config"),
        ("/etc/shadow", "shadow"),
        ("..", ".."),
        ("现场\u202egnp.exe", "现场gnp.exe"),  # RIGHT-TO-LEFT OVERRIDE hides the real suffix
        ("\u200f录像\u200e.mp4", "录像.mp4"),  # RTL and LTR marks
        ("e\u0301vidence.mp4", "\u00e9vidence.mp4"),  # NFD → NFC
        ("bell\x07\x00.mp4", "bell.mp4"),
        ("x" * 300 + ".mp4", "x" * 255),
    ],
)
def test_a_name_is_kept_as_a_name(given: str, kept: str) -> None:
    assert safe_filename(given) == kept


def test_a_traversing_name_leaves_the_file_system_alone(
    province: Province, media: Media, evidence_home: Path
) -> None:
    before = every_file(evidence_home.parent)
    acquisition = ingest(province.officer_a.user, media.photo, filename="../../etc/passwd")
    assert acquisition.filename == "passwd"
    added = every_file(evidence_home.parent) - before
    # Only the blob, under its digest, in the store: nothing named after the client's name.
    assert added == {
        f"home/store/{acquisition.evidence.sha256[:2]}/"
        f"{acquisition.evidence.sha256[2:4]}/{acquisition.evidence.sha256}"
    }


def test_odd_unicode_names_arrive_intact_through_tus(
    province: Province, media: Media, evidence_home: Path
) -> None:
    from lawtrail.evidence.tasks import ingest_upload

    tus = Tus(api_client(province.officer_a))
    data = media.photo.read_bytes()
    nfd = unicodedata.normalize("NFD", "执法记录仪 é.jpg")
    url = tus.start(len(data), filename=f"../\u202e{nfd}")
    tus.send(url, data, len(data))
    ingest_upload.call(tus.upload_id(url))
    status = tus.client.get(url).json()
    acquisition = province.officer_a.user.uploads.get().acquisition
    assert acquisition.filename == "执法记录仪 é.jpg"
    assert status["evidence"]["sha256"] == acquisition.evidence.sha256
    assert not any(".." in name for name in every_file(evidence_home))


def test_a_file_on_disk_with_an_odd_name_is_ingested(
    province: Province, media: Media, tmp_path: Path
) -> None:
    odd = tmp_path / unicodedata.normalize("NFD", "\u200f询问录音 é.m4a")
    shutil.copy(media.audio_m4a, odd)
    acquisition = ingest(province.officer_a.user, odd)
    assert acquisition.filename == "询问录音 é.m4a"
    assert os.path.exists(odd)  # the source is only read
