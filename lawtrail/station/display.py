"""What the operator sees: rich progress bars on a terminal, plain log lines otherwise.

Under systemd (or with output to a file or a pipe) every event is one line on stderr, with a
time stamp unless the journal adds its own (``JOURNAL_STREAM`` is set). On a terminal the same
lines scroll above one progress bar per file being hashed or sent.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from types import TracebackType
from typing import Any

log = logging.getLogger("lawtrail.station")


class Quiet:
    """Progress for a service manager: nothing between the log lines."""

    def begin(self, key: str, label: str, total: int, done: int = 0) -> None:
        pass

    def advance(self, key: str, n: int) -> None:
        pass

    def end(self, key: str) -> None:
        pass

    def __enter__(self) -> Quiet:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        pass


class Bars:
    """One rich progress bar per file in hand."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self.lock = threading.Lock()

    def begin(self, key: str, label: str, total: int, done: int = 0) -> None:
        with self.lock:
            if key in self.tasks:
                self.progress.remove_task(self.tasks.pop(key))
            self.tasks[key] = self.progress.add_task(shorten(label), total=total, completed=done)

    def advance(self, key: str, n: int) -> None:
        task = self.tasks.get(key)
        if task is not None:
            self.progress.advance(task, n)

    def end(self, key: str) -> None:
        with self.lock:
            task = self.tasks.pop(key, None)
            if task is not None:
                self.progress.remove_task(task)

    def __enter__(self) -> Bars:
        self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.progress.stop()


def shorten(label: str, width: int = 44) -> str:
    """Keep the start (the device, what is done) and the end (sequence, suffix) of a label."""
    if len(label) <= width:
        return label
    head = width // 2
    return label[:head] + "…" + label[-(width - head - 1) :]


def on_terminal() -> bool:
    return sys.stderr.isatty() and os.getenv("TERM", "") != "dumb"


def setup(verbose: bool = False) -> Quiet | Bars:
    """Configure the agent's logger; the progress display that goes with it."""
    level = logging.DEBUG if verbose else logging.INFO
    log.setLevel(level)
    log.propagate = False
    for old in list(log.handlers):
        log.removeHandler(old)
    display: Quiet | Bars
    if on_terminal():
        from rich.logging import RichHandler

        display = Bars()
        handler: logging.Handler = RichHandler(
            console=display.console, show_path=False, markup=False, rich_tracebacks=False
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        display = Quiet()
        handler = logging.StreamHandler(sys.stderr)
        stamp = "" if os.getenv("JOURNAL_STREAM") else "%(asctime)s "
        handler.setFormatter(logging.Formatter(stamp + "%(levelname)s %(message)s"))
    handler.setLevel(level)
    log.addHandler(handler)
    return display
