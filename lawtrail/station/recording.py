"""What the agent declares about a recording: the tus Upload-Metadata of decision 0013.

``filename``, ``device`` (serial), ``officer``, ``recorded_from``/``recorded_to`` on the
station's clock (ISO 8601 with offset), ``device_recorded_from``/``device_recorded_to`` as the
device's clock said, ``clock_offset`` (device − station, seconds), ``sha256`` and ``dock``.

The file name (its layout) gives the serial, the officer and the start; the info file gives
them when the name does not, and the clock. The end is the start plus the duration in the
file's header. The device's times are corrected by the offset measured at docking (第十九条:
the 48-hour clock runs from ``recorded_to``); without a device clock they are taken as they
are, and no offset is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from lawtrail.station.deviceinfo import DeviceInfo, corrected, format_offset
from lawtrail.station.deviceinfo import as_station_time as station_time
from lawtrail.station.duration import duration_seconds
from lawtrail.station.layout import Layout, NameFacts, match_any


@dataclass(frozen=True)
class Recording:
    filename: str
    serial: str
    officer: str
    #: The device's clock, as the name and the header say (naive).
    device_from: datetime | None
    device_to: datetime | None
    clock_offset: float | None

    @property
    def recorded_from(self) -> datetime | None:
        return corrected(self.device_from, self.clock_offset) if self.device_from else None

    @property
    def recorded_to(self) -> datetime | None:
        return corrected(self.device_to, self.clock_offset) if self.device_to else None

    def metadata(self, sha256: str, dock: str) -> dict[str, str]:
        values = {
            "filename": self.filename,
            "device": self.serial,
            "officer": self.officer,
            "recorded_from": iso(self.recorded_from),
            "recorded_to": iso(self.recorded_to),
            # The device's clock as it said, read in the station's time zone.
            "device_recorded_from": iso(as_station_time(self.device_from)),
            "device_recorded_to": iso(as_station_time(self.device_to)),
            "clock_offset": format_offset(self.clock_offset)
            if self.clock_offset is not None
            else "",
            "sha256": sha256,
            "dock": dock,
        }
        return {key: value for key, value in values.items() if value}


def as_station_time(moment: datetime | None) -> datetime | None:
    return station_time(moment) if moment is not None else None


def iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else ""


def fallback(metadata: dict[str, str]) -> dict[str, str]:
    """The metadata to try when the server refused ours (an officer it does not know, a time it
    finds impossible): a recording is evidence all the same (decision 0013), so it goes without
    the binding facts, and what the device said is kept under keys the server only stores."""
    kept = dict(metadata)
    officer = kept.pop("officer", "")
    if officer:
        kept["declared_officer"] = officer
    kept.pop("recorded_from", None)
    kept.pop("recorded_to", None)
    return kept


def describe(
    relative: str,
    path: Path,
    info: DeviceInfo,
    layouts: list[Layout],
    default_serial: str,
    clock_offset: float | None,
) -> Recording:
    """The facts of one file of a docked device.

    The name wins over the info file for the serial and the officer: a camera that changed
    hands names each recording after the officer logged in when it was made.
    """
    facts: NameFacts = match_any(layouts, relative)
    start = facts.start
    end = facts.end
    if start is not None and end is None:
        seconds = duration_seconds(path)
        if seconds is not None:
            end = start + timedelta(seconds=round(seconds, 3))
    return Recording(
        filename=relative.rsplit("/", 1)[-1],
        serial=facts.serial or info.serial or default_serial,
        officer=facts.officer or info.officer,
        device_from=start,
        device_to=end,
        clock_offset=clock_offset,
    )
