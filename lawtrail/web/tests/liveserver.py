"""A real ``lawtrail serve`` in a subprocess, for the browser test.

pytest-django's live_server flushes tables between tests, which the ledger's append-only
triggers refuse; a separate server on its own data folder (and SQLite database) needs no flush
and runs the code exactly as deployed: init, collectstatic, serve.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

SECRET = "browser-test-secret-key-long-enough-for-django-0123456789"


@dataclass
class LiveServer:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # its own SQLite database in its own data folder
    env.update(LAWTRAIL_HOME=str(home), LAWTRAIL_SECRET_KEY=SECRET, PYTHONUNBUFFERED="1")
    return env


def lawtrail(home: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "lawtrail.cli", *args],
        env=environment(home),
        check=True,
        capture_output=True,
        timeout=300,
    )


MAKE_DATA = """
from lawtrail.cli import setup_django
setup_django()
from lawtrail.testing import make_province
make_province()
"""


def start(root: Path, *, extra_setup: str = "") -> LiveServer:
    """Initialise a data folder under ``root`` with the test province and serve it."""
    home = root / "home"
    lawtrail(home, "init")
    lawtrail(home, "manage", "collectstatic", "--noinput", "-v", "0")
    subprocess.run(
        [sys.executable, "-c", MAKE_DATA + extra_setup],
        env=environment(home),
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lawtrail.cli",
                "serve",
                "--port",
                str(port),
                "--no-worker",
                "--workers",
                "1",
            ],
            env=environment(home),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", home=home, process=process, log=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"lawtrail serve exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"lawtrail serve did not answer /healthz: {log.read_text()[-2000:]}")
