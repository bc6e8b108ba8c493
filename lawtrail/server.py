"""``lawtrail serve``: gunicorn (gthread, WSGI so upload bodies stream) plus the task worker.

Under WSGI a request body is read from the socket as the view asks for it; Django's ASGI
handler would spool every body to a temporary file first (see docs/decisions).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter as GunicornArbiter

log = logging.getLogger(__name__)


class Arbiter(GunicornArbiter):  # type: ignore[misc]
    """Gunicorn's master, telling ``serve`` when it starts stopping (Ctrl-C, SIGTERM), so
    that helpers stopped with it are not restarted."""

    def stop(self, graceful: bool = True) -> None:
        self.app.on_stop()
        super().stop(graceful)


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], on_stop: Callable[[], None] = lambda: None) -> None:
        self.options = options
        self.on_stop = on_stop
        super().__init__()

    def run(self) -> None:
        try:
            Arbiter(self).run()
        except RuntimeError as error:  # as gunicorn's own run()
            print(f"\nError: {error}\n", file=sys.stderr, flush=True)
            sys.exit(1)

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        # gunicorn >= 25.1 opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl),
        # which a second `lawtrail serve` on the machine would take over; we do not use it.
        if "control_socket_disable" in self.cfg.settings:
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        from lawtrail.wsgi import application

        return application


def helper_commands(task_workers: int = 1) -> list[list[str]]:
    """What runs beside the web workers: the task workers, the checkpoint signer, the upload
    expiry sweep, the compliance scan (deadlines pass without events), the periodic 四性 check
    of archive packages and the provincial offsite copy (when a replica is set).

    Each task worker ingests one upload at a time (SM3 keeps one core busy), so a dock of many
    cameras is confirmed faster with more of them; they claim jobs from the database without
    taking each other's. The sweep (tus expiration) removes the bytes of uploads abandoned past
    their ``expires_at``; it runs first at start, then every few minutes."""
    cli = [sys.executable, "-m", "lawtrail.cli"]
    return [
        *([*cli, "manage", "db_worker"] for _ in range(max(1, task_workers))),
        [*cli, "ledger", "checkpoint", "--loop"],
        [*cli, "uploads", "expire", "--loop"],
        [*cli, "compliance", "scan", "--loop"],
        [*cli, "archive", "check", "--loop"],
        [*cli, "backup", "sync", "--loop"],
    ]


class Helpers:
    """The helper processes, restarted when one dies (a crash must not stop the time-based
    checkpoints or the scans for good). One that keeps dying is restarted after 1, 2, 4 … up
    to ``MAX_DELAY`` seconds; one that ran ``STEADY`` seconds starts that count again."""

    MAX_DELAY = 300.0
    STEADY = 60.0

    def __init__(self, commands: Sequence[Sequence[str]], every: float = 5.0) -> None:
        self.commands = [list(c) for c in commands]
        self.every = every
        self.processes: list[subprocess.Popen[bytes]] = []
        self.started: list[float] = []
        self.failures: list[int] = []
        self.due: list[float | None] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def start(self) -> Helpers:
        now = time.monotonic()
        with self.lock:
            self.processes = [subprocess.Popen(c) for c in self.commands]
            self.started = [now] * len(self.commands)
            self.failures = [0] * len(self.commands)
            self.due = [None] * len(self.commands)
        return self

    def supervise(self) -> None:
        """Check on the helpers every ``every`` seconds, in a thread of the serving process."""
        self.thread = threading.Thread(target=self.watch, name="lawtrail-helpers", daemon=True)
        self.thread.start()

    def watch(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                self.check()
            except Exception:  # the watcher outlives a failed restart; it tries again
                log.exception("restarting a lawtrail helper failed")

    def check(self, now: float | None = None) -> list[int]:
        """Restart the helpers that died and whose delay is over; return their positions."""
        restarted = []
        with self.lock:
            for i, process in enumerate(self.processes):
                if self.stopping.is_set() or process.poll() is None:
                    continue
                now = time.monotonic() if now is None else now
                if self.due[i] is None:
                    ran = now - self.started[i]
                    self.failures[i] = 0 if ran >= self.STEADY else self.failures[i] + 1
                    delay = min(self.MAX_DELAY, 2.0 ** self.failures[i]) if self.failures[i] else 0
                    self.due[i] = now + delay
                    log.error(
                        "lawtrail helper %r (pid %d) exited with status %s; restarting it in %ds",
                        " ".join(self.commands[i][1:]),
                        process.pid,
                        process.returncode,
                        delay,
                    )
                due = self.due[i]
                if due is not None and now >= due:
                    self.processes[i] = subprocess.Popen(self.commands[i])
                    self.started[i] = now
                    self.due[i] = None
                    restarted.append(i)
        return restarted

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout=self.every + 5)
        with self.lock:
            for process in self.processes:
                stop(process)


def start_helpers(task_workers: int = 1) -> Helpers:
    return Helpers(helper_commands(task_workers)).start()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def collect_static() -> None:
    """Copy the static files into LAWTRAIL_HOME/static with their manifest.

    With DEBUG off, ``{% static %}`` looks names up in the manifest of the hashed files, so a
    page would fail with 500 until collectstatic has run for this version of the code; running
    it at every start keeps the manifest in step after an upgrade (it skips unchanged files).
    """
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def serve(*, host: str, port: int, workers: int, with_worker: bool, task_workers: int = 1) -> int:
    collect_static()
    print(f"lawtrail is serving on http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    if with_worker:
        # A worker killed mid-ingest leaves its upload complete but not evidence; django-tasks
        # does not retry a running task, so queue those again (ingest is idempotent and the
        # upload's one-to-one acquisition stops a double).
        from datetime import timedelta

        from lawtrail.evidence.tasks import requeue_stalled_uploads

        requeued = requeue_stalled_uploads(timedelta(0))
        if requeued:
            print(f"queued the ingest of {requeued} interrupted upload(s) again", flush=True)
    helpers = start_helpers(task_workers) if with_worker else None
    if helpers is not None:
        helpers.supervise()
    try:
        Server(
            {
                "bind": f"{host}:{port}",
                "workers": max(1, workers),
                "worker_class": "gthread",
                "threads": 8,
                "timeout": 600,
                "accesslog": "-",
                "graceful_timeout": 10,
            },
            on_stop=helpers.stopping.set if helpers else lambda: None,
        ).run()
    finally:
        if helpers is not None:
            helpers.stop()
    return 0
