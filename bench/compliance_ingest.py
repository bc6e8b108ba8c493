"""What the incremental compliance hook adds to an ingest (issue 7 §5).

``lawtrail/compliance/hooks.py`` listens to every ledger append; when a transaction touches a
matter or an evidence it writes outbox rows in that same transaction, and the scan loop beside
``lawtrail serve`` drains them (``drain_pending``). This script ingests ``--files`` small files
into a matter with
the hook connected and disconnected (``appended.disconnect(dispatch_uid="compliance.gather")``),
alternating one by one so that both see the same machine, and prints the medians and their
ratio; then it times the task itself for one matter (what the worker runs).

    .venv/bin/python bench/compliance_ingest.py                  # 200 files of 16 KiB, SQLite
    .venv/bin/python bench/compliance_ingest.py --postgres       # a fresh PostgreSQL database

SQLite is the embedded production database (WAL, synchronous=FULL): every ingest is a durable
commit. With ``--postgres`` the database is ``lawtrail_bench_compliance_ingest`` on
127.0.0.1:5432, dropped at the end.
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import machine, percentile, setup_django

SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "lawtrail_bench_compliance_ingest"


def setup_postgres() -> None:
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        print(f"dropped database {PG_DB}")

    admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    admin(f"CREATE DATABASE {PG_DB}")
    atexit.register(drop)
    os.environ["DATABASE_URL"] = f"{SERVER}/{PG_DB}"
    home = tempfile.mkdtemp(prefix="lawtrail-bench-compliance-ingest-")
    os.environ["LAWTRAIL_HOME"] = home
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ.setdefault("LAWTRAIL_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-django")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=200, help="ingests per variant")
    parser.add_argument("--size-kib", type=int, default=16)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    print(f"bench/compliance_ingest.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC")
    print(machine())
    if args.postgres:
        setup_postgres()
    else:
        setup_django("lawtrail-bench-compliance-ingest-")

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from lawtrail.compliance import hooks
    from lawtrail.compliance.checks.base import checks
    from lawtrail.compliance.models import PendingEvaluation
    from lawtrail.compliance.tasks import drain_pending
    from lawtrail.evidence.ingest import IngestInput, ingest_file
    from lawtrail.ledger.events import appended
    from lawtrail.records.tests.helpers import open_matter
    from lawtrail.testing import make_province

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_password("warm-up")
    print(f"database: {connection.vendor}; rules with a check: {len(checks())}")
    province = make_province()
    matter = open_matter(province)
    officer = province.officer_a

    folder = Path(tempfile.mkdtemp(prefix="lawtrail-bench-files-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    paths = []
    for i in range(2 * args.files + 10):
        path = folder / f"VID_{i:05}.jpg"
        path.write_bytes(os.urandom(args.size_kib * 1024))
        paths.append(path)

    def ingest(path: Path) -> Any:
        ended = timezone.now() - dt.timedelta(hours=2)
        return ingest_file(
            officer.user,
            path,
            IngestInput(
                filename=path.name,
                officer=officer.user.username,
                matter=matter.number,
                recorded_from=(ended - dt.timedelta(minutes=5)).isoformat(),
                recorded_to=ended.isoformat(),
                notice_given="true",
            ),
        )

    def connect(on: bool) -> None:
        if on:
            appended.connect(hooks.gather, dispatch_uid="compliance.gather")
        else:
            appended.disconnect(dispatch_uid="compliance.gather")

    times: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    for path in paths[:10]:  # warm-up: caches, the store's folders, the first queries
        ingest(path)
    ours = DBTaskResult.objects.filter(task_path__endswith="drain_pending")
    queued_before = ours.count()
    for i, path in enumerate(paths[10:]):
        on = i % 2 == 0 if (i // 2) % 2 == 0 else i % 2 == 1  # ABBA: on, off, off, on, …
        connect(on)
        start, began = time.perf_counter(), time.process_time()
        ingest(path)
        times[on].append(time.perf_counter() - start)
        cpu[on].append(time.process_time() - began)
    connect(True)
    queued = ours.count() - queued_before

    with_hook, without = statistics.median(times[True]), statistics.median(times[False])
    print(f"{args.files} ingests of {args.size_kib} KiB each way, alternating (ABBA):")
    for label, on in (("hook connected", True), ("hook disconnected", False)):
        values = times[on]
        print(
            f"  {label:18} median {statistics.median(values) * 1000:7.2f} ms"
            f"  p10 {percentile(values, 0.1) * 1000:7.2f}"
            f"  p90 {percentile(values, 0.9) * 1000:7.2f}"
            f"  CPU median {statistics.median(cpu[on]) * 1000:6.2f} ms"
        )
    print(
        f"  ratio connected ÷ disconnected: {with_hook / without:.3f}"
        f" (difference of medians {(with_hook - without) * 1000:+.2f} ms)"
    )
    cpu_ratio = statistics.median(cpu[True]) / statistics.median(cpu[False])
    print(f"  CPU ratio connected ÷ disconnected: {cpu_ratio:.3f}")
    print(f"  tasks queued by the hook: {queued} (the outbox is drained by the scan loop)")
    print(f"  other tasks queued by all ingests: {DBTaskResult.objects.count() - ours.count()}")

    # The hook writes its outbox rows inside the ingest's transaction: no commit of its own.
    # What is left for the scan loop: draining one ingest's outbox.
    print(f"  outbox rows waiting: {PendingEvaluation.objects.count()}")
    drain_pending.call()
    task_times = []
    for _round in range(20):
        # Each round: what the loop judges after one ingest into the matter.
        PendingEvaluation.objects.bulk_create(
            [
                PendingEvaluation(kind="matter", object_id=matter.pk, at=timezone.now()),
            ]
        )
        start = time.perf_counter()
        drain_pending.call()
        task_times.append(time.perf_counter() - start)
    print(
        "the task drain_pending for one matter (every rule):"
        f" median {statistics.median(task_times) * 1000:.1f} ms,"
        f" p90 {percentile(task_times, 0.9) * 1000:.1f} ms (run in the worker, not the ingest)"
    )


if __name__ == "__main__":
    main()
