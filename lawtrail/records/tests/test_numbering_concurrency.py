"""A 文号 is never issued twice, even when several processes take numbers at once (卫生部令第87号
第四条; ``lawtrail.agencies.numbering`` locks the sequence row inside the creating transaction).

Real concurrency needs real processes and committed transactions, so this test does not use the
test database at all (pytest-django's flush would hit the append-only triggers): it makes a
fresh one — a file SQLite database made by ``lawtrail init`` in a temporary LAWTRAIL_HOME, or,
when the suite runs on PostgreSQL, a separate database that it creates and drops — and runs
worker processes against it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawtrail.tests.scratchdb import scratch_database

REPO = Path(__file__).resolve().parents[3]
WORKERS = 4
PER_WORKER = 8
NUMBER = re.compile(r"^新卫告〔(\d{4})〕(\d+)号$")


def child_env(home: Path, database_url: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LAWTRAIL_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lawtrail.settings",
        LAWTRAIL_HOME=str(home),
        LAWTRAIL_SECRET_KEY="numbering-test-secret-key-long-enough-for-django",
        PYTHONUNBUFFERED="1",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """None for SQLite; on a PostgreSQL run, a fresh database of its own, dropped afterwards."""
    with scratch_database("lawtrail_numbers") as url:
        yield url


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_concurrent_processes_never_get_the_same_number(
    tmp_path: Path, database_url: str | None
) -> None:
    env = child_env(tmp_path / "home", database_url)
    run(env, "lawtrail.cli", "init")
    matters = json.loads(
        run(env, "lawtrail.records.tests.number_worker", "setup", str(WORKERS)).splitlines()[-1]
    )
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lawtrail.records.tests.number_worker",
                "issue",
                str(matter),
                str(PER_WORKER),
                str(go),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for matter in matters
    ]
    try:
        for worker in workers:  # every process is set up and waiting before any takes a number
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready"
        go.touch()
        issued: list[str] = []
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err[-3000:]
            issued += json.loads(out.splitlines()[-1])
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    total = WORKERS * PER_WORKER
    assert len(issued) == total
    assert len(set(issued)) == total, "a number was issued twice"
    parsed = [NUMBER.match(n) for n in issued]
    assert all(parsed), issued
    assert len({m.group(1) for m in parsed if m}) == 1
    assert sorted(int(m.group(2)) for m in parsed if m) == list(range(1, total + 1)), "gaps"
    stored = json.loads(run(env, "lawtrail.records.tests.number_worker", "check").splitlines()[-1])
    assert sorted(n for n in stored if n) == sorted(issued)
