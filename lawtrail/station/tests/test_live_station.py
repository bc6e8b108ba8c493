"""A simulated dock against the real server, with a registered station's token (issue 5 §3,
§4, §6; 第十九条, 第二十三条; decision 0013): several devices with real media become evidence
bound to their dock sessions with the device clock corrected; an unknown device and the wrong
officer are kept and flagged; a revoked or wrong token stops the agent; a person's token still
uploads, without dock sessions.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lawtrail.evidence.tests.fixtures import sha256_of
from lawtrail.evidence.tests.live import Server, cli, wait_for
from lawtrail.evidence.tests.media import make_audio, make_photo, make_video
from lawtrail.station import AGENT_VERSION
from lawtrail.station.tests.harness import (
    Agent,
    Prepared,
    acquisitions_of,
    make_device,
    recording_name,
    server_rows,
    start_agent,
    uploads_of,
)

pytestmark = pytest.mark.slow


def just_now(clock_ahead: float = 0) -> datetime:
    """Now on a device whose clock is ``clock_ahead`` seconds fast: after the devices were
    assigned to officer_a (when the module was prepared), so that the registry has nothing to
    say about them."""
    return (datetime.now() + timedelta(seconds=clock_ahead)).replace(microsecond=0)


def utc(moment: datetime) -> datetime:
    """A naive local time as the naive UTC the server's SQLite database keeps."""
    return moment.astimezone().astimezone(UTC).replace(tzinfo=None)


def stored(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=None)


def docks(server: Server) -> dict[str, dict[str, Any]]:
    rows = server_rows(
        server.home / "lawtrail.sqlite3",
        "SELECT serial, clock_offset_seconds, battery_percent, files_found, files_uploaded, "
        "files_failed, undocked_at, findings FROM devices_docksession ORDER BY id",
    )
    names = ["clock_offset", "battery", "found", "uploaded", "failed", "undocked_at", "findings"]
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def record(path: Path, seconds: int) -> Path:
    """Real media by suffix: H.264/AAC video, a JPEG, PCM audio (each length its own bytes)."""
    if path.suffix == ".JPG":
        return make_photo(path)
    if path.suffix == ".WAV":
        return make_audio(path.with_suffix(".wav"), seconds).rename(path)
    return make_video(path, seconds=seconds)


