"""The provincial copy of one large original (issue 9 §2), against the limit of this machine.

``lawtrail backup sync`` does three passes over an original: it re-hashes the local source
(SHA-256 and SM3), streams it to the replica (hashing again on the way in, as every put does)
and reads the copy back and re-hashes it before it records anything. Each pass is bound by SM3
(~0.4 GB/s here, one core; SHA-256 runs beside it on the other). The physical limit of a
verified copy is therefore three single-pass digests of the file (``digest_file``: both digests
in one read, the way the store hashes), measured in the same run; a plain ``dd`` copy is shown
for scale. Memory must not grow with the file: the peak RSS is printed.

    .venv/bin/python bench/replica_sync.py --size-mib 1024 --runs 3

The replica is a folder (``file://``) on the same disk, so the network is not measured.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine, setup_django


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"bench/replica_sync.py, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    print(machine())
    home = setup_django("lawtrail-bench-replica-")

    from django.conf import settings

    from lawtrail.evidence.ingest import IngestInput, ingest_file
    from lawtrail.records.tests.helpers import open_matter
    from lawtrail.replication import replica
    from lawtrail.replication.sync import sync
    from lawtrail.storage.digests import digest_file
    from lawtrail.testing import make_province

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    province = make_province()
    matter = open_matter(province)  # a 行政处罚 matter: its evidence is important by rule
    officer = province.officer_a
    work = Path(tempfile.mkdtemp(prefix="lawtrail-bench-replica-files-", dir=home))

    # One replica for all runs: each sync then copies only the run's new original.
    settings.LAWTRAIL_REPLICA = (home / "replica").as_uri()
    replica.clear_cache()
    syncs, limits, dds = [], [], []
    rss_before = rss_mib()
    for run in range(args.runs):
        path = work / f"VID_{run}.mp4"
        with path.open("wb") as out:
            for _ in range(args.size_mib):
                out.write(os.urandom(1 << 20))
        ingest_file(
            officer.user,
            path,
            IngestInput(filename=path.name, officer=officer.user.username, matter=matter.number),
        )
        subprocess.run(["sync"], check=True)

        start = time.perf_counter()
        report = sync(retries=0)
        took = time.perf_counter() - start
        originals = [item for item in report.copied if item.kind == "original"]
        if len(originals) != 1 or not report.ok:
            sys.exit(f"the sync did not copy exactly the new file: {report.as_dict()}")

        start = time.perf_counter()
        digest_file(path)
        one_pass = time.perf_counter() - start
        start = time.perf_counter()
        copy = work / "dd.copy"
        subprocess.run(
            ["dd", f"if={path}", f"of={copy}", "bs=1M", "conv=fsync", "status=none"], check=True
        )
        dd = time.perf_counter() - start
        copy.unlink()
        path.unlink()

        size = args.size_mib / 1024
        syncs.append(took)
        limits.append(3 * one_pass)
        dds.append(dd)
        print(
            f"run {run + 1}: sync {took:.2f} s ({size / took:.2f} GiB/s of original), "
            f"limit 3 × digest {3 * one_pass:.2f} s, dd {dd:.2f} s, "
            f"ratio limit ÷ sync {3 * one_pass / took:.2f}"
        )
    print(
        f"median over {args.runs}: sync {statistics.median(syncs):.2f} s, "
        f"limit {statistics.median(limits):.2f} s, "
        f"ratio {statistics.median(limits) / statistics.median(syncs):.2f}; "
        f"peak RSS {rss_mib():.0f} MiB (before the runs {rss_before:.0f} MiB) "
        f"for {args.size_mib} MiB files"
    )


if __name__ == "__main__":
    main()
