"""A real ``lawtrail serve`` in a subprocess, for the browser test.

pytest-django's live_server flushes tables between tests, which the ledger's append-only
triggers refuse; a separate server on its own data folder and database needs no flush and runs
the code exactly as deployed: init, collectstatic, serve. Its database is SQLite in the data
folder, or on the PostgreSQL run a fresh PostgreSQL database (``lawtrail.tests.scratchdb``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from lawtrail.tests.scratchdb import scratch_database

SECRET = "browser-test-secret-key-long-enough-for-django-0123456789"


@dataclass
class LiveServer:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path
    cleanup: ExitStack = field(default_factory=ExitStack)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.cleanup.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(home: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # SQLite in its own data folder …
    if database_url:
        env["DATABASE_URL"] = database_url  # … or a PostgreSQL database of its own
    env.update(LAWTRAIL_HOME=str(home), LAWTRAIL_SECRET_KEY=SECRET, PYTHONUNBUFFERED="1")
    return env


def lawtrail(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "lawtrail.cli", *args],
        env=env,
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
    cleanup = ExitStack()
    env = environment(home, cleanup.enter_context(scratch_database("lawtrail_browser")))
    try:
        lawtrail(env, "init")
        lawtrail(env, "manage", "collectstatic", "--noinput", "-v", "0")
        return serve(home, env, root, cleanup, extra_setup)
    except BaseException:
        cleanup.close()
        raise


def serve(
    home: Path, env: dict[str, str], root: Path, cleanup: ExitStack, extra_setup: str
) -> LiveServer:
    subprocess.run(
        [sys.executable, "-c", MAKE_DATA + extra_setup],
        env=env,
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
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(
        url=f"http://127.0.0.1:{port}", home=home, process=process, log=log, cleanup=cleanup
    )
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
