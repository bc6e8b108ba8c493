"""Memory stays flat with encryption on: a 256 MiB stream is encrypted on its way in and
decrypted on its way out (open, verify) without RSS growing with it (see test_memory.py for
how the peak of one step is measured in a fresh child process)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from lawtrail.storage.tests.seaweed import ACCESS_KEY, SECRET_KEY, Seaweed

MiB = 1 << 20
STREAM = 256 * MiB

CHILD = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from lawtrail.storage.config import from_url
    from lawtrail.storage.kms import load_keyring

    url, spool, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = from_url(url, kms=load_keyring())
    if hasattr(store, "spool_dir"):
        store.spool_dir = Path(spool)
    warm = store.put_stream(b"warm-up: threads, pools and clients exist before we measure")
    store.verify(warm.sha256)

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

    def reset():
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        return status("VmRSS")

    out = {}
    before = reset()
    blob = store.put_stream(generated(), expected_size=total)
    out["put"] = status("VmHWM") - before
    before = reset()
    reader = store.open(blob.sha256)
    n = 0
    while chunk := reader.read(1 << 20):
        n += len(chunk)
    reader.close()
    out["open"] = status("VmHWM") - before
    before = reset()
    check = store.verify(blob.sha256)
    out["verify"] = status("VmHWM") - before
    out.update(size=blob.size, read=n, ok=check.ok, peak=status("VmHWM"))
    print(json.dumps(out))
    """
)


def measure(url: str, spool: Path) -> dict[str, Any]:
    env = {**os.environ, "LAWTRAIL_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
    env.pop("LAWTRAIL_MASTER_KEY_FILE", None)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(spool), str(STREAM)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    assert result["size"] == result["read"] == STREAM and result["ok"]
    return result


@pytest.mark.slow
def test_an_encrypted_256_mib_local_stream_keeps_memory_flat(tmp_path: Path) -> None:
    result = measure((tmp_path / "store").as_uri(), tmp_path / "spool")
    # The digest pool (8 × 1 MiB), one segment held back, one sealed; reading: two segments.
    for step in ("put", "open", "verify"):
        assert result[step] < 32 * MiB, f"{step}: RSS grew by {result[step] / MiB:.1f} MiB"
    assert result["peak"] < 150 * MiB


@pytest.mark.slow
def test_an_encrypted_256_mib_s3_stream_keeps_memory_flat(
    seaweed: Seaweed, s3_store: Any, tmp_path: Path
) -> None:
    url = (
        f"s3://{s3_store.bucket}/{s3_store.prefix}?endpoint={seaweed.endpoint}"
        f"&region=us-east-1&access_key={ACCESS_KEY}&secret_key={SECRET_KEY}"
    )
    result = measure(url, tmp_path / "spool")
    # Three 16 MiB parts on the way up and boto3's buffers (as without encryption).
    for step in ("put", "open", "verify"):
        assert result[step] < 96 * MiB, f"{step}: RSS grew by {result[step] / MiB:.1f} MiB"
    assert result["peak"] < 150 * MiB
