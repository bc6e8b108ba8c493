"""Identical content is stored once; each put still gets the digests back."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from lawtrail.storage.base import BlobStore, StoredBlob
from lawtrail.storage.local import LocalStore


def test_identical_content_is_stored_once(store: BlobStore) -> None:
    data = os.urandom(300_000)
    first = store.put_stream(data)
    second = store.put_stream(iter([data[:1000], data[1000:]]))
    assert first.created and not second.created
    assert (first.sha256, first.sm3, first.size) == (second.sha256, second.sm3, second.size)
    assert list(store.iter_keys()) == [first.sha256]
    if isinstance(store, LocalStore):
        objects = [p for p in store.root.rglob("*") if p.is_file() and ".incoming" not in p.parts]
        assert objects == [store.path(first.sha256)]
    else:
        assert len(store.history(first.sha256)) == 1  # type: ignore[attr-defined]


def test_concurrent_puts_of_the_same_content_are_safe(store: BlobStore) -> None:
    data = os.urandom((6 << 20) + 1)
    results: list[StoredBlob] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def put() -> None:
        start.wait()
        try:
            results.append(store.put_stream(data))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({(r.sha256, r.sm3, r.size) for r in results}) == 1
    assert sum(r.created for r in results) == 1
    sha = results[0].sha256
    assert list(store.iter_keys()) == [sha]
    assert store.verify(sha).ok
    if not isinstance(store, LocalStore):
        s3: Any = store
        assert len(s3.history(sha)) == 1  # If-None-Match kept the racers from adding versions


def test_concurrent_puts_of_different_content_all_land(store: BlobStore, tmp_path: Path) -> None:
    payloads = [os.urandom(200_000 + i) for i in range(8)]
    results: list[StoredBlob] = []
    threads = [
        threading.Thread(target=lambda d=d: results.append(store.put_stream(d))) for d in payloads
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(store.iter_keys()) == sorted(r.sha256 for r in results)
    assert len(results) == 8
