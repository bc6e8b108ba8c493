"""``lawtrail serve``: gunicorn (gthread, WSGI so upload bodies stream) plus the task worker.

Under WSGI a request body is read from the socket as the view asks for it; Django's ASGI
handler would spool every body to a temporary file first (see docs/decisions).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

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


def start_helpers(task_workers: int = 1) -> list[subprocess.Popen[bytes]]:
    """What runs beside the web workers: the task workers, the checkpoint signer, the upload
    expiry sweep, the compliance scan (deadlines pass without events), the periodic 四性 check
    of archive packages and the provincial offsite copy (when a replica is set).

    Each task worker ingests one upload at a time (SM3 keeps one core busy), so a dock of many
    cameras is confirmed faster with more of them; they claim jobs from the database without
    taking each other's. The sweep (tus expiration) removes the bytes of uploads abandoned past
    their ``expires_at``; it runs first at start, then every few minutes."""
    cli = [sys.executable, "-m", "lawtrail.cli"]
    return [
        *(subprocess.Popen([*cli, "manage", "db_worker"]) for _ in range(max(1, task_workers))),
        subprocess.Popen([*cli, "ledger", "checkpoint", "--loop"]),
        subprocess.Popen([*cli, "uploads", "expire", "--loop"]),
        subprocess.Popen([*cli, "compliance", "scan", "--loop"]),
        subprocess.Popen([*cli, "archive", "check", "--loop"]),
        subprocess.Popen([*cli, "backup", "sync", "--loop"]),
    ]


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
    helpers = start_helpers(task_workers) if with_worker else []
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
            }
        ).run()
    finally:
        for helper in helpers:
            stop(helper)
    return 0
