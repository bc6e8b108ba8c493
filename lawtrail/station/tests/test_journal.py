"""The local journal survives the agent (issue 5 §3): upload paths and states are there after
a restart, and the server's answers decide what may be cleared."""

from __future__ import annotations

from pathlib import Path

import pytest

from lawtrail.station import journal as states
from lawtrail.station.journal import InUse, Journal, OpenDock
from lawtrail.station.verify import judge

SHA = "ab" * 32


def add(journal: Journal, path: str = "CAM1/a.MP4", **values: object) -> states.Entry:
    values.setdefault("state", states.HASHED)
    return journal.add(device="CAM1", path=path, size=10, mtime_ns=5, sha256=SHA, chunk_size=4,
                       serial="DSJ1", **values)  # fmt: skip


def test_what_the_journal_holds_outlives_the_agent(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    entry = add(journal, dock="7")
    journal.update(entry, state=states.UPLOADING, upload="/api/v1/uploads/u1")
    journal.record_dock(OpenDock("CAM1", "DSJ1", "7", "2025-03-01T08:00:00+08:00"))
    journal.close()
    again = Journal(tmp_path / "j.sqlite3")
    found = again.find("CAM1/a.MP4", 10, 5)
    assert found is not None
    assert (found.state, found.upload, found.sha256) == (
        states.UPLOADING,
        "/api/v1/uploads/u1",
        SHA,
    )
    assert again.find("CAM1/a.MP4", 11, 5) is None  # another version of the file
    assert again.open_dock("CAM1") == OpenDock("CAM1", "DSJ1", "7", "2025-03-01T08:00:00+08:00")


def test_undocking_queues_its_call_in_the_same_commit(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record_dock(OpenDock("CAM1", "DSJ1", "7", "t"))
    journal.close_dock("CAM1", ("docks/7/undock", {"files_uploaded": 1}))
    assert journal.open_dock("CAM1") is None
    [call] = journal.pending_calls()
    assert (call.path, call.body) == ("docks/7/undock", {"files_uploaded": 1})
    journal.call_done(call)
    assert journal.pending_calls() == []


def test_dock_counts_come_from_the_files(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    add(journal, "CAM1/a", dock="7", state=states.CLEARED)
    add(journal, "CAM1/b", dock="7", state=states.VERIFIED)
    add(journal, "CAM1/c", dock="7", state=states.REJECTED)
    add(journal, "CAM1/d", dock="7", state=states.UPLOADING)
    add(journal, "CAM1/e", dock="8", state=states.CLEARED)
    assert journal.dock_counts("7") == {
        "files_uploaded": 2,
        "bytes_uploaded": 20,
        "files_failed": 1,
    }


def test_only_a_matching_digest_and_size_confirm_a_file(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    entry = add(journal, state=states.UPLOADED)
    ingested = {"state": "ingested", "evidence": {"id": 3, "sha256": SHA, "size": 10}}
    verdict = judge(entry, ingested)
    assert verdict.state == states.VERIFIED and verdict.fields["evidence"] == 3
    other = {"state": "ingested", "evidence": {"id": 3, "sha256": "cd" * 32, "size": 10}}
    assert judge(entry, other).state == states.REJECTED
    shorter = {"state": "ingested", "evidence": {"id": 3, "sha256": SHA, "size": 9}}
    assert judge(entry, shorter).state == states.REJECTED
    assert judge(entry, {"state": "failed", "error": "digest"}).state == states.FAILED
    assert judge(entry, {"state": "complete"}).state == states.UPLOADED  # ask again later
    assert judge(entry, {"state": "receiving"}).state == states.UPLOADING
    assert judge(entry, {"state": "expired"}).state == states.HASHED


def test_a_confirmed_copy_is_found_by_digest_and_device(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    add(journal, "CAM1/a", state=states.CLEARED, evidence=4)
    assert journal.confirmed_copy(SHA, "DSJ1") is not None
    assert journal.confirmed_copy(SHA, "DSJ2") is None


def test_one_agent_at_a_time_per_journal(tmp_path: Path) -> None:
    first = Journal(tmp_path / "j.sqlite3")
    with pytest.raises(InUse, match="another agent is running"):
        Journal(tmp_path / "j.sqlite3")
    first.close()
    Journal(tmp_path / "j.sqlite3").close()
