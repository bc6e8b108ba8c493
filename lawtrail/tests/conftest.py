"""Running the ``lawtrail`` command in subprocesses, each with its own data folder.

Why subprocesses: the ledger tables carry triggers that refuse DELETE (第二十六条), so
pytest-django's transactional flush cannot empty them; a command run in a child process gets a
fresh ``LAWTRAIL_HOME`` instead and really commits, like an operator's would.

The children always use SQLite inside their own ``LAWTRAIL_HOME``: ``DATABASE_URL`` is removed
from their environment, so that the PostgreSQL run of the suite (``DATABASE_URL`` set) never
has its test database touched by a child.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def child_env(home: Path, **overrides: str | None) -> dict[str, str]:
    """The parent's environment without lawtrail's own settings, with ``home`` as data folder.

    ``overrides`` set variables; an override of None removes one.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LAWTRAIL_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env["LAWTRAIL_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def lawtrail(
    home: Path, *args: str, timeout: float = 120, **env: str | None
) -> subprocess.CompletedProcess[str]:
    """Run ``lawtrail ARGS…`` with ``home`` as its data folder and return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "lawtrail.cli", *args],
        cwd=REPO,
        env=child_env(home, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def query(home: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Read the child's SQLite database directly (read-only)."""
    uri = f"file:{home / 'lawtrail.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        return db.execute(sql, params).fetchall()


def count(home: Path, table: str, where: str = "1=1", *params: object) -> int:
    [(n,)] = query(home, f"SELECT COUNT(*) FROM {table} WHERE {where}", *params)
    assert isinstance(n, int)
    return n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def initialized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder after ``lawtrail init``: the template that ``fresh_home`` copies."""
    home = tmp_path_factory.mktemp("initialized")
    result = lawtrail(home, "init")
    assert result.returncode == 0, result.stderr
    return home


@pytest.fixture
def fresh_home(initialized: Path, tmp_path: Path) -> Path:
    """An initialised, empty data folder of this test's own (copied: migrating takes seconds)."""
    home = tmp_path / "home"
    shutil.copytree(initialized, home)
    return home


@dataclass
class Demo:
    home: Path
    output: str

    def password(self, username: str) -> str:
        """The password printed for ``username`` in the login table (its last column)."""
        for line in self.output.splitlines():
            cells = line.split()
            if cells and cells[0] == username:
                return cells[-1]
        raise AssertionError(f"{username} is not in the login table")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, initialized: Path) -> Demo:
    """One demo province for the tests that read it (built once per test process).

    Tests may add to it (a token, a login) but must not assume they are alone in it.
    """
    home = tmp_path_factory.mktemp("demo") / "home"
    shutil.copytree(initialized, home)
    result = lawtrail(home, "demo", timeout=300)
    assert result.returncode == 0, result.stderr
    return Demo(home, result.stdout)


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(
        self, path: str, token: str = "", *, json_body: object = None
    ) -> tuple[int, dict[str, str], bytes]:
        """GET ``path`` (POST when ``json_body`` is given), with the bearer ``token`` if any."""
        data = None if json_body is None else json.dumps(json_body).encode()
        request = urllib.request.Request(self.url + path, data=data)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get_json(self, path: str, token: str = "") -> tuple[int, object]:
        status, _, body = self.get(path, token)
        return status, json.loads(body)


def wait_until_up(served: Served, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"lawtrail serve exited early:\n{served.log.read_text()}")
        try:
            with urllib.request.urlopen(served.url + "/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise AssertionError("lawtrail serve did not answer /healthz in time")


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM as an operator's Ctrl-C or service manager would; the group only if it hangs."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout=10)


@pytest.fixture(scope="session")
def served(demo: Demo) -> Iterator[Served]:
    """``lawtrail serve`` on the demo province, on a free port, with DEBUG off."""
    yield from serve(demo.home, "--workers", "1")


def serve(home: Path, *args: str) -> Iterator[Served]:
    """Start ``lawtrail serve`` on a free port (output to ``serve-PORT.log``); stop it after."""
    port = free_port()
    log = home / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "lawtrail.cli", "serve", "--port", str(port), *args],
            cwd=REPO,
            env=child_env(home),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_up(server)
        yield server
    finally:
        if process.poll() is None:
            stop(process)
