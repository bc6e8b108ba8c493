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

    def load(self) -> Any:
        from lawtrail.wsgi import application

        return application


def start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "lawtrail.cli", "manage", "db_worker"])


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def serve(*, host: str, port: int, workers: int, with_worker: bool) -> int:
    print(f"lawtrail is serving on http://{host}:{port}/  (Ctrl-C stops it)", flush=True)
    worker = start_worker() if with_worker else None
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
        if worker is not None:
            stop(worker)
    return 0
