"""The agent's resilience against the real server (issue 5 §3, §6; 第十九条): nothing is
duplicated and nothing is cleared before the server vouches for it when the network is cut,
the server dies, the agent dies, or a file goes bad on the device after it was hashed.

The agent runs with a registered station's token, so every upload belongs to a dock session.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lawtrail.evidence.tests.live import Server, wait_for
from lawtrail.evidence.tests.media import make_big
from lawtrail.station.tests.harness import (
    Agent,
    Prepared,
    Proxy,
    acquisitions_of,
    make_device,
    recording_name,
    start_agent,
    uploads_of,
)

pytestmark = pytest.mark.slow

MiB = 1 << 20
START = datetime(2025, 3, 1, 8, 0, 0)


def big_recording(dock: Path, size: int, folder: str = "CAM1", seq: int = 1) -> Path:
    """``size`` bytes named like a recording of registered device DSJ<folder> by officer_a."""
    device = dock / folder
    if not device.exists():
        make_device(dock, folder, serial=f"DSJ{folder}", officer="61010200001")
    start = START + timedelta(minutes=seq)
    return make_big(
        device / "DCIM" / recording_name(f"DSJ{folder}", "61010200001", start, seq, "MP4"), size
    )


def offset_reached(server: Server, filename: str, at_least: int) -> bool:
    return any(offset >= at_least for _id, _state, offset in uploads_of(server.home, filename))


def only_one_evidence(server: Server, path: Path, size: int) -> dict[str, object]:
    """Exactly one upload and one acquisition of the file, bound to its dock session."""
    [(_id, state, offset)] = uploads_of(server.home, path.name)
    assert (state, offset) == ("ingested", size)
    [acquisition] = acquisitions_of(server.home, path.name)
    assert acquisition["source"] == "station"
    assert acquisition["dock_id"] is not None
    return acquisition


def test_a_network_cut_mid_upload_resumes_without_a_second_upload(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    video = big_recording(dock, 12 * MiB)
    key = f"CAM1/DCIM/{video.name}"
    proxy = Proxy(server.port, rate=3e6)
    try:
        agent = start_agent(
            agents, proxy.url, prepared.station_token, dock, tmp_path, "--chunk-mib", "1"
        )
        wait_for(lambda: offset_reached(server, video.name, 3 * MiB), timeout=60, every=0.1)
        proxy.cut()  # the cable is pulled
        time.sleep(1.5)
        proxy.heal()
        agent.wait_states({key: "cleared"})
    finally:
        proxy.close()
    only_one_evidence(server, video, 12 * MiB)
    log = agent.text()
    assert "server unreachable" in log
    assert "resuming at" in log
    assert "the server answers again" in log


def test_the_server_killed_and_restarted_mid_upload_resumes(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    video = big_recording(dock, 12 * MiB)
    proxy = Proxy(server.port, rate=3e6)
    try:
        agent = start_agent(
            agents, proxy.url, prepared.station_token, dock, tmp_path, "--chunk-mib", "1"
        )
        wait_for(lambda: offset_reached(server, video.name, 3 * MiB), timeout=60, every=0.1)
        server.kill9()  # a power cut in the server room
        time.sleep(2)
        server.start()
        agent.wait_states({f"CAM1/DCIM/{video.name}": "cleared"})
    finally:
        proxy.close()
    only_one_evidence(server, video, 12 * MiB)
    assert "resuming at" in agent.text()


def test_the_agent_killed_mid_upload_resumes_after_a_restart(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    video = big_recording(dock, 12 * MiB)
    key = f"CAM1/DCIM/{video.name}"
    proxy = Proxy(server.port, rate=3e6)
    try:
        agent = start_agent(
            agents, proxy.url, prepared.station_token, dock, tmp_path, "--chunk-mib", "1"
        )
        wait_for(lambda: offset_reached(server, video.name, 3 * MiB), timeout=60, every=0.1)
        agent.kill9()  # the dock PC loses power
        assert agent.states()[key] == "uploading"
        agent = start_agent(
            agents, proxy.url, prepared.station_token, dock, tmp_path, "--chunk-mib", "1"
        )
        agent.wait_states({key: "cleared"})
    finally:
        proxy.close()
    only_one_evidence(server, video, 12 * MiB)
    log = agent.text()
    assert "resuming at" in log
    assert "still docked (dock session" in log  # the same visit of the device, not a second one


def test_a_file_corrupted_after_hashing_is_reported_and_stays(
    server: Server, prepared: Prepared, dock: Path, tmp_path: Path, agents: list[Agent]
) -> None:
    video = big_recording(dock, 8 * MiB)
    clean = big_recording(dock, 1 * MiB, seq=2)
    key = f"CAM1/DCIM/{video.name}"
    proxy = Proxy(server.port, rate=2e6)
    try:
        agent = start_agent(
            agents, proxy.url, prepared.station_token, dock, tmp_path, "--chunk-mib", "1"
        )
        agent.wait_states({key: "uploading"}, timeout=60)
        # The card flips a bit after the agent hashed the file; its time does not change.
        before = video.stat()
        with video.open("r+b") as f:
            f.seek(before.st_size - 100)
            byte = f.read(1)
            f.seek(before.st_size - 100)
            f.write(bytes([byte[0] ^ 0x01]))
        os.utime(video, ns=(before.st_atime_ns, before.st_mtime_ns))
        agent.wait_states({key: "rejected", f"CAM1/DCIM/{clean.name}": "cleared"})
    finally:
        proxy.close()
    assert video.exists()  # reported and kept, never cleared
    assert not (dock / "CAM1" / ".lawtrail-cleared" / "DCIM" / video.name).exists()
    assert acquisitions_of(server.home, video.name) == []
    [(_id, state, _offset)] = uploads_of(server.home, video.name)
    assert state == "terminated"
    assert "changed on the device after it was hashed" in agent.text()
    # Restarted, the agent still does not take it.
    assert agent.stop() == 0
    agent = start_agent(agents, server.url, prepared.station_token, dock, tmp_path)
    wait_for(lambda: "rejected earlier" in agent.text(), timeout=30)
    assert agent.stop() == 0
    assert video.exists() and len(uploads_of(server.home, video.name)) == 1
