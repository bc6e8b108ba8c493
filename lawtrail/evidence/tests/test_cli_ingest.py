"""``lawtrail ingest FILE…`` (issue 4 §7): the acting login is named with --as; with --json one
object per file; bad input exits 2 with a sentence and stores nothing (invariant 8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from lawtrail.cli import main
from lawtrail.evidence.models import Acquisition, Binding
from lawtrail.evidence.tests.fixtures import counts, sha256_of, sm3_of
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The sentences are checked in English (the catalogue may translate them)."""
    with translation.override("en"):
        yield


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["ingest", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_files_are_ingested_and_described_as_json(
    province: Province, media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys,
        str(media.video),
        str(media.photo),
        str(media.broken),
        "--as",
        "officer_a2",
        "--officer",
        "61010200001",
        "--device",
        "DSJ-3",
        "--recorded-from",
        "2025-03-01T08:00:00+08:00",
        "--recorded-to",
        "2025-03-01T08:00:02+08:00",
        "--json",
    )
    assert status == 0, err
    assert err == ""  # no progress bar when stderr is not a terminal
    listed = json.loads(out)
    assert [item["kind"] for item in listed] == ["video", "photo", "other"]
    video = listed[0]
    assert {"id", "sha256", "sm3", "size", "kind", "readable"} <= set(video)
    assert video["sha256"] == sha256_of(media.video) and video["sm3"] == sm3_of(media.video)
    assert video["size"] == media.video.stat().st_size and video["readable"] is True
    assert listed[2]["readable"] is False
    arrivals = Acquisition.objects.order_by("id")
    assert {(a.source, a.acquired_by.username, a.device_serial) for a in arrivals} == {
        ("cli", "officer_a2", "DSJ-3")
    }
    assert all(a.officer == province.officer_a for a in arrivals)


def test_without_json_each_file_gets_a_line(
    province: Province, media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = run(capsys, str(media.photo), str(media.photo), "--as", "officer_a")
    assert status == 0
    first, second = out.splitlines()
    assert sha256_of(media.photo) in first and "already stored" in second


def test_a_matter_number_binds_the_files(
    province: Province, media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    matter = open_matter(province)
    status, _out, err = run(
        capsys, str(media.audio_wav), "--as", "officer_a", "--matter", matter.number
    )
    assert status == 0, err
    assert Binding.objects.get().matter == matter


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["{missing}", "--as", "officer_a"], "no such file"),
        (["{folder}", "--as", "officer_a"], "folder"),
        (["{video}", "{missing}", "--as", "officer_a"], "no such file"),
        (["{video}"], "--as"),
        (["{video}", "--as", "nobody"], "no user"),
        (["{video}", "--as", "officer_a", "--matter", "不存在"], "matter"),
        (["{video}", "--as", "officer_a", "--officer", "000"], "officer"),
        (["{video}", "--as", "officer_a", "--recorded-from", "last tuesday"], "recorded_from"),
        (["{video}", "--as", "officer_a", "--recorded-to", "2025-02-30T10:00"], "recorded_to"),
    ],
)
def test_bad_input_exits_2_with_a_sentence_and_stores_nothing(
    province: Province,
    media: Media,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    says: str,
) -> None:
    names = {
        "missing": str(tmp_path / "nope.mp4"),
        "folder": str(tmp_path),
        "video": str(media.video),
    }
    before = counts()
    status, out, err = run(capsys, *(a.format(**names) for a in argv))
    assert status == 2
    assert says in err and err.startswith("lawtrail: ")
    assert out == ""
    assert counts() == before


def test_a_deactivated_login_cannot_act(
    province: Province, media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    user: Any = province.officer_a.user
    user.is_active = False
    user.save()
    status, _out, err = run(capsys, str(media.video), "--as", "officer_a")
    assert status == 2 and "deactivated" in err
