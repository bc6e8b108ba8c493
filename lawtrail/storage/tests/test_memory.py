"""Memory stays flat however large the stream (issue 4 §2 and §8: peak RSS ≤ 150 MiB).

Each put runs in a fresh child process that resets its peak-RSS mark (``/proc/self/clear_refs``)
after warming up, and reads ``VmHWM`` after the put: the peak of this put alone. (Not
``ru_maxrss``: Linux carries it over from the parent across exec, so under pytest it would
report pytest's own size.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from lawtrail.storage.tests.seaweed import ACCESS_KEY, SECRET_KEY, Seaweed

MiB = 1 << 20
STREAM = 512 * MiB

CHILD = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from lawtrail.storage.config import from_url

    url, spool, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = from_url(url)
    if hasattr(store, "spool_dir"):
        store.spool_dir = Path(spool)
    store.put_stream(b"warm-up: threads, pools and clients exist before we measure")

    def generated():
        base = os.urandom(1 << 20)
        for i in range(total >> 20):
            yield i.to_bytes(8, "big") + base[8:]

    def status(field):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise LookupError(field)

    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current RSS
    before = status("VmRSS")
    blob = store.put_stream(generated(), expected_size=total)
    peak = status("VmHWM")
    print(json.dumps({"before": before, "peak": peak, "size": blob.size}))
    """
)


def measure(url: str, spool: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(spool), str(STREAM)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    assert result["size"] == STREAM
    return result


@pytest.mark.slow
def test_a_512_mib_local_put_keeps_memory_flat(tmp_path: Path) -> None:
    result = measure((tmp_path / "store").as_uri(), tmp_path / "spool")
    growth = result["peak"] - result["before"]
    # The pool is 8 × 1 MiB; a generator chunk or two and allocator slack on top.
    assert growth < 24 * MiB, f"RSS grew by {growth / MiB:.1f} MiB"
    assert result["peak"] < 150 * MiB


@pytest.mark.slow
def test_a_512_mib_s3_put_keeps_memory_flat(
    seaweed: Seaweed, s3_store: Any, tmp_path: Path
) -> None:
    url = (
        f"s3://{s3_store.bucket}/{s3_store.prefix}?endpoint={seaweed.endpoint}"
        f"&region=us-east-1&access_key={ACCESS_KEY}&secret_key={SECRET_KEY}"
    )
    result = measure(url, tmp_path / "spool")
    growth = result["peak"] - result["before"]
    # Three 16 MiB parts (one being read, two being sent) and boto3's buffers.
    assert growth < 96 * MiB, f"RSS grew by {growth / MiB:.1f} MiB"
    assert result["peak"] < 150 * MiB
