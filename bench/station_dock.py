"""25 devices docked at once: the station agent's aggregate throughput, CPU and peak RSS, beside
plain curl uploads to the same server in the same run (issue 5 §7).

One ``lawtrail serve`` on a fresh data folder with a registered station and its devices. Three
measurements, one after the other, each waiting for the server's ingest to finish before the
next begins:

1. single stream: curl POST + ``PATCH -T`` of one device's file (no hashing, no checksums);
2. concurrent curl: one curl per device, all at once, each its device's files in turn;
3. the agent: ``lawtrail station run --parallel N`` over a dock folder of ``--devices`` device
   folders, from start until the server has confirmed every file and the agent has cleared it.
   The agent reads each file twice (once to hash it, once to send it) and sends a SHA-256
   checksum with every chunk.

    .venv/bin/python bench/station_dock.py [--devices 25] [--files 1] [--size-mib 64]
                                           [--parallel 25] [--chunk-mib 32] [--workdir DIR]

Prints MB/s (10^6 bytes per second) for each, the agent's ratio to the concurrent curls, its CPU
time (user + system) and its peak RSS (VmHWM). Keep sizes small on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _common import machine
from tus_upload import curl_upload, wait_ingested

from lawtrail.evidence.tests.live import Server, cli, free_port, prepare

MiB = 1 << 20
AGENCY = "610102"


def make_file(path: Path, size: int, seed: int) -> None:
    """``size`` bytes that differ from every other file's (the store would share identical
    ones), written in 1 MiB blocks."""
    block = bytearray(os.urandom(MiB))
    with path.open("wb") as f:
        for index in range(0, size, MiB):
            block[:16] = seed.to_bytes(8, "big") + index.to_bytes(8, "big")
            f.write(block[: min(MiB, size - index)])


def prepare_home(home: Path, devices: int) -> tuple[str, str]:
    """Province, station and devices; (an officer's token, the station's token)."""
    officer_token = prepare(home)
    out = cli(home, "station", "register", "--agency", AGENCY, "--name", "基准采集站",
              "--as", "admin")  # fmt: skip
    station_token = out.strip().splitlines()[-1]
    serials = [f"BENCH{n:03d}" for n in range(devices)]
    cli(home, "manage", "shell", "-c",
        "from django.contrib.auth import get_user_model\n"
        "from lawtrail.devices.registry import DeviceInput, register_device\n"
        "admin = get_user_model().objects.get(username='admin')\n"
        f"for serial in {serials!r}:\n"
        f"    register_device(admin, DeviceInput(serial, 'body_camera', {AGENCY!r}, "
        "officer='officer_a'))\n")  # fmt: skip
    return officer_token, station_token


def build_dock(dock: Path, devices: int, files: int, size: int) -> list[Path]:
    made = []
    start = datetime.now().replace(microsecond=0)
    for n in range(devices):
        serial = f"BENCH{n:03d}"
        folder = dock / f"CAM{n:02d}" / "DCIM"
        folder.mkdir(parents=True)
        (folder.parent / "DEVICE.JSON").write_text(
            json.dumps({"serial": serial, "officer": "61010200001",
                        "clock": datetime.now().isoformat(timespec="seconds"), "battery": 90})
        )  # fmt: skip
        for k in range(files):
            when = start + timedelta(seconds=k)
            path = folder / f"{serial}_61010200001_{when:%Y%m%d%H%M%S}_{k:04d}.MP4"
            make_file(path, size, n * 1000 + k)
            made.append(path)
    return made


def warm(paths: list[Path]) -> None:
    """Read every file once so that each measurement starts from the page cache."""
    for path in paths:
        with path.open("rb") as f:
            while f.read(8 * MiB):
                pass


def curl_run(collection: str, token: str, groups: list[list[Path]]) -> tuple[float, list[str]]:
    """Each group's files uploaded in turn by one curl, the groups concurrently."""
    locations: list[str] = []
    lock = threading.Lock()

    def one(group: list[Path]) -> None:
        for path in group:
            location, _seconds, _speed = curl_upload(collection, path, token)
            with lock:
                locations.append(location)

    threads = [threading.Thread(target=one, args=(group,)) for group in groups]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, locations


