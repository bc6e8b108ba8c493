"""Which devices are docked and which of their files are ready (issue 5 §3): a file is taken
only once its size and time have not changed for a while, files there at start-up too."""

from __future__ import annotations

import os
from pathlib import Path

from lawtrail.station.watch import Watcher


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ready(watcher: Watcher) -> dict[str, list[str]]:
    return {name: [s.relative for s in scan.ready] for name, scan in watcher.scan().items()}


def test_files_are_ready_only_after_being_stable(tmp_path: Path) -> None:
    (tmp_path / "CAM1" / "DCIM").mkdir(parents=True)
    clip = tmp_path / "CAM1" / "DCIM" / "a.MP4"
    clip.write_bytes(b"x" * 10)  # there before the agent starts
    clock = Clock()
    watcher = Watcher(tmp_path, stable_seconds=5, clock=clock)
    assert ready(watcher) == {"CAM1": []}
    clock.now += 3
    with clip.open("ab") as f:
        f.write(b"more")  # still being written
    assert ready(watcher) == {"CAM1": []}
    clock.now += 4
    assert ready(watcher) == {"CAM1": []}  # 4 s since the last change
    clock.now += 1.5
    assert ready(watcher) == {"CAM1": ["DCIM/a.MP4"]}


def test_a_touched_file_waits_again(tmp_path: Path) -> None:
    (tmp_path / "CAM1").mkdir()
    clip = tmp_path / "CAM1" / "a.MP4"
    clip.write_bytes(b"x")
    clock = Clock()
    watcher = Watcher(tmp_path, stable_seconds=2, clock=clock)
    watcher.scan()
    clock.now += 2
    assert ready(watcher) == {"CAM1": ["a.MP4"]}
    os.utime(clip, ns=(1, 1))
    assert ready(watcher) == {"CAM1": []}


def test_hidden_files_info_files_and_litter_are_not_recordings(tmp_path: Path) -> None:
    device = tmp_path / "CAM1"
    (device / ".lawtrail-cleared" / "DCIM").mkdir(parents=True)
    (device / ".lawtrail-cleared" / "DCIM" / "done.MP4").write_bytes(b"1")
    (device / "System Volume Information").mkdir()
    (device / "System Volume Information" / "x").write_bytes(b"1")
    (device / "DEVICE.JSON").write_text("{}")
    (device / ".hidden.MP4").write_bytes(b"1")
    (device / "sub").mkdir()
    (device / "sub" / "DEVICE.JSON").write_text("{}")  # only the root's is the info file
    (device / "clip.MP4").write_bytes(b"1")
    os.symlink("/etc/passwd", device / "link.MP4")
    watcher = Watcher(tmp_path, stable_seconds=0)
    assert ready(watcher) == {"CAM1": ["clip.MP4", "sub/DEVICE.JSON"]}


def test_an_empty_mount_point_is_not_a_docked_device(tmp_path: Path) -> None:
    (tmp_path / "CAM1").mkdir()
    (tmp_path / "CAM2").mkdir()
    (tmp_path / "CAM2" / "DEVICE.JSON").write_text("{}")
    (tmp_path / "stray.MP4").write_bytes(b"1")  # not in a device's folder
    scan = Watcher(tmp_path, stable_seconds=0).scan()
    assert list(scan) == ["CAM2"]
    assert scan["CAM2"].files == []


def test_the_info_file_must_settle_before_the_device_is_read(tmp_path: Path) -> None:
    (tmp_path / "CAM1").mkdir()
    (tmp_path / "CAM1" / "DEVICE.INF").write_text("SERIAL=1\n")
    clock = Clock()
    watcher = Watcher(tmp_path, stable_seconds=1, clock=clock)
    assert not watcher.scan()["CAM1"].info_settled
    clock.now += 1
    assert watcher.scan()["CAM1"].info_settled
