"""Shared set-up for the benchmarks: a throwaway data folder, Django, and machine facts.

Each benchmark is a plain script (``.venv/bin/python bench/NAME.py``), not a test. It makes a
fresh LAWTRAIL_HOME in a temporary folder, so the SQLite database is a real file with the
production pragmas (WAL, synchronous=FULL, BEGIN IMMEDIATE) from ``lawtrail/settings.py``.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def setup_django(prefix: str, keep: bool = False) -> Path:
    """Point lawtrail at a new temporary data folder, set Django up and migrate."""
    if "DATABASE_URL" in os.environ:
        sys.exit("the benchmarks measure the embedded SQLite database; unset DATABASE_URL")
    home = Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("BENCH_TMP")))
    os.environ["LAWTRAIL_HOME"] = str(home)
    os.environ.setdefault("LAWTRAIL_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-django")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    if not keep:
        import atexit

        atexit.register(shutil.rmtree, home, ignore_errors=True)
    return home


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load}"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)
