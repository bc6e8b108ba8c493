"""A put that breaks off, or a process killed mid-put, leaves no blob visible (DESIGN §5.2)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lawtrail.storage.base import BlobStore
from lawtrail.storage.local import LocalStore
from lawtrail.storage.tests.seaweed import ACCESS_KEY, SECRET_KEY, Seaweed


def half_then_fail() -> Iterator[bytes]:
    for _ in range(20):
        yield os.urandom(1 << 20)
    raise ConnectionResetError("the camera was pulled out of the dock")


def test_a_stream_that_breaks_off_leaves_nothing(store: BlobStore) -> None:
    before = list(store.iter_keys())
    with pytest.raises(ConnectionResetError):
        store.put_stream(half_then_fail())
    assert list(store.iter_keys()) == before
    if isinstance(store, LocalStore):
        assert list(store.incoming.iterdir()) == []  # the temporary file went too
    else:
        s3: Any = store
        uploads = s3.client.list_multipart_uploads(Bucket=s3.bucket, Prefix=s3.prefix)
        assert uploads.get("Uploads", []) == []
        assert list(s3.spool_dir.iterdir()) == []


def test_a_failing_s3_part_aborts_the_upload(
    s3_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = s3_store.client.upload_part

    def flaky(**kwargs: Any) -> Any:
        if kwargs["PartNumber"] == 2:
            raise ConnectionError("network down")
        return real(**kwargs)

    monkeypatch.setattr(s3_store.client, "upload_part", flaky)
    with pytest.raises(ConnectionError):
        s3_store.put_stream(os.urandom(40 << 20))
    assert list(s3_store.iter_keys()) == []
    uploads = s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket, Prefix=s3_store.prefix)
    assert uploads.get("Uploads", []) == []


CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from lawtrail.storage.config import from_url

    url, spool, pause_at = sys.argv[1:4]
    store = from_url(url)
    if hasattr(store, "spool_dir"):
        store.spool_dir = Path(spool)
        real = store.client.upload_part

        def slow(**kw):
            answer = real(**kw)
            if pause_at == "PART":
                print("PART", kw["PartNumber"], flush=True)
                time.sleep(120)
            return answer

        store.client.upload_part = slow

    def stream():
        for i in range(24):
            yield os.urandom(1 << 20)
            if i == 12 and pause_at == "HALF":
                print("HALF", flush=True)
                time.sleep(120)

    store.put_stream(stream())
    print("DONE", flush=True)
    """
)


def kill_mid_put(url: str, spool: Path, pause_at: str) -> None:
    """Run a put in a child process and kill -9 it once it reaches ``pause_at``."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(spool), pause_at],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith(pause_at), f"child said {line!r}: {child.stderr.read()}"  # type: ignore[union-attr]
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


def test_kill_9_during_a_local_put_leaves_only_a_temporary_file(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    kill_mid_put((tmp_path / "store").as_uri(), tmp_path / "spool", "HALF")
    assert list(store.iter_keys()) == []
    leftovers = list(store.incoming.iterdir())
    assert len(leftovers) == 1 and leftovers[0].suffix == ".part"
    assert store.cleanup_temp(older_than=3600) == 0  # young leftovers are left alone
    assert store.cleanup_temp(older_than=0) == 1
    assert list(store.incoming.iterdir()) == []
    blob = store.put_stream(b"the store still works")
    assert list(store.iter_keys()) == [blob.sha256]


def child_url(seaweed: Seaweed, s3_store: Any) -> str:
    return (
        f"s3://{s3_store.bucket}/{s3_store.prefix}?endpoint={seaweed.endpoint}&region=us-east-1"
        f"&access_key={ACCESS_KEY}&secret_key={SECRET_KEY}&part_size_mib=5"
    )


@pytest.mark.parametrize("pause_at", ["HALF", "PART"], ids=["while-hashing", "while-uploading"])
def test_kill_9_during_an_s3_put_leaves_no_object(
    seaweed: Seaweed, s3_store: Any, tmp_path: Path, pause_at: str
) -> None:
    spool = tmp_path / "child-spool"
    kill_mid_put(child_url(seaweed, s3_store), spool, pause_at)
    assert list(s3_store.iter_keys()) == []
    # The spool is an unnamed O_TMPFILE: the kernel dropped it with the process.
    assert list(spool.iterdir()) == []
    uploads = s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket, Prefix=s3_store.prefix)
    assert len(uploads.get("Uploads", [])) == (1 if pause_at == "PART" else 0)
    assert s3_store.cleanup_temp(older_than=0) == (1 if pause_at == "PART" else 0)
    uploads = s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket, Prefix=s3_store.prefix)
    assert uploads.get("Uploads", []) == []
