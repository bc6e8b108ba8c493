"""What a docked device says about itself, and its clock offset (issue 5 §4, 第十九条)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lawtrail.station.deviceinfo import InfoError, corrected, read_info
from lawtrail.station.layout import DEFAULT_LAYOUT, compile_layout
from lawtrail.station.recording import describe, fallback


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def test_device_json_gives_serial_officer_battery_and_the_clock_offset(tmp_path: Path) -> None:
    ahead = datetime.now() + timedelta(seconds=90)
    (tmp_path / "DEVICE.JSON").write_text(
        json.dumps({"serial": "DSJ0001", "officer": "61010200001", "clock": local(ahead),
                    "battery": 87})
    )  # fmt: skip
    info = read_info(tmp_path)
    assert (info.serial, info.officer, info.battery, info.source) == (
        "DSJ0001",
        "61010200001",
        87,
        "DEVICE.JSON",
    )
    assert info.clock_offset is not None
    assert 88 <= info.clock_offset <= 90


def test_device_inf_in_gb18030_with_chinese_keys(tmp_path: Path) -> None:
    behind = datetime.now() - timedelta(minutes=5)
    text = (
        f"[设备]\n产品序号=DSJ0002\n警员编号 = 61010200002\n"
        f"设备时间={behind:%Y-%m-%d %H:%M:%S}\n电量=45%\n"
    )
    (tmp_path / "device.inf").write_bytes(text.encode("gb18030"))
    info = read_info(tmp_path)
    assert (info.serial, info.officer, info.battery) == ("DSJ0002", "61010200002", 45)
    assert info.clock_offset is not None
    assert -302 <= info.clock_offset <= -299


def test_a_folder_without_an_info_file_has_no_clock(tmp_path: Path) -> None:
    info = read_info(tmp_path)
    assert info.serial == "" and info.clock_offset is None


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("DEVICE.JSON", b'{"serial": "DSJ', "not JSON"),
        ("DEVICE.JSON", b"[1, 2]", "not a JSON object"),
        ("DEVICE.JSON", b'{"clock": "yesterday"}', "not a time"),
        ("DEVICE.INF", b"BATTERY=lots\n", "not a percentage"),
    ],
)
def test_a_broken_info_file_is_an_error_that_names_it(
    tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InfoError, match=says):
        read_info(tmp_path)


def test_device_times_are_corrected_by_the_offset(tmp_path: Path) -> None:
    """A device 90 s fast recorded at what it called 08:01:30; the station's clock says 08:00."""
    (tmp_path / "DEVICE.JSON").write_text(
        json.dumps({"clock": local(datetime.now() + timedelta(seconds=90))})
    )
    info = read_info(tmp_path)
    video = tmp_path / "DSJ1_61010200001_20250301080130_0001.MP4"
    video.write_bytes(b"")
    layouts = [compile_layout(DEFAULT_LAYOUT)]
    recording = describe(video.name, video, info, layouts, "slot1", info.clock_offset)
    assert recording.recorded_from is not None
    moved = recording.recorded_from.replace(tzinfo=None) - datetime(2025, 3, 1, 8, 0, 0)
    assert abs(moved.total_seconds()) < 2
    metadata = recording.metadata("ab" * 32, "17")
    assert metadata["device"] == "DSJ1"
    assert metadata["officer"] == "61010200001"
    assert metadata["device_recorded_from"].startswith("2025-03-01T08:01:30")
    assert 88 <= float(metadata["clock_offset"]) <= 90
    assert metadata["dock"] == "17"
    assert corrected(datetime(2025, 3, 1, 8, 0), None).hour == 8


def test_the_fallback_keeps_what_the_device_said() -> None:
    kept = fallback(
        {"officer": "x", "recorded_from": "a", "recorded_to": "b", "device_recorded_from": "c"}
    )
    assert kept == {"declared_officer": "x", "device_recorded_from": "c"}


def test_the_station_clock_is_compared_with_the_servers() -> None:
    from datetime import UTC

    from lawtrail.station.stations import clock_skew

    asked = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
    answered = asked + timedelta(seconds=2)
    server = {"server_time": "2025-03-01T07:58:01+00:00"}
    assert clock_skew(server, asked, answered) == 120.0  # the station runs two minutes fast
    assert clock_skew({"server_time": "soon"}, asked, answered) is None
    assert clock_skew(None, asked, answered) is None
