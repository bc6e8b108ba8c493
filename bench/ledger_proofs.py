"""Inclusion proofs and full verification at 1,000,000 events (SQLite).

Run: ``.venv/bin/python bench/ledger_proofs.py [--events N] [--keep | --home DIR]``

The log is built with the real code (``events.append_many`` in batches of 10,000, a signed
checkpoint every 100,000 events), so the stored events, tree nodes and checkpoints are exactly
what production writes. ``--keep`` leaves the data folder behind and ``--home DIR`` measures
one built before, so the build (several minutes) is paid once.

Measured:

* inclusion proofs for 1,000 random indexes in the tree of all events: ``tree.inclusion_proof``
  (the stored-node lookup), ``proofs.inclusion`` (what the API calls: it also checks that a
  signed checkpoint of that size exists) — median and p99, wall and CPU; goal ≤ 1 ms; compared
  with the floor measured in the same run: the very same rows (the proof's leaves and nodes,
  same SQL, same keys) fetched with plain ``sqlite3`` and no Django;
* ``verify_log`` over everything: goal ≤ 30 s; compared with the physical floor measured in
  the same run — SHA-256 of the same bytes in a tight hashlib loop (every leaf, then every
  interior node), and reading the same rows from SQLite with plain sqlite3.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, median, percentile, setup_django

BATCH = 10_000
CHECKPOINT_EVERY = 100_000
PROOF_GOAL_MS = 1.0
VERIFY_GOAL_S = 30.0


def build(total: int) -> None:
    from django.db import transaction

    from lawtrail.ledger import checkpoints, events
    from lawtrail.ledger.models import Event

    start = Event.objects.count()
    began = time.perf_counter()
    for first in range(start, total, BATCH):
        count = min(BATCH, total - first)
        with transaction.atomic():
            events.append_many(
                [
                    events.Pending(
                        events.Actor("officer_a", 3),
                        "evidence.viewed",
                        ("evidence", str(first + i)),
                        {
                            "matter": "陕新卫监〔2025〕第0042号",
                            "grant": str(first + i),
                            "reason": "复议机关调阅",
                            "sha256": hashlib.sha256(str(first + i).encode()).hexdigest(),
                        },
                        context="matter/42",
                    )
                    for i in range(count)
                ]
            )
        done = first + count
        if done % CHECKPOINT_EVERY == 0 or done == total:
            checkpoints.make_checkpoint()
        if done % 100_000 == 0 or done == total:
            rate = (done - start) / (time.perf_counter() - began)
            print(f"  built {done:,} events ({rate:,.0f}/s)", flush=True)


def time_calls(label: str, call: object, indexes: list[int], size: int) -> list[str]:
    walls, cpus = [], []
    for index in indexes:
        wall, cpu = time.perf_counter(), time.process_time()
        call(index, size)  # type: ignore[operator]
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return [
        label,
        f"{median(walls):.3f}",
        f"{percentile(walls, 0.99):.3f}",
        f"{median(cpus):.3f}",
        f"{percentile(cpus, 0.99):.3f}",
    ]


def raw_lookup(db_path: Path, indexes: list[int], size: int) -> list[str]:
    """The floor of a proof: its rows by key with plain sqlite3, in the same one query."""
    from lawtrail.ledger import merkle, tree
    from lawtrail.ledger.models import Node

    raw = sqlite3.connect(db_path)
    queries = []
    for index in indexes:
        leaves, keys = [], []
        for start, end in merkle.inclusion_proof_ranges(index, size):
            for first, last in merkle.perfect_ranges(start, end):
                level = (last - first).bit_length() - 1
                if level == 0:
                    leaves.append(first)
                else:
                    keys.append(Node.key_for(level, first >> level))
        sql = tree.perfect_sql(lambda name: f'"{name}"', len(leaves), len(keys))
        queries.append((sql.replace("%s", "?"), [*leaves, *keys]))
    raw.execute(*queries[0]).fetchall()  # warm the page cache as the others were
    walls, cpus = [], []
    for sql, params in queries:
        wall, cpu = time.perf_counter(), time.process_time()
        raw.execute(sql, params).fetchall()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    raw.close()
    return [
        "sqlite3: the same rows, same query (the floor)",
        f"{median(walls):.3f}",
        f"{percentile(walls, 0.99):.3f}",
        f"{median(cpus):.3f}",
        f"{percentile(cpus, 0.99):.3f}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--home", help="measure the log already built in this data folder")
    parser.add_argument("--proofs", type=int, default=1000)
    args = parser.parse_args()

    if args.home:
        os.environ["LAWTRAIL_HOME"] = args.home
        os.environ.setdefault("LAWTRAIL_SECRET_KEY", "bench-secret-key-that-is-long-enough")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
        import django

        django.setup()
        home = Path(args.home)
    else:
        home = setup_django("lawtrail-bench-proofs-", keep=args.keep)
    from django.db import connection

    from lawtrail.ledger import checkpoints, proofs, tree
    from lawtrail.ledger.models import Event
    from lawtrail.ledger.verification import verify_log

    checkpoints.ensure_signing_key()
    print(f"machine: {machine()}")
    print(f"data folder: {home}")
    size = Event.objects.count()
    if size < args.events:
        print(f"building a log of {args.events:,} events …", flush=True)
        began = time.perf_counter()
        build(args.events)
        print(f"  built in {time.perf_counter() - began:,.0f} s", flush=True)
        size = Event.objects.count()
    db_path = Path(connection.settings_dict["NAME"])
    print(f"log: {size:,} events; database {db_path.stat().st_size / 1e6:,.0f} MB\n")

    # --- inclusion proofs --------------------------------------------------------------
    rng = random.Random(6962)
    indexes = [rng.randrange(size) for _ in range(args.proofs)]
    tree.inclusion_proof(0, size)  # warm the connection and the page cache once
    floor = raw_lookup(db_path, indexes, size)
    rows = [
        time_calls("tree.inclusion_proof", tree.inclusion_proof, indexes, size),
        time_calls("proofs.inclusion (API)", proofs.inclusion, indexes, size),
    ]
    print(f"inclusion proofs, {args.proofs:,} random indexes in a tree of {size:,}:")
    print("| call | median ms | p99 ms | median CPU ms | p99 CPU ms | median ÷ floor |")
    print("|---|---:|---:|---:|---:|---:|")
    floor_median = float(floor[1])
    for row in [floor, *rows]:
        ratio = float(row[1]) / floor_median if floor_median else float("nan")
        print("| " + " | ".join(row) + f" | {ratio:.1f} |")
    proof_median = float(rows[0][1])
    print(flush=True)

    # --- full verification -------------------------------------------------------------
    timings = {}
    for parallel in (True, False):
        wall, cpu = time.perf_counter(), time.process_time()
        report = verify_log(checkpoints.verifier(), parallel=parallel)
        timings[parallel] = (time.perf_counter() - wall, time.process_time() - cpu)
        assert report.ok, report.as_dict()
        mode = "row pass in a second process" if parallel else "one process"
        print(
            f"verify_log ({mode}): {report.events:,} events, {report.nodes_checked:,} nodes, "
            f"{report.checkpoints} checkpoints: {timings[parallel][0]:.1f} s wall, "
            f"{timings[parallel][1]:.1f} s CPU in this process",
            flush=True,
        )
    verify_wall, verify_cpu = timings[True]
    serial_wall, serial_cpu = timings[False]

    # The physical floor, measured on the same bytes in the same run.
    raw = sqlite3.connect(db_path)
    wall, cpu = time.perf_counter(), time.process_time()
    bodies = [bytes(b) for (b,) in raw.execute("SELECT body FROM ledger_event ORDER BY seq")]
    read_wall, read_cpu = time.perf_counter() - wall, time.process_time() - cpu
    raw.close()
    total_bytes = sum(len(b) for b in bodies)
    sha256 = hashlib.sha256
    wall, cpu = time.perf_counter(), time.process_time()
    leaves = [sha256(b"\x00" + b).digest() for b in bodies]
    leaf_s, leaf_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    level = leaves
    while len(level) > 1:
        pairs = iter(level)
        nxt = [sha256(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    tree_s, tree_cpu = time.perf_counter() - wall, time.process_time() - cpu
    hashing, hashing_cpu = leaf_s + tree_s, leaf_cpu + tree_cpu
    print()
    print(f"same bytes: {total_bytes / 1e6:,.0f} MB of canonical events")
    print("| step | wall s | CPU s | wall ÷ hashing wall | CPU ÷ hashing CPU |")
    print("|---|---:|---:|---:|---:|")
    print(f"| hashlib: every leaf | {leaf_s:.2f} | {leaf_cpu:.2f} | | |")
    print(f"| hashlib: every interior node | {tree_s:.2f} | {tree_cpu:.2f} | | |")
    print(
        f"| hashlib: leaves + nodes (the floor) | {hashing:.2f} | {hashing_cpu:.2f} | 1.0 | 1.0 |"
    )
    print(
        f"| sqlite3: read every body | {read_wall:.2f} | {read_cpu:.2f} "
        f"| {read_wall / hashing:.1f} | {read_cpu / hashing_cpu:.1f} |"
    )
    print(
        f"| verify_log, one process | {serial_wall:.2f} | {serial_cpu:.2f} "
        f"| {serial_wall / hashing:.1f} | {serial_cpu / hashing_cpu:.1f} |"
    )
    print(
        f"| verify_log, two processes (wall; CPU of the tree pass only) | {verify_wall:.2f} "
        f"| {verify_cpu:.2f} | {verify_wall / hashing:.1f} | |"
    )
    print()
    print(f"machine at the end: {machine()}")
    proof_ok = proof_median <= PROOF_GOAL_MS
    verify_ok = verify_wall <= VERIFY_GOAL_S
    print(
        f"goal inclusion proof ≤ {PROOF_GOAL_MS} ms: {'met' if proof_ok else 'MISSED'} "
        f"(median {proof_median:.3f} ms)"
    )
    print(
        f"goal verify ≤ {VERIFY_GOAL_S:.0f} s: {'met' if verify_ok else 'MISSED'} "
        f"({verify_wall:.1f} s)"
    )
    return 0 if proof_ok and verify_ok else 1


if __name__ == "__main__":
    sys.exit(main())
