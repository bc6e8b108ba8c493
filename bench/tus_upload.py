"""tus upload of a 1 GiB file over loopback: lawtrail vs the reference @tus/server (issue 4 §8).

Both servers get the same curl command (POST, then ``PATCH -T FILE``) in the same run, in
alternation, ``--runs`` times each; the figure is the PATCH's bytes over its wall time, as curl
reports it. The reference is ``/work/shared/tools/tus-peer`` (Node, @tus/server 2.x with
@tus/file-store; it installs from npm into its folder on first use and does no hashing and no
fsync). lawtrail is ``lawtrail serve`` on a fresh data folder; it fsyncs the bytes before it
acknowledges them, then its task worker ingests the upload (SHA-256 + SM3 into the store).
Each run waits for that ingest to finish so it does not compete with the next measurement; the
ingest time is reported beside, not in, the ratio.

    .venv/bin/python bench/tus_upload.py [--size-mib 1024] [--runs 3] [--workdir DIR]

Prints MB/s (10^6 bytes per second) for each run and the ratio of the medians (goal ≥ 1.0).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine

PEER = Path("/work/shared/tools/tus-peer")
SECRET = "bench-secret-key-long-enough-for-django-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_http(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def make_file(path: Path, size: int) -> None:
    if path.exists() and path.stat().st_size == size:
        return
    block = os.urandom(1 << 20)
    with path.open("wb") as f:
        for i in range(size >> 20):
            f.write(i.to_bytes(8, "big") + block[8:])


def lawtrail_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    # DEBUG: the PATCH handler logs where its time went (reading the socket, final sync).
    env.update(LAWTRAIL_HOME=str(home), LAWTRAIL_SECRET_KEY=SECRET, LAWTRAIL_LOG_LEVEL="DEBUG")
    return env


def cli(home: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lawtrail.cli", *args],
        env=lawtrail_env(home),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def curl_upload(collection: str, path: Path, token: str) -> tuple[str, float, float]:
    """POST then PATCH -T, exactly as a user would type them; returns (location, seconds,
    curl's upload speed in bytes per second)."""
    auth = ["-H", f"Authorization: Bearer {token}"]
    name = base64.b64encode(path.name.encode()).decode()
    created = subprocess.run(
        ["curl", "-sS", "-i", "-X", "POST", collection, *auth,
         "-H", "Tus-Resumable: 1.0.0", "-H", f"Upload-Length: {path.stat().st_size}",
         "-H", f"Upload-Metadata: filename {name}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    location = next(
        line.split(":", 1)[1].strip()
        for line in created.stdout.splitlines()
        if line.lower().startswith("location:")
    )
    if location.startswith("/"):
        location = collection.split("/", 3)[0] + "//" + collection.split("/")[2] + location
    started = time.perf_counter()
    patched = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{speed_upload}",
         "-X", "PATCH", location, *auth,
         "-H", "Tus-Resumable: 1.0.0", "-H", "Upload-Offset: 0",
         "-H", "Content-Type: application/offset+octet-stream", "-T", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    code, speed = patched.stdout.split()
    if code != "204":
        raise RuntimeError(f"PATCH answered {code}")
    return location, seconds, float(speed)


def wait_ingested(location: str, token: str, timeout: float = 900) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(location, headers={"Authorization": f"Bearer {token}"})
    while time.perf_counter() - started < timeout:
        with urllib.request.urlopen(request) as answer:
            state = json.load(answer)["state"]
        if state == "ingested":
            return time.perf_counter() - started
        if state == "failed":
            raise RuntimeError("ingest failed")
        time.sleep(0.2)
    raise RuntimeError("ingest did not finish")


def where_time_went(work: Path) -> str:
    """The PATCH handler's own account of its last upload (see lawtrail/evidence/uploads.py)."""
    lines = [
        line
        for line in (work / "lawtrail.log").read_text(errors="replace").splitlines()
        if "bytes in" in line and "reading" in line
    ]
    return lines[-1].split(": ", 1)[-1] if lines else "no timing logged"


def drop_caches_of(path: Path) -> None:
    """Keep the source in the page cache for both servers alike (it is read once per run)."""
    with path.open("rb") as f:
        while f.read(16 << 20):
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "tus-bench")
    args = parser.parse_args()
    work: Path = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    source = work / "upload.bin"
    make_file(source, args.size_mib << 20)
    size = source.stat().st_size

    home = work / "lawtrail-home"
    shutil.rmtree(home, ignore_errors=True)
    cli(home, "init")
    cli(home, "manage", "shell", "-c",
        "from lawtrail.testing import make_province; make_province()")  # fmt: skip
    token = cli(home, "token", "create", "officer_a").strip().splitlines()[-1]
    lt_port, peer_port = free_port(), free_port()
    logs = (work / "lawtrail.log").open("wb"), (work / "peer.log").open("wb")
    lawtrail = subprocess.Popen(
        [sys.executable, "-m", "lawtrail.cli", "serve", "--port", str(lt_port)],
        env=lawtrail_env(home), stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    peer_dir = work / "peer"
    peer = subprocess.Popen(
        [str(PEER), str(peer_dir), str(peer_port)],
        stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    results: dict[str, list[float]] = {"lawtrail": [], "tus-peer": []}
    ingest: list[float] = []
    try:
        wait_http(f"http://127.0.0.1:{lt_port}/healthz")
        wait_http(f"http://127.0.0.1:{peer_port}/files", timeout=600)
        targets = {
            "tus-peer": f"http://127.0.0.1:{peer_port}/files",
            "lawtrail": f"http://127.0.0.1:{lt_port}/api/v1/uploads/",
        }
        for run in range(1, args.runs + 1):
            for name, collection in targets.items():
                drop_caches_of(source)
                location, seconds, speed = curl_upload(collection, source, token)
                rate = size / seconds / 1e6
                results[name].append(rate)
                extra = ""
                if name == "lawtrail":
                    ingest.append(wait_ingested(location, token))
                    extra = f"; ingest after it {ingest[-1]:.1f} s; {where_time_went(work)}"
                else:
                    shutil.rmtree(peer_dir / "files", ignore_errors=True)
                    (peer_dir / "files").mkdir()
                print(
                    f"run {run} {name:9} {rate:7.1f} MB/s ({seconds:.2f} s; curl says "
                    f"{speed / 1e6:.1f} MB/s){extra}",
                    flush=True,
                )
                subprocess.run(["sync"], check=False)
    finally:
        for process in (lawtrail, peer):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (lawtrail, peer):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    ours, theirs = statistics.median(results["lawtrail"]), statistics.median(results["tus-peer"])
    print(f"machine: {machine()}")
    print(f"file: {size} bytes; runs: {args.runs} each, alternating")
    pairs = [a / b for a, b in zip(results["lawtrail"], results["tus-peer"], strict=True)]
    print(f"median lawtrail {ours:.1f} MB/s, tus-peer {theirs:.1f} MB/s, "
          f"ratio {ours / theirs:.2f} (goal >= 1.0)")  # fmt: skip
    # Each lawtrail run follows its peer run within seconds: on a shared machine whose load
    # moves, the ratio within a pair is the fairer figure.
    print(f"ratio within each pair: {', '.join(f'{r:.2f}' for r in pairs)}; "
          f"median {statistics.median(pairs):.2f}")  # fmt: skip
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"median ingest after upload (SHA-256 + SM3 into the store): "
          f"{statistics.median(ingest):.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