def proc_stat(pid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and peak RSS in bytes of a running process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
    return cpu, peak


def journal_states(journal: Path) -> dict[str, str]:
    if not journal.exists():
        return {}
    db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5)
    try:
        return dict(db.execute("SELECT path, state FROM files").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        db.close()


def run_agent(
    server: Server, token: str, dock: Path, work: Path, count: int, args: argparse.Namespace
) -> dict[str, float]:
    journal = work / "journal.sqlite3"
    log = work / "agent.log"
    with log.open("wb") as out:
        agent = subprocess.Popen(
            [sys.executable, "-m", "lawtrail.cli", "station", "run", "--server", server.url,
             "--token", token, "--watch", str(dock), "--journal", str(journal),
             "--parallel", str(args.parallel), "--stable-seconds", "0.2",
             "--chunk-mib", str(args.chunk_mib), "--heartbeat", "5"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    started = time.perf_counter()
    marks: dict[str, float] = {}
    cpu, peak = 0.0, 0
    try:
        while True:
            if agent.poll() is not None:
                raise RuntimeError(f"the agent exited: {log.read_text()[-3000:]}")
            states = list(journal_states(journal).values())
            now = time.perf_counter() - started
            if states and "first_hashed" not in marks:
                marks["first_hashed"] = now
            done = [s for s in states if s in ("uploaded", "verified", "cleared")]
            if len(done) == count and "uploaded" not in marks:
                marks["uploaded"] = now
            if len([s for s in states if s == "cleared"]) == count:
                marks["cleared"] = now
                break
            if [s for s in states if s in ("rejected", "failed")]:
                raise RuntimeError(f"a file failed: {log.read_text()[-3000:]}")
            cpu, peak = proc_stat(agent.pid)
            time.sleep(0.05)
        cpu, peak = proc_stat(agent.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(agent.pid, signal.SIGTERM)
        agent.wait(timeout=60)
    marks["cpu"] = cpu
    marks["peak_rss"] = peak
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=25)
    parser.add_argument("--files", type=int, default=1, help="files per device")
    parser.add_argument("--size-mib", type=int, default=64, help="size of each file")
    parser.add_argument("--parallel", type=int, default=25)
    parser.add_argument("--chunk-mib", type=int, default=32)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="station-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    size = args.size_mib * MiB
    print(f"machine: {machine()}", flush=True)
    home = work / "home"
    officer_token, station_token = prepare_home(home, args.devices)
    dock = work / "dock"
    paths = build_dock(dock, args.devices, args.files, size)
    total = len(paths) * size
    server = Server(home=home, port=free_port(), token=officer_token, log=work / "serve.log")
    server.start()
    collection = f"{server.url}/api/v1/uploads/"
    try:
        warm(paths)
        seconds, locations = curl_run(collection, officer_token, [[paths[0]]])
        for location in locations:
            wait_ingested(location, officer_token)
        single = size / seconds / 1e6
        print(f"single curl stream: {single:7.1f} MB/s ({size / 1e6:.0f} MB in {seconds:.2f} s)")

        groups = [paths[n * args.files : (n + 1) * args.files] for n in range(args.devices)]
        warm(paths)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)  # curl runs are waited for
        seconds, locations = curl_run(collection, officer_token, groups)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        curl_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        for location in locations:
            wait_ingested(location, officer_token)
        concurrent = total / seconds / 1e6
        print(
            f"{args.devices} concurrent curls: {concurrent:7.1f} MB/s "
            f"({total / 1e6:.0f} MB in {seconds:.2f} s); their CPU {curl_cpu:.2f} s "
            f"({curl_cpu / (total / 1e9):.2f} s per GB, POST and PATCH, no hashing)"
        )

        warm(paths)
        marks = run_agent(server, station_token, dock, work, len(paths), args)
    finally:
        server.stop()
    sent = total / marks["uploaded"] / 1e6
    confirmed = total / marks["cleared"] / 1e6
    print(
        f"agent, {args.devices} devices, --parallel {args.parallel}, --chunk-mib "
        f"{args.chunk_mib}: all sent after {marks['uploaded']:.2f} s ({sent:.1f} MB/s, "
        f"hashing included), all confirmed and cleared after {marks['cleared']:.2f} s "
        f"({confirmed:.1f} MB/s, the server's ingest included)"
    )
    window = marks["uploaded"] - marks["first_hashed"]
    print(
        f"  (the first file was hashed {marks['first_hashed']:.2f} s after the agent started: "
        f"interpreter, first scan, --stable-seconds 0.2; from then on {total / window / 1e6:.1f}"
        f" MB/s)"
    )
    print(
        f"ratio agent (all sent) / {args.devices} concurrent curls: {sent / concurrent:.2f}; "
        f"/ single curl stream: {sent / single:.2f}"
    )
    print(
        f"agent CPU {marks['cpu']:.2f} s ({marks['cpu'] / (total / 1e9):.2f} s per GB), "
        f"peak RSS {marks['peak_rss'] / MiB:.1f} MiB"
    )
    load = os.getloadavg()
    print(f"files: {len(paths)} x {size} bytes; load average at the end: {load[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
