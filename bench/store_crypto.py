"""What encryption at rest costs: LocalStore put, read and verify, plain against encrypted.

    .venv/bin/python bench/store_crypto.py [--size-mib 512] [--repeat 3]

One file of ``--size-mib`` is put into a plain LocalStore and into one with a master key
(AES-256-GCM in 1 MiB segments, lawtrail/storage/crypto.py), then read back through ``open`` and
re-hashed by ``verify``. Each step is timed ``--repeat`` times, fresh stores each time, and the
best run counts. Also the bare AES-256-GCM rate of one core on 1 MiB segments, for scale: the
put runs at the pace of SM3 (docs/decisions/0008), and encryption runs on the writer thread
beside it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lawtrail.storage.kms import KeyRing, MasterKey
from lawtrail.storage.local import LocalStore

MiB = 1 << 20


def interleaved(
    repeat: int, steps: dict[str, Callable[[int], None]]
) -> dict[str, tuple[float, float]]:
    """Run the steps in turn, ``repeat`` rounds, alternating which goes first (a machine shared
    with other work drifts); the best and the median time of each."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    for i in range(repeat):
        for name in names if i % 2 == 0 else names[::-1]:
            start = time.perf_counter()
            steps[name](i)
            times[name].append(time.perf_counter() - start)
    return {name: (min(t), statistics.median(t)) for name, t in times.items()}


def aes_rate(total: int) -> float:
    aes = AESGCM(secrets.token_bytes(32))
    segment = os.urandom(MiB)
    start = time.perf_counter()
    for i in range(total // MiB):
        aes.encrypt(i.to_bytes(12, "big"), segment, b"header")
    return total / (time.perf_counter() - start) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * MiB
    work = Path(tempfile.mkdtemp(prefix="lawtrail-crypto-bench-", dir=Path(__file__).parents[1]))
    ring = KeyRing([MasterKey(secrets.token_bytes(32))])
    try:
        print(f"# {' '.join(sys.argv)}\n# nproc {os.cpu_count()}, {args.size_mib} MiB file")
        source = work / "recording.bin"
        block = os.urandom(4 * MiB)
        with source.open("wb") as f:
            for i in range(size // len(block)):
                f.write(i.to_bytes(8, "big") + block[8:])
        stores: dict[str, list[LocalStore]] = {"plain": [], "encrypted": []}
        sha256 = ""

        def put(kind: str) -> Callable[[int], None]:
            def run(i: int) -> None:
                nonlocal sha256
                store = LocalStore(work / f"{kind}-{i}", kms=ring if kind == "encrypted" else None)
                stores[kind].append(store)
                with source.open("rb") as f:
                    sha256 = store.put_stream(f).sha256

            return run

        def read(kind: str) -> Callable[[int], None]:
            def run(i: int) -> None:
                reader = stores[kind][i].open(sha256)
                try:
                    while reader.read(MiB):
                        pass
                finally:
                    reader.close()

            return run

        def verify(kind: str) -> Callable[[int], None]:
            def run(i: int) -> None:
                assert stores[kind][i].verify(sha256).ok

            return run

        results = {
            "put": interleaved(args.repeat, {k: put(k) for k in stores}),
            "open+read": interleaved(args.repeat, {k: read(k) for k in stores}),
            "verify": interleaved(args.repeat, {k: verify(k) for k in stores}),
        }
        print(f"AES-256-GCM alone, one core, 1 MiB segments: {aes_rate(size):8.0f} MB/s")
        print("MB/s, best (median) of the runs; ratio = encrypted time / plain time, best")
        print(f"{'step':<10} {'plain':>14} {'encrypted':>14} {'ratio':>6}")
        for step, timing in results.items():
            (p_best, p_med), (e_best, e_med) = timing["plain"], timing["encrypted"]
            print(
                f"{step:<10} {size / p_best / 1e6:>6.0f} ({size / p_med / 1e6:>5.0f}) "
                f"{size / e_best / 1e6:>6.0f} ({size / e_med / 1e6:>5.0f}) {e_best / p_best:>6.2f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
