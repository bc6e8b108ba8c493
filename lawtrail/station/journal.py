"""The agent's local journal (SQLite, standard library): what became of every file it took.

A file is known by its path (inside the watch folder), size and modification time; the
journal keeps its SHA-256, its upload's path on the server and its state:

``hashed`` → ``uploading`` (the upload exists) → ``uploaded`` (the server holds every byte)
→ ``verified`` (the server made it evidence with our SHA-256 and size) → ``cleared`` (moved
into ``.lawtrail-cleared/`` or, with ``--clear``, deleted). ``rejected`` (the file changed
after it was hashed, or the server's digest differs) and ``failed`` (the server refused it
otherwise) are final: such files are reported and never cleared.

Every change is committed (``synchronous=FULL``) before the agent acts on it, so after a crash
or a restart the agent resumes the upload it had instead of making a second one. The journal
also keeps the open dock sessions and the dock calls not yet delivered (the outbox).
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HASHED = "hashed"
UPLOADING = "uploading"
UPLOADED = "uploaded"
VERIFIED = "verified"
CLEARED = "cleared"
REJECTED = "rejected"
FAILED = "failed"
FINAL = (CLEARED, REJECTED, FAILED)
#: Confirmed by the server: safe to clear from the device.
CONFIRMED = (VERIFIED, CLEARED)

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    state TEXT NOT NULL,
    sha256 TEXT NOT NULL DEFAULT '',
    chunk_size INTEGER NOT NULL DEFAULT 0,
    chunks BLOB NOT NULL DEFAULT x'',
    upload TEXT NOT NULL DEFAULT '',
    serial TEXT NOT NULL DEFAULT '',
    officer TEXT NOT NULL DEFAULT '',
    dock TEXT NOT NULL DEFAULT '',
    evidence INTEGER,
    error TEXT NOT NULL DEFAULT '',
    cleared_to TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (path, size, mtime_ns)
);
CREATE INDEX IF NOT EXISTS files_state ON files (state);
CREATE INDEX IF NOT EXISTS files_sha256 ON files (sha256);
CREATE TABLE IF NOT EXISTS docks (
    folder TEXT PRIMARY KEY,
    serial TEXT NOT NULL,
    dock TEXT NOT NULL,
    docked_at TEXT NOT NULL,
    clock_offset REAL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Entry:
    id: int
    device: str
    path: str
    size: int
    mtime_ns: int
    state: str
    sha256: str
    chunk_size: int
    chunks: bytes
    upload: str
    serial: str
    officer: str
    dock: str
    evidence: int | None
    error: str
    cleared_to: str
    created_at: str
    updated_at: str


COLUMNS = [f.name for f in fields(Entry)]


@dataclass(frozen=True)
class OpenDock:
    folder: str
    serial: str
    dock: str
    docked_at: str
    #: As measured at docking: after a restart the info file's clock is stale.
    clock_offset: float | None = None


@dataclass(frozen=True)
class Call:
    id: int
    path: str
    body: dict[str, Any]


class InUse(Exception):
    """Another agent has the journal open."""


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        # Two agents on one journal would each upload every file: one at a time. The lock
        # goes with the process, so a killed agent leaves none behind.
        self.lock_file = open(path.with_name(path.name + ".lock"), "a+b")  # noqa: SIM115
        try:
            fcntl.flock(self.lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.lock_file.close()
            raise InUse(f"another agent is running with the journal {path}") from None
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")
        with self.lock:
            self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self.lock:
            self.db.close()
        self.lock_file.close()

    @contextmanager
    def cursor(self) -> Iterator[sqlite3.Cursor]:
        with self.lock:
            yield self.db.cursor()

    def rows(self, where: str, *params: Any) -> list[Entry]:
        with self.cursor() as c:
            found = c.execute(f"SELECT {', '.join(COLUMNS)} FROM files {where}", params)
            return [Entry(*row) for row in found.fetchall()]

    # Files

    def find(self, path: str, size: int, mtime_ns: int) -> Entry | None:
        found = self.rows("WHERE path = ? AND size = ? AND mtime_ns = ?", path, size, mtime_ns)
        return found[0] if found else None

    def get(self, entry_id: int) -> Entry:
        return self.rows("WHERE id = ?", entry_id)[0]

    def add(self, **values: Any) -> Entry:
        now = utcnow()
        values.setdefault("created_at", now)
        values.setdefault("updated_at", now)
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.cursor() as c:
            c.execute(f"INSERT INTO files ({names}) VALUES ({marks})", tuple(values.values()))
            entry_id = c.lastrowid
        assert entry_id is not None
        return self.get(entry_id)

    def update(self, entry: Entry, **values: Any) -> Entry:
        """Change ``entry`` in the journal (committed when this returns) and in memory."""
        values["updated_at"] = utcnow()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.cursor() as c:
            c.execute(f"UPDATE files SET {assignments} WHERE id = ?", (*values.values(), entry.id))
        for name, value in values.items():
            setattr(entry, name, value)
        return entry

    def in_state(self, *states: str) -> list[Entry]:
        marks = ", ".join("?" for _ in states)
        return self.rows(f"WHERE state IN ({marks}) ORDER BY id", *states)

    def confirmed_copy(self, sha256: str, serial: str) -> Entry | None:
        """A file with these bytes from this device that the server already confirmed."""
        found = self.rows(
            "WHERE sha256 = ? AND serial = ? AND state IN (?, ?) AND evidence IS NOT NULL "
            "ORDER BY id LIMIT 1",
            sha256,
            serial,
            *CONFIRMED,
        )
        return found[0] if found else None

    def dock_counts(self, dock: str) -> dict[str, int]:
        """What the dock session has done, for its progress and undock calls."""
        with self.cursor() as c:
            done = c.execute(
                "SELECT count(*), coalesce(sum(size), 0) FROM files WHERE dock = ? "
                "AND state IN (?, ?)",
                (dock, *CONFIRMED),
            ).fetchone()
            failed = c.execute(
                "SELECT count(*) FROM files WHERE dock = ? AND state IN (?, ?)",
                (dock, REJECTED, FAILED),
            ).fetchone()
        return {"files_uploaded": done[0], "bytes_uploaded": done[1], "files_failed": failed[0]}

    def counts(self) -> dict[str, int]:
        with self.cursor() as c:
            return dict(c.execute("SELECT state, count(*) FROM files GROUP BY state").fetchall())

    # Dock sessions

    def open_dock(self, folder: str) -> OpenDock | None:
        with self.cursor() as c:
            row = c.execute(
                "SELECT folder, serial, dock, docked_at, clock_offset FROM docks WHERE folder = ?",
                (folder,),
            ).fetchone()
        return OpenDock(*row) if row else None

    def open_docks(self) -> list[OpenDock]:
        with self.cursor() as c:
            rows = c.execute(
                "SELECT folder, serial, dock, docked_at, clock_offset FROM docks"
            ).fetchall()
        return [OpenDock(*row) for row in rows]

    def record_dock(self, dock: OpenDock) -> None:
        with self.cursor() as c:
            c.execute(
                "INSERT OR REPLACE INTO docks (folder, serial, dock, docked_at, clock_offset) "
                "VALUES (?, ?, ?, ?, ?)",
                (dock.folder, dock.serial, dock.dock, dock.docked_at, dock.clock_offset),
            )

    def close_dock(self, folder: str, call: tuple[str, dict[str, Any]] | None) -> None:
        """The device left: forget its session and queue the undock call, in one commit."""
        with self.cursor() as c:
            c.execute("BEGIN IMMEDIATE")
            try:
                c.execute("DELETE FROM docks WHERE folder = ?", (folder,))
                if call is not None:
                    c.execute(
                        "INSERT INTO outbox (path, body, created_at) VALUES (?, ?, ?)",
                        (call[0], json.dumps(call[1], ensure_ascii=False), utcnow()),
                    )
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    # The outbox: dock calls that must reach the server even if it is down now

    def pending_calls(self) -> list[Call]:
        with self.cursor() as c:
            rows = c.execute("SELECT id, path, body FROM outbox ORDER BY id").fetchall()
        return [Call(row[0], row[1], json.loads(row[2])) for row in rows]

    def call_done(self, call: Call) -> None:
        with self.cursor() as c:
            c.execute("DELETE FROM outbox WHERE id = ?", (call.id,))
