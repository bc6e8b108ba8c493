"""File-name layouts: what a camera's file name says about its recording (issue 5 §3)."""

from __future__ import annotations

from datetime import datetime

import pytest

from lawtrail.errors import UsageError
from lawtrail.station.layout import DEFAULT_LAYOUT, compile_layout, match_any


def test_the_default_layout_reads_serial_officer_start_and_sequence() -> None:
    facts = compile_layout(DEFAULT_LAYOUT).match("DCIM/DSJ0001_61010200001_20250301080000_0007.MP4")
    assert facts is not None
    assert (facts.serial, facts.officer, facts.seq) == ("DSJ0001", "61010200001", "0007")
    assert facts.start == datetime(2025, 3, 1, 8, 0, 0)


def test_an_officer_named_by_username_may_hold_underscores() -> None:
    facts = compile_layout(DEFAULT_LAYOUT).match("DSJ0001_officer_a_20250301080000_0001.mp4")
    assert facts is not None
    assert (facts.serial, facts.officer) == ("DSJ0001", "officer_a")


def test_a_path_layout_reads_the_folders_too() -> None:
    layout = compile_layout("DCIM/{date}/{serial}-{time}.{ext}")
    facts = layout.match("DCIM/20250301/CAM7-081500.mov")
    assert facts is not None
    assert facts.serial == "CAM7"
    assert facts.start == datetime(2025, 3, 1, 8, 15, 0)
    assert layout.match("OTHER/20250301/CAM7-081500.mov") is None


def test_a_name_that_does_not_fit_says_nothing() -> None:
    layouts = [compile_layout(DEFAULT_LAYOUT)]
    assert match_any(layouts, "IMG_0001.JPG").serial == ""
    # Fourteen digits that are not a time: no facts rather than wrong ones.
    assert match_any(layouts, "A_b_20251399999999_1.MP4").start is None


def test_the_first_matching_layout_wins() -> None:
    layouts = [compile_layout("{serial}-{start}.{ext}"), compile_layout(DEFAULT_LAYOUT)]
    assert match_any(layouts, "X1-20250301080000.MP4").serial == "X1"
    assert match_any(layouts, "X2_o_20250301080000_1.MP4").officer == "o"


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("", "must not be empty"),
        ("{serial}_{who}.{ext}", "unknown placeholder {who}"),
        ("{serial}_{serial}.mp4", "names {serial} twice"),
        ("{serial_{start}.mp4", "unmatched brace"),
        ("{start}_{date}.mp4", "not both"),
        ("{serial}_{time}.mp4", "{time} needs {date}"),
        ("{*}.{ext}", "says nothing about the recording"),
        ("/DCIM/{serial}.mp4", "neither starts nor ends with '/'"),
    ],
)
def test_a_bad_layout_is_refused_with_a_sentence(pattern: str, says: str) -> None:
    with pytest.raises(UsageError, match=".*" + says.replace("{", r"\{").replace("}", r"\}")):
        compile_layout(pattern)
