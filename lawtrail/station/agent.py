"""The agent: devices come and go, their files go up, the server hears about it (第十九条).

Threads:

- the main thread scans the watch folder about once a second, notices devices docking and
  leaving, and queues the files that have become stable;
- ``--parallel`` upload workers each take a file of a device no other worker is serving (one
  file at a time per device: a camera's USB link is the narrow part) and run it through
  ``transfer.Uploader``;
- the verifier (``verify.py``) waits for the server's confirmation and clears files;
- the control thread makes the station calls of decision 0013: a dock when a device appears,
  progress while its files go up, an undock when it leaves (kept in the journal's outbox until
  the server has it) and a heartbeat every ``--heartbeat`` seconds.

When the server cannot be reached every worker waits (backoff doubling up to
``--max-backoff``); nothing is lost, tus resumes. A 401 (the token was revoked) stops the
agent with exit status 3.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lawtrail.errors import UsageError
from lawtrail.station import AGENT_VERSION
from lawtrail.station import journal as states
from lawtrail.station.config import Config
from lawtrail.station.deviceinfo import (
    DeviceInfo,
    InfoError,
    read_info,
    station_now,
)
from lawtrail.station.display import Bars, Quiet
from lawtrail.station.http import Server, ServerError, Unauthorized, Unreachable
from lawtrail.station.journal import Entry, InUse, Journal, OpenDock
from lawtrail.station.layout import match_any
from lawtrail.station.stations import StationApi, clock_skew, dock_payload, report_dock
from lawtrail.station.transfer import (
    DeviceFacts,
    DeviceGone,
    Later,
    Stopping,
    Uploader,
    human,
)
from lawtrail.station.tus import COLLECTION, TusClient, UploadGone
from lawtrail.station.verify import Verifier
from lawtrail.station.watch import DeviceScan, Seen, Watcher

log = logging.getLogger("lawtrail.station")

#: Exit status when the server refuses the token: a service manager should not restart the
#: agent for this (``RestartPreventExitStatus=3``).
TOKEN_REFUSED = 3
PROGRESS_SECONDS = 2.0
#: How long a stop waits for the threads (systemd's TimeoutStopSec is 90 s by default).
STOP_SECONDS = 15.0
#: A station clock this far (seconds) from the server's is worth a warning.
CLOCK_WARNING = 60.0
NO_UPLOAD = COLLECTION + "00000000-0000-0000-0000-000000000000"
#: A dock call the server keeps failing (5xx) does not hold the device's files back for ever.
DOCK_ATTEMPTS = 3


@dataclass
class Device:
    name: str
    folder: Path
    serial: str
    officer: str
    info: DeviceInfo
    docked_at: datetime
    files_found: int
    bytes_found: int
    clock_offset: float | None = None
    dock: str = ""
    ready: bool = False
    gone: bool = False
    busy: bool = False
    dock_attempts: int = 0
    progress_due: bool = False
    served_at: float = 0.0
    pending: dict[str, Seen] = field(default_factory=dict)


class Agent:
    def __init__(self, config: Config, display: Quiet | Bars) -> None:
        self.config = config
        self.display = display
        self.journal = Journal(config.journal)
        self.server = Server(
            config.server,
            config.token,
            ssl_context=config.ssl_context,
            on_answer=self.server_ok,
        )
        self.tus = TusClient(self.server)
        self.stations = StationApi(self.server)
        self.watcher = Watcher(config.watch, config.stable_seconds)
        self.stopping = threading.Event()
        self.cond = threading.Condition()
        self.devices: dict[str, Device] = {}
        self.in_hand: dict[str, int] = {}  # key → size, files a worker holds
        self.settled: set[tuple[str, int, int]] = set()
        self.not_before: dict[str, float] = {}
        self.resume_at = 0.0
        self.failures = 0
        self.fatal = ""
        self.skew_reported = False
        self.sent_lock = threading.Lock()
        self.sent_total = 0
        self.verifier = Verifier(
            journal=self.journal,
            tus=self.tus,
            watch=config.watch,
            delete=config.delete,
            stopping=self.stopping,
            on_settled=self.settled_entry,
            on_reopen=self.reopen,
            on_unauthorized=self.refused,
        )
        self.uploader = Uploader(
            journal=self.journal,
            tus=self.tus,
            layouts=config.layouts,
            chunk_size=config.chunk_size,
            reporter=display,
            stopping=self.stopping,
            on_sent=self.count_sent,
            hand_over=self.verifier.add,
            clear=self.verifier.clear,
        )

    # Life

    def run(self) -> int:
        c = self.config
        log.info(
            "%s watching %s for %s; %d in parallel; journal %s; verified files are %s",
            AGENT_VERSION,
            c.watch,
            c.server,
            c.parallel,
            c.journal,
            "deleted" if c.delete else "moved into .lawtrail-cleared/",
        )
        if c.plain_http_off_host:
            log.warning("%s is plain HTTP: 第二十二条 wants recordings sent encrypted", c.server)
        threads = [self.thread(self.worker, f"upload-{n}") for n in range(c.parallel)]
        threads += [
            self.thread(self.verifier.run, "verifier"),
            self.thread(self.control, "control"),
        ]
        interval = min(1.0, max(0.2, c.stable_seconds / 4))
        first = True
        try:
            while not self.stopping.is_set():
                self.update(self.watcher.scan(), first)
                first = False
                self.stopping.wait(interval)
        finally:
            self.stop()
            # A worker in the middle of a chunk stops at its next piece; one stuck on a dead
            # connection is left behind (its chunk is resent at the next start).
            deadline = time.monotonic() + STOP_SECONDS
            for thread in threads:
                thread.join(timeout=max(0.1, deadline - time.monotonic()))
            self.journal.close()
            self.server.close()
        if self.fatal:
            log.error("%s", self.fatal)
            return TOKEN_REFUSED
        log.info("stopped; anything unfinished resumes at the next start")
        return 0

    def thread(self, target: Callable[[], None], name: str) -> threading.Thread:
        def guarded() -> None:
            try:
                target()
            except Exception:
                log.exception("the %s thread failed; stopping", name)
                self.stop()

        thread = threading.Thread(target=guarded, name=name, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.stopping.set()
        self.verifier.wake.set()
        with self.cond:
            self.cond.notify_all()

    def refused(self, error: Unauthorized) -> None:
        """401: the token is wrong or revoked. Stop; the files stay on the devices."""
        with self.cond:
            if not self.fatal:
                self.fatal = (
                    f"the server refused the station token ({error.status}: {error.sentence}); "
                    "it is wrong or was revoked. The agent stops; files not confirmed stay on "
                    "the devices. Register the station again or give it a valid token."
                )
        self.stop()

    def count_sent(self, n: int) -> None:
        with self.sent_lock:
            self.sent_total += n

    # Devices (main thread)

    def update(self, scan: dict[str, DeviceScan], first: bool) -> None:
        if first:
            for dock in self.journal.open_docks():
                if dock.folder not in scan:
                    self.close_dock(
                        dock.folder, dock.dock, dock.serial, "it left while the agent was stopped"
                    )
        for name, device in list(self.devices.items()):
            if name not in scan:
                self.undock(device)
        for name, found in scan.items():
            known = self.devices.get(name)
            if known is None:
                if not found.info_settled:
                    continue  # the info file is still being written
                known = self.arrive(found)
            self.queue(known, found)

    def arrive(self, found: DeviceScan) -> Device:
        try:
            info = read_info(found.folder)
        except InfoError as error:
            log.warning("%s: %s; serial and officer come from the file names", found.name, error)
            info = DeviceInfo(read_at=station_now())
        named = next(
            (
                facts
                for seen in found.files
                if (facts := match_any(self.config.layouts, seen.relative)).serial
            ),
            None,
        )
        previous = self.journal.open_dock(found.name)
        device = Device(
            name=found.name,
            folder=found.folder,
            # Without an info file or a telling name (all its files cleared already), a device
            # whose session is open is the one that was there: the folder never went away.
            serial=info.serial
            or (named.serial if named else "")
            or (previous.serial if previous else "")
            or found.name,
            officer=info.officer or (named.officer if named else ""),
            info=info,
            clock_offset=info.clock_offset,
            docked_at=station_now(),
            files_found=len(found.files),
            bytes_found=sum(seen.size for seen in found.files),
        )
        continuing = previous is not None and previous.serial == device.serial
        if continuing and previous is not None:
            # The same visit, across a restart: its offset is the one measured at docking.
            device.dock, device.ready = previous.dock, True
            device.clock_offset = previous.clock_offset
        offset = device.clock_offset
        log.info(
            "%s: device %s%s %s: %s, %s; clock offset %s; battery %s",
            found.name,
            device.serial,
            f" (officer {device.officer})" if device.officer else "",
            f"still docked (dock session {device.dock})" if continuing else "docked",
            files(device.files_found),
            human(device.bytes_found),
            f"{offset:+.1f} s" if offset is not None else "unknown (no device clock)",
            f"{info.battery}%" if info.battery is not None else "unknown",
        )
        if previous is not None and not continuing:
            self.close_dock(
                found.name, previous.dock, previous.serial, "another device took its place"
            )
        with self.cond:
            self.devices[found.name] = device
        return device

    def queue(self, device: Device, found: DeviceScan) -> None:
        now = time.monotonic()
        with self.cond:
            device.pending = {
                seen.key: seen
                for seen in found.ready
                if (seen.key, seen.size, seen.mtime_ns) not in self.settled
                and seen.key not in self.in_hand
                and self.not_before.get(seen.key, 0) <= now
            }
            if device.pending:
                self.cond.notify_all()

    def undock(self, device: Device) -> None:
        prefix = device.name + "/"
        with self.cond:
            device.gone = True
            device.pending = {}
            self.devices.pop(device.name, None)
            dock = device.dock
            left = sum(1 for key in self.in_hand if key.startswith(prefix))
            # Its files are looked at afresh when it comes back (one the server refused may
            # be accepted by then).
            self.settled = {s for s in self.settled if not s[0].startswith(prefix)}
        self.close_dock(device.name, dock, device.serial, "it was removed", left)

    def close_dock(self, folder: str, dock: str, serial: str, why: str, busy: int = 0) -> None:
        counts = self.journal.dock_counts(dock) if dock else {}
        call = None
        if dock:
            call = (f"docks/{dock}/undock", {"undocked_at": station_now().isoformat(), **counts})
        self.journal.close_dock(folder, call)
        log.info(
            "%s: device %s undocked (%s)%s%s",
            folder,
            serial,
            why,
            f"; dock session {dock}: {counts['files_uploaded']} files confirmed, "
            f"{counts['files_failed']} failed"
            if dock
            else "",
            f"; {busy} file(s) were in hand and resume when it is back" if busy else "",
        )

    # Upload workers

    def next_job(self) -> tuple[Device, Seen] | None:
        with self.cond:
            while not self.stopping.is_set():
                now = time.monotonic()
                if now >= self.resume_at:
                    candidates = [
                        d for d in self.devices.values()
                        if d.ready and not d.gone and not d.busy and d.pending
                    ]  # fmt: skip
                    if candidates:
                        device = min(candidates, key=lambda d: d.served_at)
                        key = next(iter(device.pending))
                        seen = device.pending.pop(key)
                        device.busy = True
                        device.served_at = now
                        self.in_hand[key] = seen.size
                        return device, seen
                    self.cond.wait(timeout=1.0)
                else:
                    self.cond.wait(timeout=self.resume_at - now)
        return None

    def worker(self) -> None:
        while True:
            job = self.next_job()
            if job is None:
                return
            device, seen = job
            facts = DeviceFacts(
                device.name, device.serial, device.info, device.dock, device.clock_offset
            )
            finished = False
            try:
                finished = self.uploader.process(seen, facts)
            except Unreachable as error:
                self.server_trouble(error)
            except Unauthorized as error:
                self.refused(error)
            except DeviceGone as error:
                log.info(
                    "%s: device left during the file (%s); it resumes when back", seen.key, error
                )
            except Stopping:
                pass
            except Later:
                self.not_before[seen.key] = time.monotonic() + 60
            except Exception:
                log.exception("%s: unexpected error; trying this file again in a minute", seen.key)
                self.not_before[seen.key] = time.monotonic() + 60
            with self.cond:
                device.busy = False
                self.in_hand.pop(seen.key, None)
                if finished:
                    self.settled.add((seen.key, seen.size, seen.mtime_ns))
                self.cond.notify_all()

    def server_trouble(self, error: ServerError) -> None:
        with self.cond:
            now = time.monotonic()
            if now < self.resume_at:
                return  # another worker already said so
            self.failures += 1
            delay = min(self.config.max_backoff, 2.0 ** min(self.failures - 1, 12))
            self.resume_at = now + delay
        log.warning("server unreachable (%s); trying again in %.0f s", error, delay)

    def server_ok(self) -> None:
        if not self.failures:  # the common case, without the lock
            return
        with self.cond:
            if not self.failures:
                return
            self.failures = 0
        log.info("the server answers again")

    # Called by the verifier

    def settled_entry(self, entry: Entry) -> None:
        with self.cond:
            device = self.devices.get(entry.device)
            if device is not None and entry.dock and entry.dock == device.dock:
                device.progress_due = True

    def reopen(self, entry: Entry) -> None:
        """The verifier found the upload needs more work: let a worker take the file again."""
        with self.cond:
            self.settled = {s for s in self.settled if s[0] != entry.path}

    # The control thread: station calls

    def check_token(self) -> None:
        """Ask about an upload that cannot exist: 404 means the token is good, 401 not."""
        try:
            self.tus.offset(NO_UPLOAD)
        except Unauthorized as error:
            self.refused(error)
        except ServerError as error:
            if not isinstance(error, UploadGone):
                log.warning("the server does not answer yet (%s); waiting for it", error)

    def control(self) -> None:
        self.check_token()
        next_heartbeat = 0.0
        last_sent, last_time = 0, time.monotonic()
        last_progress = 0.0
        pause_until = 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            if now >= pause_until:
                try:
                    for device in self.waiting_for_dock():
                        self.dock(device)
                    self.flush_outbox()
                    if now - last_progress >= PROGRESS_SECONDS:
                        last_progress = now
                        self.send_progress()
                    if now >= next_heartbeat:
                        with self.sent_lock:
                            sent = self.sent_total
                        rate = (sent - last_sent) / max(now - last_time, 1e-3)
                        last_sent, last_time = sent, now
                        self.heartbeat(rate)
                        next_heartbeat = now + self.config.heartbeat_seconds
                except Unauthorized as error:
                    self.refused(error)
                except Unreachable as error:
                    log.debug("station call failed: %s", error)
                    pause_until = now + min(self.config.max_backoff, 5.0)
            self.stopping.wait(0.25)

    def waiting_for_dock(self) -> list[Device]:
        with self.cond:
            return [d for d in self.devices.values() if not d.ready and not d.gone]

    def dock(self, device: Device) -> None:
        payload = dock_payload(
            device.serial,
            device.officer,
            device.info,
            device.docked_at,
            device.files_found,
            device.bytes_found,
        )
        try:
            answer = self.stations.dock(payload)
        except Unreachable as error:
            device.dock_attempts += 1
            if error.status is None or device.dock_attempts < DOCK_ATTEMPTS:
                raise
            log.warning(
                "%s: the dock call keeps failing (%s); uploading without it", device.name, error
            )
            answer = None
        dock = str(answer["id"]) if answer and answer.get("id") is not None else ""
        if dock:
            self.journal.record_dock(
                OpenDock(
                    device.name,
                    device.serial,
                    dock,
                    device.docked_at.isoformat(),
                    device.clock_offset,
                )
            )
            report_dock(device.name, device.serial, dock, answer or {})
        with self.cond:
            device.dock = dock
            device.ready = True
            gone = device.gone
            self.cond.notify_all()
        if gone and dock:
            self.close_dock(device.name, dock, device.serial, "it left before the server answered")

    def flush_outbox(self) -> None:
        for call in self.journal.pending_calls():
            self.stations.post(call.path, call.body)  # Unreachable: the call stays queued
            self.journal.call_done(call)

    def send_progress(self) -> None:
        with self.cond:
            due = [d for d in self.devices.values() if d.progress_due and d.dock]
            for device in due:
                device.progress_due = False
        for device in due:
            try:
                self.stations.progress(device.dock, self.journal.dock_counts(device.dock))
            except Unreachable:
                device.progress_due = True
                raise

    def heartbeat(self, rate: float) -> None:
        with self.cond:
            queued = [s for d in self.devices.values() for s in d.pending.values()]
            in_hand = dict(self.in_hand)
        waiting = self.verifier.waiting()
        queue_bytes = sum(s.size for s in queued) + sum(in_hand.values())
        payload = {
            "queue_files": len(queued) + len(in_hand) + waiting,
            "queue_bytes": queue_bytes,
            "uploading": len(in_hand),
            "bytes_per_second": round(rate),
            "agent_version": AGENT_VERSION,
        }
        if queued or in_hand or waiting or rate:
            log.info(
                "queue: %d waiting, %d in hand (%s to go), %d awaiting confirmation; sending %s/s",
                len(queued),
                len(in_hand),
                human(queue_bytes),
                waiting,
                human(rate),
            )
        asked = station_now()
        answer = self.stations.heartbeat(payload)
        skew = clock_skew(answer, asked, station_now())
        if skew is not None and abs(skew) > CLOCK_WARNING and not self.skew_reported:
            self.skew_reported = True
            log.warning(
                "the station's clock is %+.0f s off the server's; set it by NTP (recordings are "
                "corrected to the station's clock, and the server refuses station times more "
                "than ten minutes ahead)",
                skew,
            )


def files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


def run_agent(config: Config) -> int:
    """Run until SIGTERM or SIGINT (exit 0), or until the token is refused (exit 3)."""
    from lawtrail.station.display import setup

    display = setup(config.verbose)
    try:
        agent = Agent(config, display)
    except InUse as error:
        raise UsageError(f"{str(error).capitalize()}; stop it first.") from None
    counts = agent.journal.counts()
    if counts.get(states.REJECTED) or counts.get(states.FAILED):
        log.warning(
            "the journal holds %d rejected and %d failed file(s); they stay on their devices",
            counts.get(states.REJECTED, 0),
            counts.get(states.FAILED, 0),
        )

    def on_signal(number: int, _frame: object) -> None:
        log.info("%s received; stopping", signal.Signals(number).name)
        agent.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with display:
        return agent.run()
