"""Helpers of the live station tests: a simulated dock, the agent as a process, a TCP proxy
that can be cut, and a look into the server's and the agent's databases.

The server is the real ``lawtrail serve`` of ``lawtrail/evidence/tests/live.py``; the agent is
``python -m lawtrail.cli station run`` with its output in a file (not a terminal, so it logs
plain lines, as under systemd).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from lawtrail.evidence.tests.live import cli, prepare, wait_for

#: County A (新城区) of ``lawtrail.testing.make_province``, where the station stands.
AGENCY = "610102"
#: Body cameras in the registry, all held by officer_a (certificate 61010200001).
REGISTERED = ("DSJ0001", "DSJ0002", "DSJ0003", "DSJCAM1", "DSJCAM2")


@dataclass(frozen=True)
class Prepared:
    home: Path
    officer_token: str
    station_token: str
    station_id: int


def prepare_station_home(home: Path) -> Prepared:
    """A data folder with the test province, a registered station of county A and its body
    cameras, made with the commands an equipment manager would type."""
    officer_token = prepare(home)
    out = cli(home, "station", "register", "--agency", AGENCY, "--name", "新城区采集站",
              "--location", "执法大队一楼", "--as", "admin")  # fmt: skip
    lines = out.strip().splitlines()
    station_id = int(lines[0].split()[1])
    # One process for all of them (each `lawtrail device register` would start Django anew).
    cli(home, "manage", "shell", "-c",
        "from django.contrib.auth import get_user_model\n"
        "from lawtrail.devices.registry import DeviceInput, register_device\n"
        "admin = get_user_model().objects.get(username='admin')\n"
        f"for serial in {list(REGISTERED)!r}:\n"
        f"    register_device(admin, DeviceInput(serial, 'body_camera', {AGENCY!r}, "
        "officer='officer_a'))\n")  # fmt: skip
    return Prepared(home, officer_token, lines[-1], station_id)


def make_device(
    dock: Path,
    folder: str,
    *,
    serial: str,
    officer: str,
    info: str | None = "json",
    clock_ahead: float = 0.0,
) -> Path:
    """A mounted device: its folder with ``DCIM/`` and, unless ``info`` is None, an info file
    whose clock runs ``clock_ahead`` seconds ahead of this machine's."""
    device = dock / folder
    (device / "DCIM").mkdir(parents=True)
    clock = (datetime.now() + timedelta(seconds=clock_ahead)).strftime("%Y-%m-%dT%H:%M:%S")
    if info == "json":
        (device / "DEVICE.JSON").write_text(
            json.dumps({"serial": serial, "officer": officer, "clock": clock, "battery": 76})
        )
    elif info == "inf":
        text = f"SERIAL={serial}\nOFFICER={officer}\nCLOCK={clock.replace('T', ' ')}\nBATTERY=64%\n"
        (device / "DEVICE.INF").write_text(text)
    return device


def recording_name(serial: str, officer: str, start: datetime, seq: int, ext: str) -> str:
    return f"{serial}_{officer}_{start:%Y%m%d%H%M%S}_{seq:04d}.{ext}"


@dataclass
class Agent:
    """``lawtrail station run`` in a process of its own (its own session, so kill9 is a crash)."""

    server: str
    token: str
    watch: Path
    journal: Path
    log: Path
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Agent:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("LAWTRAIL_STATION_TOKEN", None)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lawtrail.cli", "station", "run",
                 "--server", self.server, "--token", self.token, "--watch", str(self.watch),
                 "--journal", str(self.journal), "--stable-seconds", "0.5",
                 "--max-backoff", "2", "--heartbeat", "2", *self.extra],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )  # fmt: skip
        return self

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as systemd stops it; its exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill9(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def wait(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def states(self) -> dict[str, str]:
        """path → state, from the agent's journal (read only)."""
        if not self.journal.exists():
            return {}
        db = sqlite3.connect(f"file:{self.journal}?mode=ro", uri=True)
        try:
            return dict(db.execute("SELECT path, state FROM files ORDER BY id").fetchall())
        except sqlite3.OperationalError:
            return {}
        finally:
            db.close()

    def wait_states(self, expected: dict[str, str], timeout: float = 120) -> None:
        def reached() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the agent exited:\n{self.text()[-4000:]}")
            states = self.states()
            return all(states.get(path) == state for path, state in expected.items())

        try:
            wait_for(reached, timeout=timeout, every=0.2)
        except TimeoutError:
            raise AssertionError(
                f"journal {self.states()} never reached {expected}:\n{self.text()[-4000:]}"
            ) from None

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill9()


class Proxy:
    """A TCP proxy between the agent and the server that can be slowed and cut.

    ``rate`` limits each connection's upstream bytes per second (so an upload lasts long
    enough to be interrupted); ``cut`` closes every connection and refuses new ones until
    ``heal`` — the network cable pulled and plugged back in.
    """

    def __init__(self, target_port: int, rate: float | None = None) -> None:
        self.target_port = target_port
        self.rate = rate
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.refusing = False
        self.closed = False
        self.upstream_bytes = 0
        threading.Thread(target=self.accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def accept(self) -> None:
        while not self.closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets.update((client, server))
            threading.Thread(target=self.pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self.pump, args=(server, client, False), daemon=True).start()

    def pump(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        try:
            while True:
                data = source.recv(64 * 1024)
                if not data:
                    break
                if upstream:
                    with self.lock:
                        self.upstream_bytes += len(data)
                    if self.rate:
                        time.sleep(len(data) / self.rate)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            with self.lock:
                self.sockets.discard(source)
                self.sockets.discard(sink)

    def cut(self) -> None:
        self.refusing = True
        with self.lock:
            live = list(self.sockets)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def heal(self) -> None:
        self.refusing = False

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


def server_rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def start_agent(
    agents: list[Agent], url: str, token: str, dock: Path, tmp_path: Path, *extra: str
) -> Agent:
    """An agent with the test's journal and log (the same ones when started again)."""
    agent = Agent(url, token, dock, tmp_path / "journal.sqlite3", tmp_path / "agent.log", [*extra])
    agents.append(agent)
    return agent.start()


def uploads_of(home: Path, filename: str) -> list[tuple[str, str, int]]:
    """(id, state, offset) of the server's uploads of ``filename``."""
    return server_rows(
        home / "lawtrail.sqlite3",
        "SELECT id, state, offset FROM evidence_upload "
        "WHERE json_extract(metadata, '$.filename') = ?",
        filename,
    )


def acquisitions_of(home: Path, filename: str) -> list[dict[str, Any]]:
    """The server's acquisitions of ``filename`` with their evidence and findings."""
    connection = sqlite3.connect(f"file:{home / 'lawtrail.sqlite3'}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        rows = connection.execute(
            "SELECT a.*, e.sha256 AS sha256, e.size AS size FROM evidence_acquisition a "
            "JOIN evidence_evidence e ON e.id = a.evidence_id WHERE a.filename = ? ORDER BY a.id",
            (filename,),
        ).fetchall()
        found = []
        for row in rows:
            item = dict(row)
            item["findings"] = [
                code
                for (code,) in connection.execute(
                    "SELECT code FROM evidence_acquisitionfinding WHERE acquisition_id = ?",
                    (row["id"],),
                )
            ]
            found.append(item)
        return found
    finally:
        connection.close()
