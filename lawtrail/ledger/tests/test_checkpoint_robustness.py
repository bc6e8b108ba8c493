"""Time-based checkpoints keep coming (issue 3: "every N seconds"): the ``ledger checkpoint
--loop`` outlives a database error, a commit never fails because its checkpoint did,
``lawtrail serve`` restarts a helper that died, and the signing key stays private (0600).
"""

from __future__ import annotations

import stat
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, transaction
from django.test import override_settings

from lawtrail import server
from lawtrail.ledger import checkpoints, commands, events, note
from lawtrail.ledger.models import Checkpoint
from lawtrail.tests.conftest import lawtrail

CaptureOnCommit = Any


def append(count: int) -> None:
    with transaction.atomic():
        events.append_many(
            [events.Pending(events.SYSTEM, "thing.made", ("thing", str(i))) for i in range(count)]
        )


@pytest.fixture
def keyed(db: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A signing key, no sleeping in the loop, and a record of connection clean-ups."""
    checkpoints.ensure_signing_key()
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    closed: list[str] = []
    import django.db

    monkeypatch.setattr(django.db, "close_old_connections", lambda **_: closed.append("closed"))
    return closed


def failing_once(real: Any, error: BaseException) -> Any:
    calls: list[int] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    return call


@pytest.mark.parametrize(
    "error",
    [OperationalError("database is locked"), OperationalError("server closed the connection")],
)
def test_the_loop_survives_a_database_error_and_signs_in_the_next_round(
    keyed: list[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    append(3)
    monkeypatch.setattr(
        checkpoints, "checkpoint_due", failing_once(checkpoints.checkpoint_due, error)
    )
    assert commands.checkpoint_loop(rounds=2) == 0
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [3]
    assert str(error) in caplog.text
    assert any(r.levelname == "ERROR" for r in caplog.records)
    # Once at the start of each round, once more after the failure.
    assert len(keyed) == 3


def test_the_loop_survives_an_unexpected_error_in_signing(
    keyed: list[str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    append(2)
    monkeypatch.setattr(
        checkpoints,
        "make_checkpoint",
        failing_once(checkpoints.make_checkpoint, RuntimeError("disk on fire")),
    )
    assert commands.checkpoint_loop(rounds=3) == 0
    assert Checkpoint.objects.count() == 1
    assert "disk on fire" in caplog.text  # with its traceback, for the operator


def test_the_loop_survives_a_failure_to_close_the_connections(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import django.db

    checkpoints.ensure_signing_key()
    monkeypatch.setattr(time, "sleep", lambda seconds: None)

    def broken(**_: Any) -> None:
        raise OperationalError("the connection is gone")

    monkeypatch.setattr(django.db, "close_old_connections", broken)
    assert commands.checkpoint_loop(rounds=2) == 0


def test_the_loop_still_stops_on_ctrl_c(keyed: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoints, "checkpoint_due", interrupted)
    with pytest.raises(KeyboardInterrupt):
        commands.checkpoint_loop(rounds=5)


@override_settings(LAWTRAIL_CHECKPOINT_EVENTS=2)
def test_a_database_error_after_commit_is_logged_and_the_commit_stands(
    db: None,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: CaptureOnCommit,
    caplog: pytest.LogCaptureFixture,
) -> None:
    checkpoints.ensure_signing_key()

    def locked() -> Checkpoint:
        raise OperationalError("database is locked")

    monkeypatch.setattr(checkpoints, "make_checkpoint", locked)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        append(3)  # must not raise: the events are committed
    assert callbacks
    assert events.Event.objects.count() == 3
    assert Checkpoint.objects.count() == 0
    assert "database is locked" in caplog.text


def test_checkpoint_after_commit_never_raises_an_exception(
    db: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Checkpoint:
        raise ValueError("unexpected")

    monkeypatch.setattr(checkpoints, "make_checkpoint", broken)
    checkpoints.checkpoint_after_commit()
    assert "unexpected" in caplog.text


# --- lawtrail serve restarts its helpers ---------------------------------------------------


def quick(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def wait_dead(process: Any) -> None:
    deadline = time.monotonic() + 20
    while process.poll() is None:
        assert time.monotonic() < deadline, "the helper did not exit"
        time.sleep(0.05)


def test_a_helper_that_died_is_restarted_and_a_live_one_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    helpers = server.Helpers([quick("raise SystemExit(3)"), quick("import time; time.sleep(60)")])
    helpers.start()
    try:
        dying, living = helpers.processes
        wait_dead(dying)
        assert helpers.check() == []  # it ran less than STEADY: restarted in 2 s, not at once
        assert helpers.check(time.monotonic() + 3) == [0]
        assert helpers.processes[0] is not dying and helpers.processes[1] is living
        assert "restarting it" in caplog.text
    finally:
        helpers.stop()
    assert all(p.poll() is not None for p in helpers.processes)


def test_a_helper_that_keeps_dying_waits_longer_each_time() -> None:
    helpers = server.Helpers([quick("raise SystemExit(1)")])
    helpers.start()
    try:
        now = time.monotonic()
        delays = []
        for _ in range(4):
            wait_dead(helpers.processes[0])
            assert helpers.check(now) == []
            due = helpers.due[0]
            assert due is not None
            delays.append(round(due - now))
            now = due
            assert helpers.check(now) == [0]
        assert delays == [2, 4, 8, 16]
    finally:
        helpers.stop()


def test_a_helper_that_ran_a_while_is_restarted_at_once() -> None:
    helpers = server.Helpers([quick("pass")])
    helpers.start()
    try:
        wait_dead(helpers.processes[0])
        helpers.started[0] -= helpers.STEADY
        assert helpers.check() == [0]
    finally:
        helpers.stop()


def test_no_helper_is_restarted_once_serve_is_stopping() -> None:
    helpers = server.Helpers([quick("pass")], every=0.05)
    helpers.start()
    helpers.supervise()
    try:
        wait_dead(helpers.processes[0])
        helpers.stopping.set()  # what gunicorn's stop() does first, through Server's on_stop
        first = helpers.processes[0]
        assert helpers.check(time.monotonic() + 1000) == []
        time.sleep(0.2)
        assert helpers.processes[0] is first
    finally:
        helpers.stop()


def test_the_watcher_thread_restarts_a_dead_helper() -> None:
    helpers = server.Helpers([quick("pass")], every=0.05)
    helpers.start()
    first = helpers.processes[0]
    helpers.started[0] -= helpers.STEADY  # a steady helper: restarted without delay
    helpers.supervise()
    try:
        deadline = time.monotonic() + 20
        while helpers.processes[0] is first:
            assert time.monotonic() < deadline, "the watcher did not restart the helper"
            time.sleep(0.05)
    finally:
        helpers.stop()


def test_gunicorns_stop_tells_serve_first() -> None:
    told: list[str] = []
    app = server.Server({"bind": "127.0.0.1:0"}, on_stop=lambda: told.append("stop"))
    arbiter = server.Arbiter(app)
    arbiter.stop(graceful=False)
    assert told == ["stop"]


def test_serve_starts_the_checkpoint_loop_among_its_helpers() -> None:
    commands_ = server.helper_commands(2)
    assert [c[3:] for c in commands_].count(["manage", "db_worker"]) == 2
    assert ["ledger", "checkpoint", "--loop"] in [c[3:] for c in commands_]


# --- the signing key is private ------------------------------------------------------------


def test_init_creates_a_private_signing_key_and_prints_the_verifier_key(tmp_path: Path) -> None:
    result = lawtrail(tmp_path, "init")
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "ledger" / "signing-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    [line] = [x for x in result.stdout.splitlines() if x.startswith("ledger verifier key: ")]
    verifier_key = line.removeprefix("ledger verifier key: ")
    assert verifier_key == (tmp_path / "ledger" / "verifier-key").read_text().strip()
    signer = note.Signer.from_key(key_file.read_text().strip())
    assert signer.verifier.key == verifier_key


def test_ensure_signing_key_repairs_a_key_file_others_can_read(
    db: None, caplog: pytest.LogCaptureFixture
) -> None:
    verifier_key, _created = checkpoints.ensure_signing_key()
    path = checkpoints.key_file()
    path.chmod(0o644)
    again, created_again = checkpoints.ensure_signing_key()
    assert (again, created_again) == (verifier_key, False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "signing key" in caplog.text and "644" in caplog.text
    caplog.clear()
    checkpoints.ensure_signing_key()  # already private: nothing to say
    assert "signing key" not in caplog.text