def test_a_dock_of_several_devices_becomes_bound_evidence(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    cam1 = make_device(dock, "CAM1", serial="DSJ0001", officer="61010200001", clock_ahead=120)
    cam2 = make_device(dock, "CAM2", serial="DSJ0002", officer="officer_a", info="inf")
    cam3 = make_device(dock, "CAM3", serial="-", officer="-", info=None)  # names only
    fast, start = just_now(120), just_now()
    files = {
        cam1 / "DCIM" / recording_name("DSJ0001", "61010200001", fast, 1, "MP4"): 2,
        cam1 / "DCIM" / recording_name("DSJ0001", "61010200001", fast, 2, "JPG"): 0,
        cam2 / "DCIM" / recording_name("DSJ0002", "officer_a", start, 1, "MP4"): 3,
        cam2 / "DCIM" / recording_name("DSJ0002", "officer_a", start, 2, "WAV"): 4,
        cam3 / "DCIM" / recording_name("DSJ0003", "61010200001", start, 1, "MP4"): 5,
    }
    digests = {path.name: sha256_of(record(path, seconds)) for path, seconds in files.items()}
    agent = start_agent(agents, server.url, prepared.station_token, dock, tmp_path)
    agent.wait_states({f"{p.parent.parent.name}/DCIM/{p.name}": "cleared" for p in files})

    for path in files:
        assert not path.exists()
        cleared = path.parent.parent / ".lawtrail-cleared" / "DCIM" / path.name
        assert sha256_of(cleared) == digests[path.name]
        [acquisition] = acquisitions_of(server.home, path.name)
        assert acquisition["sha256"] == digests[path.name]
        assert acquisition["source"] == "station"
        assert acquisition["device_serial"] == path.name.split("_")[0]
        assert acquisition["dock_id"] is not None
        assert acquisition["findings"] == []  # registered, and held by officer_a
    # CAM1's clock is two minutes fast: the device's times are kept, and corrected ones beside.
    mp4 = next(iter(files))
    [acquisition] = acquisitions_of(server.home, mp4.name)
    # (The offset is measured when the agent reads DEVICE.JSON, a little after it was written.)
    offset = float(acquisition["clock_offset_seconds"])
    assert 110 <= offset <= 121
    assert abs((stored(acquisition["device_recorded_from"]) - utc(fast)).total_seconds()) < 1
    corrected = stored(acquisition["recorded_from"]) - utc(fast - timedelta(seconds=offset))
    assert abs(corrected.total_seconds()) < 1.5
    duration = stored(acquisition["recorded_to"]) - stored(acquisition["recorded_from"])
    assert abs(duration.total_seconds() - 2) < 0.5  # the clip lasts 2 s

    sessions = docks(server)
    assert set(sessions) == {"DSJ0001", "DSJ0002", "DSJ0003"}
    assert abs(float(sessions["DSJ0001"]["clock_offset"]) - offset) < 0.01
    assert sessions["DSJ0001"]["battery"] == 76 and sessions["DSJ0002"]["battery"] == 64
    assert sessions["DSJ0003"]["clock_offset"] is None  # no info file: no device clock
    assert sessions["DSJ0001"]["found"] == 2
    wait_for(lambda: docks(server)["DSJ0002"]["uploaded"] == 2, timeout=30)
    [(last_seen, version, queue_files)] = server_rows(
        server.home / "lawtrail.sqlite3",
        "SELECT last_seen_at, agent_version, queue_files FROM devices_station WHERE id = ?",
        prepared.station_id,
    )
    assert last_seen is not None and version == AGENT_VERSION and queue_files >= 0

    # CAM2 is taken off the dock: its session ends with its counts.
    shutil.move(cam2, tmp_path / "unplugged")
    wait_for(lambda: docks(server)["DSJ0002"]["undocked_at"] is not None, timeout=30)
    assert docks(server)["DSJ0002"]["uploaded"] == 2
    assert agent.stop() == 0

    # Restarted, the agent continues the open sessions and uploads nothing again, even a
    # cleared file put back on the card.
    uploads = server_rows(server.home / "lawtrail.sqlite3", "SELECT count(*) FROM evidence_upload")
    cleared = cam1 / ".lawtrail-cleared" / "DCIM" / mp4.name
    shutil.copy2(cleared, mp4)
    os.remove(cleared)
    agent = start_agent(agents, server.url, prepared.station_token, dock, tmp_path)
    wait_for(lambda: cleared.exists(), timeout=60)
    time.sleep(1)
    assert agent.stop() == 0
    again = server_rows(server.home / "lawtrail.sqlite3", "SELECT count(*) FROM evidence_upload")
    assert again == uploads
    assert len(docks(server)) == 3
    assert agent.text().count("still docked (dock session") == 2  # CAM1 and CAM3


def test_an_unknown_device_and_the_wrong_officer_are_kept_and_flagged(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    """第二十三条: never refused, because the files are evidence all the same."""
    unknown = make_device(dock, "CAM1", serial="DSJ9999", officer="61010200001")
    # DSJ0002 is held by officer_a; these recordings say officer_a2 made them.
    lent = make_device(dock, "CAM2", serial="DSJ0002", officer="61010200002")
    first = make_video(
        unknown / "DCIM" / recording_name("DSJ9999", "61010200001", just_now(), 1, "MP4")
    )
    second = make_video(
        lent / "DCIM" / recording_name("DSJ0002", "61010200002", just_now(), 1, "MP4"), seconds=3
    )
    agent = start_agent(agents, server.url, prepared.station_token, dock, tmp_path)
    agent.wait_states({f"CAM1/DCIM/{first.name}": "cleared", f"CAM2/DCIM/{second.name}": "cleared"})
    [unknown_acquisition] = acquisitions_of(server.home, first.name)
    assert "device.unknown" in unknown_acquisition["findings"]
    [lent_acquisition] = acquisitions_of(server.home, second.name)
    assert "device.not_assigned" in lent_acquisition["findings"]
    assert "device.unknown" in json.dumps(docks(server)["DSJ9999"]["findings"])
    log = agent.text()
    assert "device DSJ9999 is not registered on the server" in log
    assert "the server notes:" in log
    assert agent.stop() == 0


def test_a_revoked_station_stops_and_says_so(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    device = make_device(dock, "CAM1", serial="DSJ0001", officer="61010200001")
    first = make_video(
        device / "DCIM" / recording_name("DSJ0001", "61010200001", just_now(), 1, "MP4")
    )
    agent = start_agent(agents, server.url, prepared.station_token, dock, tmp_path)
    agent.wait_states({f"CAM1/DCIM/{first.name}": "cleared"})
    cli(server.home, "station", "revoke", str(prepared.station_id), "--as", "admin")
    assert agent.wait(timeout=60) == 3  # at its next heartbeat
    later = make_video(
        device / "DCIM" / recording_name("DSJ0001", "61010200001", just_now(), 2, "MP4")
    )
    assert later.exists()
    log = agent.text()
    assert "refused the station token (401" in log
    assert "it is wrong or was revoked" in log
    # Started again with the revoked token, it stops at once and takes nothing.
    agent = start_agent(agents, server.url, prepared.station_token, dock, tmp_path)
    assert agent.wait(timeout=60) == 3
    assert later.exists() and uploads_of(server.home, later.name) == []


def test_a_wrong_token_stops_the_agent_with_status_3(
    server: Server, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    make_device(dock, "CAM1", serial="DSJ0001", officer="61010200001")
    agent = start_agent(agents, server.url, "lt_not-a-token", dock, tmp_path)
    assert agent.wait(timeout=60) == 3
    assert "refused the station token (401" in agent.text()


def test_a_persons_token_uploads_without_dock_sessions(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    """The station calls answer 403 to a person; the agent says so once and goes on."""
    device = make_device(dock, "CAM1", serial="DSJ0001", officer="61010200001")
    video = make_video(
        device / "DCIM" / recording_name("DSJ0001", "61010200001", just_now(), 1, "MP4")
    )
    agent = start_agent(agents, server.url, prepared.officer_token, dock, tmp_path)
    agent.wait_states({f"CAM1/DCIM/{video.name}": "cleared"})
    [acquisition] = acquisitions_of(server.home, video.name)
    assert (acquisition["source"], acquisition["dock_id"]) == ("tus", None)
    assert docks(server) == {}
    time.sleep(2.5)  # past a heartbeat
    assert agent.text().count("docks and heartbeats are not recorded") == 1
    assert agent.stop() == 0


def test_a_recording_the_server_refuses_stays_on_the_device(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    """An officer nobody knows: the agent tries once more without the binding facts; whatever
    the server decides, a file it did not confirm is never cleared, and the reason is logged."""
    device = make_device(dock, "CAM1", serial="DSJ0001", officer="99999999999")
    video = make_video(
        device / "DCIM" / recording_name("DSJ0001", "99999999999", just_now(), 1, "MP4")
    )
    agent = start_agent(agents, server.url, prepared.station_token, dock, tmp_path)
    key = f"CAM1/DCIM/{video.name}"
    wait_for(lambda: agent.states().get(key) in ("failed", "cleared"), timeout=60)
    log = agent.text()
    assert "the server refused its metadata" in log
    if agent.states()[key] == "failed":
        assert video.exists()
        assert acquisitions_of(server.home, video.name) == []
        assert "the server refused it:" in log
    else:  # kept as evidence, flagged
        assert acquisitions_of(server.home, video.name)
    assert agent.stop() == 0
