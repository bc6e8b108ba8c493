"""Events appended durably per second on SQLite, against a raw sqlite3 loop of the same bytes.

Run: ``.venv/bin/python bench/ledger_append.py [--events N]``

Every append is its own committed transaction (WAL, synchronous=FULL), so each commit waits
for an fsync: that is what "durable" means here. Batching puts many events in one commit via
``events.append_many``. The same run measures two physical limits on the same disk:

* fsync/s: a 4 KiB write + fsync loop on a plain file;
* raw sqlite3: the same canonical bytes and leaf hashes inserted with sqlite3 and the same
  pragmas, in the same batch sizes — what SQLite itself can do with no Django and no Merkle
  tree (it writes less: no tree nodes, no indexes but the primary key).

Goal (issue 3): at least 5,000 events/s with batching.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, setup_django

BATCHES = (1, 10, 100, 1000)
GOAL = 5000


def fsync_rate(folder: Path, seconds: float = 3.0) -> float:
    path = folder / "fsync.probe"
    block = os.urandom(4096)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            os.write(fd, block)
            os.fsync(fd)
            count += 1
        return count / (time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()


def raw_sqlite(
    folder: Path, rows: list[tuple[int, bytes, bytes]], batch: int
) -> tuple[float, float]:
    """Insert rows with sqlite3, one committed transaction per batch; return (rows/s,
    CPU seconds per row)."""
    path = folder / f"raw-{batch}.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY, body BLOB, leaf_hash BLOB)")
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(rows), batch):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO event VALUES (?, ?, ?)", rows[i : i + batch])
        db.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return len(rows) / elapsed, cpu / len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events per batch size")
    parser.add_argument("--unbatched", type=int, default=1000, help="events at batch size 1")
    args = parser.parse_args()

    home = setup_django("lawtrail-bench-append-")
    from django.db import connection, transaction

    from lawtrail.ledger import checkpoints, events
    from lawtrail.ledger.models import Event

    checkpoints.ensure_signing_key()  # so the checkpoint every 1,000 events is really made
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
    print(f"machine: {machine()}")
    print(
        f"database: {connection.settings_dict['NAME']} (journal_mode={journal}, "
        f"synchronous={synchronous})"
    )
    fsyncs = fsync_rate(home)
    print(f"physical limit: {fsyncs:,.0f} fsync/s (4 KiB write + fsync)\n")

    def pending(n: int, start: int) -> list[events.Pending]:
        return [
            events.Pending(
                events.Actor("officer_a", 3),
                "evidence.viewed",
                ("evidence", str(start + i)),
                {
                    "matter": "陕新卫监〔2025〕第0042号",
                    "grant": str(start + i),
                    "reason": "复议机关调阅",
                    "sha256": hashlib.sha256(str(start + i).encode()).hexdigest(),
                },
                context="matter/42",
            )
            for i in range(n)
        ]

    results = []
    for batch in BATCHES:
        total = args.unbatched if batch == 1 else max(args.events, batch * 5)
        first = Event.objects.count()
        work = [pending(batch, first + i) for i in range(0, total, batch)]
        start, cpu = time.perf_counter(), time.process_time()
        for chunk in work:
            with transaction.atomic():
                events.append_many(chunk)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        rows = [
            (seq, bytes(body), bytes(leaf))
            for seq, body, leaf in Event.objects.filter(seq__gte=first)
            .order_by("seq")
            .values_list("seq", "body", "leaf_hash")
        ]
        raw, raw_cpu = raw_sqlite(home, rows, batch)
        rate = total / elapsed
        results.append((batch, total, rate, cpu / total, raw, raw_cpu))
        print(
            f"  batch {batch:>5}: {rate:>9,.0f} events/s ({cpu / total * 1e6:,.0f} µs CPU each)"
            f"   raw sqlite3 {raw:>10,.0f} rows/s ({raw_cpu * 1e6:,.1f} µs CPU each)",
            flush=True,
        )

    size = Event.objects.count()
    latest = checkpoints.latest()
    print(
        f"\n{size:,} events appended; the last checkpoint covers {latest.size if latest else 0:,}"
    )
    print(f"machine at the end: {machine()}\n")
    print(
        "| batch | events | lawtrail events/s | raw sqlite3 rows/s | lawtrail / raw "
        "| commits/s ÷ fsync/s | CPU µs/event | raw CPU µs/row | events per CPU-second |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for batch, total, rate, cpu, raw, raw_cpu in results:
        print(
            f"| {batch} | {total:,} | {rate:,.0f} | {raw:,.0f} | {rate / raw:.2f} "
            f"| {rate / batch / fsyncs:.2f} | {cpu * 1e6:,.0f} | {raw_cpu * 1e6:,.1f} "
            f"| {1 / cpu:,.0f} |"
        )
    best = max(result[2] for result in results)
    verdict = "met" if best >= GOAL else "MISSED"
    print(f"\ngoal ≥ {GOAL:,} events/s with batching: {verdict} (best {best:,.0f}/s)")
    return 0 if best >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
