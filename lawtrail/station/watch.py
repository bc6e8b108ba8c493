"""Watching the dock folder: which devices are there, which of their files are ready.

The watch folder holds one sub-folder per mounted device. A device is docked while its folder
exists and is not empty (an unmounted mount point is an empty folder). Its files are taken
recursively, except hidden ones (``.lawtrail-cleared/`` among them), the device info file and
the litter of file systems. A file is ready once it is stable: its size and modification time
have not changed for ``stable_seconds`` of watching (files already there when the agent starts
wait the same time, so a file still being copied is never taken half-written; paperless-ngx's
consumer does the same).

Polling, not inotify: it works the same on every file system a camera shows up as (FAT over
USB, network mounts), and a scan of a few thousand files a second costs nothing.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lawtrail.station.deviceinfo import is_info_file

CLEARED_FOLDER = ".lawtrail-cleared"
LITTER = {"system volume information", "$recycle.bin", "found.000", "lost+found", "thumbs.db"}


@dataclass(frozen=True)
class Seen:
    device: str  # the device's folder name
    relative: str  # the path inside the device's folder, with '/'
    path: Path
    size: int
    mtime_ns: int

    @property
    def key(self) -> str:
        return f"{self.device}/{self.relative}"

    @property
    def journal_path(self) -> str:
        """How the journal names the file: its path inside the watch folder."""
        return self.key


@dataclass
class DeviceScan:
    name: str
    folder: Path
    files: list[Seen] = field(default_factory=list)
    ready: list[Seen] = field(default_factory=list)
    #: The info file is absent, or has not changed for ``stable_seconds``.
    info_settled: bool = True


class Stability:
    """Remembers when each thing last changed; stable once unchanged for ``seconds``."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.since: dict[str, tuple[tuple[int, int], float]] = {}

    def observe(self, key: str, signature: tuple[int, int]) -> bool:
        now = self.clock()
        known = self.since.get(key)
        if known is None or known[0] != signature:
            self.since[key] = (signature, now)
            return self.seconds <= 0
        return now - known[1] >= self.seconds

    def keep_only(self, keys: set[str]) -> None:
        for key in list(self.since):
            if key not in keys:
                del self.since[key]


def is_skipped(name: str) -> bool:
    return name.startswith(".") or name.lower() in LITTER


def walk(device: str, folder: Path) -> list[Seen]:
    """Every candidate file of a device, in a stable order; no symlinks are followed."""
    found: list[Seen] = []
    pending = [(folder, "")]
    while pending:
        current, prefix = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue  # removed while we looked, or unreadable: the next scan sees
        for entry in entries:
            if is_skipped(entry.name):
                continue
            relative = prefix + entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append((Path(entry.path), relative + "/"))
            elif stat.S_ISREG(info.st_mode):
                if not prefix and is_info_file(entry.name):
                    continue
                found.append(
                    Seen(device, relative, Path(entry.path), info.st_size, info.st_mtime_ns)
                )
    found.sort(key=lambda seen: seen.relative)
    return found


def is_docked(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


class Watcher:
    def __init__(
        self, watch: Path, stable_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.watch = watch
        self.stability = Stability(stable_seconds, clock)

    def scan(self) -> dict[str, DeviceScan]:
        """The docked devices and their files, with the ready ones marked."""
        devices: dict[str, DeviceScan] = {}
        keys: set[str] = set()
        try:
            folders = sorted(os.scandir(self.watch), key=lambda e: e.name)
        except OSError:
            folders = []
        for entry in folders:
            if is_skipped(entry.name) or not entry.is_dir(follow_symlinks=True):
                continue
            folder = Path(entry.path)
            if not is_docked(folder):
                continue
            scan = DeviceScan(entry.name, folder)
            try:
                names = os.listdir(folder)
            except OSError:
                continue  # unmounted while we looked
            for name in names:
                if is_info_file(name):
                    try:
                        info = (folder / name).stat()
                    except OSError:
                        continue
                    key = f"{entry.name}/{name}"
                    keys.add(key)
                    scan.info_settled = self.stability.observe(
                        key, (info.st_size, info.st_mtime_ns)
                    )
            for seen in walk(entry.name, folder):
                keys.add(seen.key)
                scan.files.append(seen)
                if self.stability.observe(seen.key, (seen.size, seen.mtime_ns)):
                    scan.ready.append(seen)
            devices[entry.name] = scan
        self.stability.keep_only(keys)
        return devices
