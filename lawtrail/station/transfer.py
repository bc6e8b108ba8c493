"""One file, from the device to confirmed evidence: hash, upload with resume, hand over.

``Uploader.process`` takes a file that has been stable for a while and does the next thing the
journal says it needs: hash it (once), create its upload (once), send what the server does not
have yet (HEAD says how much it has), and hand the complete upload to the verifier
(``verify.py``), which waits for the server's digest and clears the file. Each step is
committed to the journal before the next begins, so a crash or a restart picks up where it was
and never makes a second upload of a file.

Errors it raises are for the agent to handle: ``Unreachable`` (try later), ``Unauthorized``
(stop), ``DeviceGone`` (the device left mid-file), ``Stopping`` (shutting down).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lawtrail.station import journal as states
from lawtrail.station.deviceinfo import DeviceInfo
from lawtrail.station.hashing import Digests, hash_file, hash_region
from lawtrail.station.http import Refused, SourceError, Unreachable
from lawtrail.station.journal import Entry, Journal
from lawtrail.station.layout import Layout
from lawtrail.station.recording import describe, fallback
from lawtrail.station.tus import (
    ChecksumRefused,
    OffsetConflict,
    TusClient,
    UploadGone,
)
from lawtrail.station.watch import Seen

log = logging.getLogger("lawtrail.station")


class Stopping(Exception):
    """The agent is shutting down; the file resumes at the next start."""


class DeviceGone(Exception):
    """The device's file could not be read: it was unplugged mid-file."""


class Later(Exception):
    """The file cannot be read now (an I/O error on the card): try again in a minute."""


class Reporter(Protocol):
    def begin(self, key: str, label: str, total: int, done: int = 0) -> None: ...

    def advance(self, key: str, n: int) -> None: ...

    def end(self, key: str) -> None: ...


@dataclass
class DeviceFacts:
    """What the agent knows of a docked device when it takes one of its files."""

    folder: str
    serial: str
    info: DeviceInfo
    dock: str
    #: Device clock − station clock, measured when the device docked (None: no device clock).
    clock_offset: float | None


def unchanged(entry: Entry, path: Path) -> bool:
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_size == entry.size and info.st_mtime_ns == entry.mtime_ns


def label(seen: Seen, doing: str) -> str:
    """A progress bar's label: the device's folder, what is being done, the file's name."""
    return f"{seen.device} {doing} {seen.relative.rsplit('/', 1)[-1]}"


