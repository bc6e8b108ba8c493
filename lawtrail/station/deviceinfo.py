"""What a docked device says about itself: serial, officer, its clock and its battery.

A dock (or the camera itself) writes one of these into the root of the device's folder when
the device is mounted:

``DEVICE.JSON``::

    {"serial": "DSJ0001", "officer": "61010200001", "clock": "2025-03-01T08:00:05",
     "battery": 87}

``DEVICE.INF`` (``key=value`` lines in the manner of GA/T 947 devices; UTF-8 or GB18030)::

    SERIAL=DSJ0001
    OFFICER=61010200001
    CLOCK=2025-03-01 08:00:05
    BATTERY=87%

Every key is optional. ``clock`` is the device's clock when the file was written; the agent
reads the file as soon as the device appears, so the offset (device clock − station clock,
第十九条 and decision 0013) is measured at docking. A clock without a UTC offset is read in the
station's time zone, as a camera's clock is set to local time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

INFO_FILES = ("DEVICE.JSON", "DEVICE.INF")

#: Accepted spellings of the keys of DEVICE.INF (and of DEVICE.JSON), compared in upper case.
ALIASES = {
    "serial": {
        "SERIAL",
        "SN",
        "DEVICE",
        "DEVICE_ID",
        "DEVICEID",
        "DEVICE_SERIAL",
        "产品序号",
        "设备编号",
    },
    "officer": {"OFFICER", "OFFICER_ID", "USER_ID", "USERID", "POLICE_ID", "警员编号", "执法证号"},
    "clock": {"CLOCK", "TIME", "DEVICE_TIME", "DEVICE_CLOCK", "NOW", "设备时间"},
    "battery": {"BATTERY", "BATTERY_PERCENT", "POWER", "电量"},
}
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y/%m/%d %H:%M:%S")


class InfoError(ValueError):
    """An info file that is there but cannot be read as one; the message says why."""


@dataclass(frozen=True)
class DeviceInfo:
    serial: str = ""
    officer: str = ""
    #: The device's clock as the info file says it (naive: the device's local time).
    clock: datetime | None = None
    battery: int | None = None
    #: Which file it came from ("" when the folder has none).
    source: str = ""
    #: The station's clock when the file was read (aware).
    read_at: datetime | None = None

    @property
    def clock_offset(self) -> float | None:
        """Device clock − station clock, in seconds, or None when the device gave no clock."""
        if self.clock is None or self.read_at is None:
            return None
        return (as_station_time(self.clock) - self.read_at).total_seconds()


def station_now() -> datetime:
    """The station's clock, aware, in its own time zone."""
    return datetime.now().astimezone()


def as_station_time(moment: datetime) -> datetime:
    """A naive device time read in the station's time zone; an aware one as it is."""
    return moment if moment.tzinfo is not None else moment.astimezone()


def parse_clock(value: str) -> datetime:
    text = value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise InfoError(f"the clock {text[:40]!r} is not a time like 2025-03-01 08:00:05")


def parse_battery(value: Any) -> int:
    text = str(value).strip().rstrip("%").strip()
    if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > 100:
        raise InfoError(f"the battery level {str(value)[:16]!r} is not a percentage")
    return int(text)


def canonical(key: str) -> str | None:
    upper = key.strip().upper()
    for name, spellings in ALIASES.items():
        if upper in spellings:
            return name
    return None


def from_pairs(pairs: dict[str, Any], source: str, read_at: datetime) -> DeviceInfo:
    values: dict[str, Any] = {}
    for key, value in pairs.items():
        name = canonical(str(key))
        if name is None or value is None or str(value).strip() == "":
            continue
        values[name] = value
    return DeviceInfo(
        serial=str(values.get("serial", "")).strip()[:64],
        officer=str(values.get("officer", "")).strip()[:64],
        clock=parse_clock(str(values["clock"])) if "clock" in values else None,
        battery=parse_battery(values["battery"]) if "battery" in values else None,
        source=source,
        read_at=read_at,
    )


def decode(raw: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030, which Chinese devices often write."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InfoError("it is neither UTF-8 nor GB18030 text")


def find_info_file(folder: Path) -> Path | None:
    """The info file in the root of ``folder``, whatever the letter case (FAT file systems)."""
    try:
        names = {entry.name.upper(): entry.name for entry in folder.iterdir() if entry.is_file()}
    except OSError:
        return None
    for wanted in INFO_FILES:
        if wanted in names:
            return folder / names[wanted]
    return None


def is_info_file(name: str) -> bool:
    return name.upper() in INFO_FILES


def read_info(folder: Path) -> DeviceInfo:
    """The device's own account of itself, read now; an empty one when it has no info file.

    Raises ``InfoError`` when a file is there but unreadable (half written, wrong format).
    """
    path = find_info_file(folder)
    if path is None:
        return DeviceInfo(read_at=station_now())
    try:
        raw = path.read_bytes()[: 64 * 1024]
    except OSError as error:
        raise InfoError(f"{path.name} cannot be read ({error.strerror})") from None
    read_at = station_now()
    text = decode(raw)
    try:
        if path.name.upper().endswith(".JSON"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as error:
                raise InfoError(f"{path.name} is not JSON ({error.msg})") from None
            if not isinstance(data, dict):
                raise InfoError(f"{path.name} is not a JSON object")
            return from_pairs(data, path.name, read_at)
        pairs: dict[str, str] = {}
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith(("#", ";", "[")):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                key, sep, value = line.partition(":")
            if sep:
                pairs[key] = value.strip()
        return from_pairs(pairs, path.name, read_at)
    except InfoError as error:
        if str(error).startswith(path.name):
            raise
        raise InfoError(f"{path.name}: {error}") from None


def corrected(device_time: datetime, offset: float | None) -> datetime:
    """A device time on the station's clock: device time − (device clock − station clock)."""
    moment = as_station_time(device_time)
    return moment - timedelta(seconds=offset or 0.0)


def format_offset(offset: float) -> str:
    """Seconds as a decimal with millisecond precision, as the contract sends it."""
    return f"{offset:.3f}"
