"""The local store's own promises: fsync before the name, read-only blobs, strays ignored."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from lawtrail.storage import local
from lawtrail.storage.local import LocalStore


def test_a_blob_is_read_only_under_its_sha256(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    blob = store.put_stream(b"abc")
    path = tmp_path / "store" / "ba" / "78" / blob.sha256
    assert path == store.path(blob.sha256)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert path.read_bytes() == b"abc"


def test_the_bytes_are_fsynced_before_the_name_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_link = os.fsync, os.link

    def fsync(fd: int) -> None:
        kind = "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        events.append(f"fsync {kind}")
        real_fsync(fd)

    def link(src: object, dst: object) -> None:
        events.append("link")
        real_link(src, dst)  # type: ignore[arg-type]

    store = LocalStore(tmp_path / "store")
    store.put_stream(b"warm-up creates the folders")
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "link", link)
    events.clear()
    store.put_stream(b"x" * 1000 + b"different")
    published = events.index("link")
    assert "fsync file" in events[:published]
    assert "fsync dir" in events[published + 1 :]


def test_it_works_on_a_filesystem_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    store = LocalStore(tmp_path / "store")
    first = store.put_stream(b"no hard links here")
    second = store.put_stream(b"no hard links here")
    assert first.created and not second.created
    assert store.verify(first.sha256).ok
    assert list(store.incoming.iterdir()) == []


def test_iter_keys_lists_blobs_only(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    blob = store.put_stream(b"the one blob")
    root = tmp_path / "store"
    (root / "notes.txt").write_text("stray")
    (root / "zz" / "zz").mkdir(parents=True)
    (root / "zz" / "zz" / ("z" * 64)).write_text("not hex")
    misplaced = root / "00" / "00"
    misplaced.mkdir(parents=True)
    (misplaced / blob.sha256).write_bytes(b"wrong folder")
    (store.incoming / "put-x.part").write_bytes(b"temporary")
    assert list(store.iter_keys()) == [blob.sha256]
    assert list(LocalStore(tmp_path / "nothing").iter_keys()) == []


def test_cleanup_never_touches_a_blob(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    blob = store.put_stream(b"keep me")
    (store.incoming / "put-old.part").write_bytes(b"left by a crash")
    assert store.cleanup_temp(older_than=0) == 1
    assert store.verify(blob.sha256).ok


def test_writeback_starts_during_a_large_put(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if local._sync_file_range is None:
        pytest.skip("no sync_file_range on this platform")
    calls: list[tuple[int, int]] = []
    real = local._sync_file_range

    def spy(fd: int, offset: int, nbytes: int, flags: int) -> int:
        calls.append((offset, nbytes))
        return real(fd, offset, nbytes, flags)

    monkeypatch.setattr(local, "_sync_file_range", spy)
    store = LocalStore(tmp_path / "store", writeback_every=4 << 20)
    store.put_stream(os.urandom(17 << 20))
    assert [offset for offset, _ in calls] == [0, 4 << 20, 8 << 20, 12 << 20]
