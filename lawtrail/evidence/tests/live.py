"""A real ``lawtrail serve`` (web workers, task worker, checkpoint signer) in a subprocess.

The ledger tables refuse DELETE, so pytest-django's live_server and transactional_db (which
flush tables) cannot be used; instead each server runs on its own LAWTRAIL_HOME, prepared the
way an operator would: ``lawtrail init``, the test province made through ``lawtrail manage
shell``, and a token from ``lawtrail token create``. When DATABASE_URL is set for the test run
(the PostgreSQL CI job) it is removed from the child's environment, so the child uses its own
SQLite database in its data folder and never touches the test database.

The server runs in a session of its own, so ``kill9`` takes down gunicorn, its workers and the
task worker together, as a power cut would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET = "evidence-live-test-secret-key-long-enough-0123456789"


def environment(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The child's environment; ``extra`` adds to it (``LAWTRAIL_STORE`` of an S3 store)."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the child keeps its own SQLite database in its home
    env.pop("LAWTRAIL_STORE", None)
    env.update(LAWTRAIL_HOME=str(home), LAWTRAIL_SECRET_KEY=SECRET, PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def cli(home: Path, *args: str, timeout: float = 300, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lawtrail.cli", *args],
        env=environment(home, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"lawtrail {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


def prepare(home: Path) -> str:
    """A data folder with the test province; returns an API token of officer_a."""
    cli(home, "init")
    cli(
        home,
        "manage",
        "shell",
        "-c",
        "from lawtrail.testing import make_province; make_province()",
    )
    return cli(home, "token", "create", "officer_a").strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    home: Path
    port: int
    token: str
    log: Path
    #: Added to the child's environment, e.g. ``LAWTRAIL_STORE``.
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def start(self, timeout: float = 120) -> Server:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lawtrail.cli", "serve", "--port", str(self.port)],
                env=environment(self.home, self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lawtrail serve exited: {self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"lawtrail serve did not answer: {self.log.read_text()[-3000:]}")

    def signal_group(self, sig: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill9(self) -> None:
        """Everything the server started dies at once, with no chance to clean up."""
        self.signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.signal_group(signal.SIGKILL)  # helpers of a dead master
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill9()
        self.signal_group(signal.SIGKILL)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the child's own SQLite database (read-only)."""
        db = sqlite3.connect(f"file:{self.home / 'lawtrail.sqlite3'}?mode=ro", uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()


def wait_for(predicate: Any, timeout: float = 180, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"gave up waiting after {timeout} s")
