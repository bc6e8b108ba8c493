"""The four JSON calls of decision 0013 under ``/api/v1/stations/me/``: heartbeat, dock,
progress, undock.

They record the station's life and every dock session on the server; uploads do not depend on
them. A server without these endpoints (404, 405), or a token that is a person's rather than a
station's (403), is said once in the log and the agent goes on uploading without them. A 401
means the token is not valid (revoked): the caller stops.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from lawtrail.station.deviceinfo import DeviceInfo, as_station_time
from lawtrail.station.http import Refused, Server

log = logging.getLogger("lawtrail.station")

BASE = "/api/v1/stations/me/"
MISSING = {404: "the server has no station API", 405: "the server has no station API"}


class StationApi:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.lock = threading.Lock()
        #: Why the station calls are not made ("" while they work).
        self.unavailable = ""

    def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """POST ``payload`` to ``BASE + path``; the answer, or None when the server does not
        take station calls or refused this one (said in the log). Raises ``Unreachable`` and
        ``Unauthorized``."""
        if self.unavailable:
            return None
        try:
            answer = self.server.json("POST", BASE + path, payload)
        except Refused as error:
            if error.status == 403 or error.status in MISSING:
                reason = MISSING.get(error.status or 0) or (
                    "the server refused the station calls to this token (403; is it a person's "
                    "token rather than a station's?)"
                )
                with self.lock:
                    first = not self.unavailable
                    self.unavailable = reason
                if first:
                    log.warning(
                        "%s: uploads go on, but docks and heartbeats are not recorded", reason
                    )
                return None
            log.warning("station call %s refused: %s", path, error.sentence)
            return None
        return answer if isinstance(answer, dict) else {}

    def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        return self.call("heartbeat", payload)

    def dock(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        return self.call("docks", payload)

    def progress(self, dock: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        return self.call(f"docks/{dock}/progress", payload)

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """A queued call (the outbox), by its path under ``BASE``."""
        return self.call(path, payload)


def dock_payload(
    serial: str,
    officer: str,
    info: DeviceInfo,
    docked_at: datetime,
    files_found: int,
    bytes_found: int,
) -> dict[str, Any]:
    """The body of ``POST docks``: the device, the clocks as read, what it holds."""
    payload: dict[str, Any] = {
        "device_serial": serial,
        "docked_at": docked_at.isoformat(),
        "station_clock": (info.read_at or docked_at).isoformat(),
        "files_found": files_found,
        "bytes_found": bytes_found,
    }
    if officer:
        payload["officer"] = officer
    if info.clock is not None:
        # Read in the station's time zone, like the station clock beside it.
        payload["device_clock"] = as_station_time(info.clock).isoformat()
    if info.battery is not None:
        payload["battery_percent"] = info.battery
    return payload


def report_dock(folder: str, serial: str, dock: str, answer: dict[str, Any]) -> None:
    """Say what the server made of a docking: an unknown device, its findings (第二十三条)."""
    about = answer.get("device") or {}
    log.info("%s: dock session %s recorded by the server", folder, dock)
    if about and not about.get("known", True):
        log.warning(
            "%s: device %s is not registered on the server; its recordings are kept and "
            "flagged (第二十三条)",
            folder,
            serial,
        )
    for finding in answer.get("findings") or []:
        text = (
            finding.get("message") or finding.get("code") if isinstance(finding, dict) else finding
        )
        log.warning("%s: the server notes: %s", folder, text)


def clock_skew(answer: dict[str, Any] | None, asked: datetime, answered: datetime) -> float | None:
    """Station clock − server clock in seconds, from a heartbeat's ``server_time``."""
    try:
        server_time = datetime.fromisoformat(str((answer or {})["server_time"]))
    except (KeyError, ValueError):
        return None
    if server_time.tzinfo is None:
        return None
    middle = asked + (answered - asked) / 2
    return (middle - server_time).total_seconds()
