"""Confirmation and clearing: a file leaves the device only once the server vouches for it.

After the last byte the server ingests the upload in the background (SHA-256 and SM3 into the
store, decision 0013). The verifier asks ``GET /api/v1/uploads/<id>`` until it is ingested,
then compares the server's SHA-256 and size with the agent's own. Only when both match is the
file *verified*, and only a verified file is *cleared*: moved into ``.lawtrail-cleared/`` on
the device (the default), or deleted with ``--clear``. A digest that differs, or an ingest the
server refused, is reported and the file stays where it is.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lawtrail.station import journal as states
from lawtrail.station.http import Refused, Unauthorized, Unreachable
from lawtrail.station.journal import Entry, Journal
from lawtrail.station.tus import TusClient, UploadGone
from lawtrail.station.watch import CLEARED_FOLDER

log = logging.getLogger("lawtrail.station")

FIRST_POLL = 0.5
LAST_POLL = 5.0


@dataclass(frozen=True)
class Verdict:
    state: str  # the entry's next state; the same state means: ask again later
    fields: dict[str, Any] = field(default_factory=dict)
    message: str = ""


def judge(entry: Entry, status: dict[str, Any]) -> Verdict:
    """What the server's answer about an upload means for the file on the device."""
    state = status.get("state")
    if state == "ingested":
        evidence = status.get("evidence") or {}
        theirs = str(evidence.get("sha256", "")).lower()
        size = evidence.get("size")
        if theirs == entry.sha256 and size == entry.size:
            return Verdict(
                states.VERIFIED,
                {"evidence": evidence.get("id"), "error": ""},
                f"confirmed as evidence {evidence.get('id')} (sha256 and size match)",
            )
        reason = (
            f"the server's digest {theirs or '(none)'} ({size} bytes) differs from ours "
            f"{entry.sha256} ({entry.size} bytes)"
        )
        return Verdict(states.REJECTED, {"error": reason}, reason)
    if state == "failed":
        reason = f"the server did not accept it: {status.get('error') or 'no reason given'}"
        return Verdict(states.FAILED, {"error": reason}, reason)
    if state == "receiving":
        return Verdict(states.UPLOADING, {}, "the server is still missing bytes; resuming")
    if state in ("terminated", "expired"):
        return Verdict(states.HASHED, {"upload": ""}, f"the upload {state}; starting again")
    return Verdict(entry.state)  # complete: the ingest has not run yet


class Verifier:
    def __init__(
        self,
        *,
        journal: Journal,
        tus: TusClient,
        watch: Path,
        delete: bool,
        stopping: threading.Event,
        on_settled: Callable[[Entry], None],
        on_reopen: Callable[[Entry], None],
        on_unauthorized: Callable[[Unauthorized], None],
    ) -> None:
        self.journal = journal
        self.tus = tus
        self.watch = watch
        self.delete = delete
        self.stopping = stopping
        self.on_settled = on_settled
        self.on_reopen = on_reopen
        self.on_unauthorized = on_unauthorized
        self.lock = threading.Lock()
        self.clearing = threading.Lock()
        self.wake = threading.Event()
        #: entry id → (entry, when to ask next, how long to wait after that)
        self.pending: dict[int, tuple[Entry, float, float]] = {}

    def add(self, entry: Entry) -> None:
        with self.lock:
            self.pending[entry.id] = (entry, time.monotonic() + FIRST_POLL, FIRST_POLL)
        self.wake.set()

    def waiting(self) -> int:
        with self.lock:
            return len(self.pending)

    def run(self) -> None:
        for entry in self.journal.in_state(states.UPLOADED, states.VERIFIED):
            self.add(entry)
        while not self.stopping.is_set():
            now = time.monotonic()
            with self.lock:
                due = [item for item in self.pending.values() if item[1] <= now]
                soonest = min((item[1] for item in self.pending.values()), default=now + 1)
            for entry, _when, wait in due:
                if self.stopping.is_set():
                    return
                self.step(entry, wait)
            self.wake.wait(timeout=max(0.05, min(1.0, soonest - time.monotonic())))
            self.wake.clear()

    def later(self, entry: Entry, wait: float) -> None:
        with self.lock:
            if entry.id in self.pending:
                following = min(LAST_POLL, wait * 1.5)
                self.pending[entry.id] = (entry, time.monotonic() + wait, following)

    def done(self, entry: Entry) -> None:
        with self.lock:
            self.pending.pop(entry.id, None)

    def step(self, entry: Entry, wait: float) -> None:
        if entry.state == states.VERIFIED:
            self.done(entry)
            self.clear(entry)
            return
        try:
            status = self.tus.status(entry.upload)
        except Unauthorized as error:
            self.on_unauthorized(error)
            return
        except UploadGone:
            status = {"state": "expired"}
        except (Unreachable, Refused) as error:
            log.debug("%s: could not ask about %s (%s)", entry.path, entry.upload, error)
            self.later(entry, max(wait, 2.0))
            return
        verdict = judge(entry, status)
        if verdict.state == entry.state:
            self.later(entry, wait)
            return
        self.journal.update(entry, state=verdict.state, **verdict.fields)
        self.done(entry)
        if verdict.state == states.VERIFIED:
            log.info("%s: %s", entry.path, verdict.message)
            self.clear(entry)
        elif verdict.state in (states.REJECTED, states.FAILED):
            log.error("%s: %s; not cleared, it stays on the device", entry.path, verdict.message)
            self.on_settled(entry)
        else:
            log.info("%s: %s", entry.path, verdict.message)
            self.on_reopen(entry)

    def clear(self, entry: Entry) -> None:
        """Move (or delete) a verified file; only if it is still the file that was verified."""
        with self.clearing:
            self.clear_one(entry)

    def clear_one(self, entry: Entry) -> None:
        if entry.state == states.CLEARED and not (self.watch / entry.path).exists():
            return
        if entry.state not in states.CONFIRMED:
            raise AssertionError(f"{entry.path} is {entry.state}, not confirmed")
        device_folder = self.watch / entry.device
        relative = entry.path.split("/", 1)[1]
        path = device_folder / relative
        try:
            info = path.stat()
        except FileNotFoundError:
            if device_folder.is_dir() and any(device_folder.iterdir()):
                log.info("%s: no longer on the device; nothing to clear", entry.path)
                self.journal.update(entry, state=states.CLEARED, cleared_to="")
                self.on_settled(entry)
            return  # the device is away: cleared when it comes back
        except OSError as error:
            log.error("%s: verified, but cannot be cleared: %s", entry.path, error)
            return
        if (info.st_size, info.st_mtime_ns) != (entry.size, entry.mtime_ns):
            log.warning("%s: changed since the server confirmed it; left alone", entry.path)
            return
        try:
            if self.delete:
                path.unlink()
                target = "deleted"
            else:
                destination = free_name(device_folder / CLEARED_FOLDER / relative)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.rename(path, destination)
                sync_folder(destination.parent)
                target = str(destination.relative_to(device_folder))
            sync_folder(path.parent)
        except OSError as error:
            log.error("%s: verified, but cannot be cleared: %s", entry.path, error)
            return
        self.journal.update(entry, state=states.CLEARED, cleared_to=target)
        log.info("%s: cleared (%s)", entry.path, target)
        self.on_settled(entry)


def free_name(path: Path) -> Path:
    """``path``, or ``name.1.ext``, ``name.2.ext`` … if a file of that name was cleared before."""
    candidate = path
    n = 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.{n}{path.suffix}")
    return candidate


def sync_folder(folder: Path) -> None:
    """Make a rename durable (best effort: some device file systems cannot fsync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