def human(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class Uploader:
    def __init__(
        self,
        *,
        journal: Journal,
        tus: TusClient,
        layouts: list[Layout],
        chunk_size: int,
        reporter: Reporter,
        stopping: threading.Event,
        on_sent: Callable[[int], None],
        hand_over: Callable[[Entry], None],
        clear: Callable[[Entry], None],
    ) -> None:
        self.journal = journal
        self.tus = tus
        self.layouts = layouts
        self.chunk_size = chunk_size
        self.reporter = reporter
        self.stopping = stopping
        self.on_sent = on_sent
        self.hand_over = hand_over
        self.clear = clear

    def process(self, seen: Seen, device: DeviceFacts) -> bool:
        """Take ``seen`` as far as this agent can; True when nothing more is to be done here
        (handed to the verifier, cleared, or final), False when it should be looked at again
        at the next scan (it changed while being hashed)."""
        entry = self.journal.find(seen.journal_path, seen.size, seen.mtime_ns)
        if entry is None:
            held = self.held_path(seen)
            if held is not None:
                log.warning(
                    "%s: not taken: an earlier version of it changed on the device after it "
                    "was hashed (%s); it stays on the device for the operator",
                    seen.key,
                    held.error,
                )
                return True
            if seen.size == 0:
                log.warning("%s: empty file, not uploaded; it stays on the device", seen.key)
                return True
            entry = self.hash(seen, device)
            if entry is None:
                return False
        if entry.state == states.FAILED and not entry.upload:
            # The server refused to create its upload (an officer it did not know …); the
            # registry may have been put right since: try once in each run, or each docking.
            log.info("%s: refused before (%s); asking the server again", seen.key, entry.error)
            entry = self.journal.update(entry, state=states.HASHED, error="")
        if entry.state in (states.REJECTED, states.FAILED):
            log.warning(
                "%s: %s earlier (%s); it stays on the device", seen.key, entry.state, entry.error
            )
            return True
        if entry.state in states.CONFIRMED:
            self.clear(entry)
            return True
        if entry.state == states.UPLOADED:
            self.hand_over(entry)
            return True
        self.upload(entry, seen, device)
        return True

    def held_path(self, seen: Seen) -> Entry | None:
        found = self.journal.rows(
            "WHERE path = ? AND state = ? AND error LIKE 'changed%' ORDER BY id DESC LIMIT 1",
            seen.journal_path,
            states.REJECTED,
        )
        return found[0] if found else None

    def hash(self, seen: Seen, device: DeviceFacts) -> Entry | None:
        """Hash the file and record it; None if it changed meanwhile (not ready after all)."""
        self.reporter.begin(seen.key, label(seen, "hashing"), seen.size)
        try:
            digests: Digests = hash_file(
                seen.path,
                self.chunk_size,
                on_read=lambda n: self.reporter.advance(seen.key, n),
                should_stop=self.stopping.is_set,
            )
        except InterruptedError:
            raise Stopping() from None
        except OSError as error:
            if not seen.path.parent.exists():
                raise DeviceGone(str(error)) from None
            log.warning("%s: cannot be read (%s); trying again in a minute", seen.key, error)
            raise Later(str(error)) from None
        finally:
            self.reporter.end(seen.key)
        try:
            after = seen.path.stat()
        except OSError as error:
            raise DeviceGone(str(error)) from None
        if (after.st_size, after.st_mtime_ns) != (seen.size, seen.mtime_ns):
            log.info("%s: changed while it was being hashed; waiting until it is stable", seen.key)
            return None
        recording = describe(
            seen.relative, seen.path, device.info, self.layouts, device.serial, device.clock_offset
        )
        entry = self.journal.add(
            device=device.folder,
            path=seen.journal_path,
            size=seen.size,
            mtime_ns=seen.mtime_ns,
            state=states.HASHED,
            sha256=digests.sha256,
            chunk_size=digests.chunk_size,
            chunks=digests.chunks,
            serial=recording.serial,
            officer=recording.officer,
            dock=device.dock,
        )
        log.info("%s: %s, sha256 %s", seen.key, human(seen.size), digests.sha256)
        copy = self.journal.confirmed_copy(digests.sha256, recording.serial)
        if copy is not None and copy.id != entry.id:
            # The same bytes from the same device are evidence already (a copy on the card, or
            # a file that came back): confirmed, so it may be cleared without a second upload.
            self.journal.update(
                entry, state=states.VERIFIED, evidence=copy.evidence, upload=copy.upload
            )
            log.info("%s: the server already holds it as evidence %s", seen.key, copy.evidence)
        return entry

    def metadata(self, seen: Seen, device: DeviceFacts, sha256: str) -> dict[str, str]:
        recording = describe(
            seen.relative, seen.path, device.info, self.layouts, device.serial, device.clock_offset
        )
        dock = device.dock
        if dock and recording.serial != device.serial:
            # A dock session is one device's; a file naming another device goes without it.
            log.warning(
                "%s: named after device %s, but device %s is docked; sent without the dock session",
                seen.key,
                recording.serial,
                device.serial,
            )
            dock = ""
        return recording.metadata(sha256, dock)

    def create(self, entry: Entry, seen: Seen, device: DeviceFacts) -> Entry:
        metadata = self.metadata(seen, device, entry.sha256)
        try:
            path = self.tus.create(entry.size, metadata)
        except Refused as error:
            if error.status not in (400, 422):
                raise
            # The file is evidence whatever the server thinks of what we said about it.
            log.warning(
                "%s: the server refused its metadata (%s); trying without the officer and the "
                "corrected times (the device's own are kept)",
                seen.key,
                error.sentence,
            )
            path = self.tus.create(entry.size, fallback(metadata))
        log.info("%s: upload %s created", seen.key, path)
        return self.journal.update(
            entry, state=states.UPLOADING, upload=path, dock=metadata.get("dock", "")
        )

    def upload(self, entry: Entry, seen: Seen, device: DeviceFacts) -> None:
        try:
            for _attempt in range(3):
                if not entry.upload:
                    entry = self.create(entry, seen, device)
                try:
                    offset = self.tus.offset(entry.upload).offset
                    if offset:
                        log.info(
                            "%s: resuming at %s of %s", seen.key, human(offset), human(entry.size)
                        )
                    self.send(entry, seen, offset)
                    return
                except UploadGone:
                    log.info(
                        "%s: upload %s is gone on the server; starting a new one",
                        seen.key,
                        entry.upload,
                    )
                    entry = self.journal.update(entry, state=states.HASHED, upload="")
            raise Unreachable("the server keeps losing this file's upload")
        except Refused as error:
            self.journal.update(entry, state=states.FAILED, error=error.sentence)
            log.error(
                "%s: the server refused it: %s; it stays on the device", seen.key, error.sentence
            )

    def send(self, entry: Entry, seen: Seen, offset: int) -> None:
        key = seen.key
        try:
            f = seen.path.open("rb")
        except OSError as error:
            raise DeviceGone(str(error)) from None
        self.reporter.begin(key, label(seen, "sending"), entry.size, offset)
        try:
            with f:
                if not unchanged(entry, seen.path):
                    self.reject(entry, key, "changed on the device after it was hashed")
                    return
                conflicts = 0
                while offset < entry.size:
                    if self.stopping.is_set():
                        raise Stopping()
                    length = min(entry.chunk_size - offset % entry.chunk_size, entry.size - offset)
                    digest = self.chunk_digest(entry, seen.path, offset, length)
                    try:
                        offset = self.tus.patch(
                            entry.upload, f, offset, length, sha256=digest, on_sent=self.sent(key)
                        )
                    except OffsetConflict:
                        conflicts += 1
                        if conflicts > 3:
                            raise Unreachable("the upload's offset keeps moving") from None
                        offset = self.tus.offset(entry.upload).offset
                    except ChecksumRefused:
                        if hash_region(seen.path, offset, length) != digest:
                            self.reject(
                                entry,
                                key,
                                f"changed on the device after it was hashed: bytes {offset} to "
                                f"{offset + length} differ from what was hashed",
                            )
                            return
                        raise Unreachable("a chunk arrived damaged; sending it again") from None
                    except Unreachable:
                        if not seen.path.parent.exists():
                            raise DeviceGone("the device was removed") from None
                        raise
        except (OSError, SourceError) as error:
            raise DeviceGone(str(error)) from None
        finally:
            self.reporter.end(key)
        self.journal.update(entry, state=states.UPLOADED)
        log.info("%s: uploaded; waiting for the server to confirm it", key)
        self.hand_over(entry)

    def sent(self, key: str) -> Callable[[int], None]:
        def report(n: int) -> None:
            if self.stopping.is_set():
                raise Stopping()
            self.reporter.advance(key, n)
            self.on_sent(n)

        return report

    def chunk_digest(self, entry: Entry, path: Path, offset: int, length: int) -> bytes:
        """The chunk's digest from the hashing pass; for an offset between our chunk
        boundaries (a server that kept part of a chunk) the digest of the bytes there now."""
        digests = Digests(entry.sha256, entry.size, entry.chunk_size, entry.chunks)
        found = digests.chunk(offset)
        if found is None:
            log.info("%s: the server's offset %d is inside a chunk", entry.path, offset)
            return hash_region(path, offset, length)
        return found

    def reject(self, entry: Entry, key: str, reason: str) -> None:
        """The bytes on the device are not the ones hashed: report, never clear (and free the
        server of the half upload)."""
        self.journal.update(entry, state=states.REJECTED, error=reason)
        log.error("%s: %s; not accepted and not cleared", key, reason)
        with contextlib.suppress(Refused, Unreachable, UploadGone):
            self.tus.terminate(entry.upload)
