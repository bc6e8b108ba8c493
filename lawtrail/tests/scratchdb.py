"""A database of its own for a test that runs lawtrail in another process.

On the SQLite run the other process simply gets a data folder of its own. On the PostgreSQL run
(``DATABASE_URL=postgresql://…``, as ``.ci/run`` does) it gets a fresh database on the same
server, created here and dropped afterwards, so that subprocess tests — the browser test, the
concurrent 文号 test — run on PostgreSQL too instead of skipping.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager


def postgres_url() -> str:
    """The PostgreSQL ``DATABASE_URL`` of this run, or "" on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


@contextmanager
def scratch_database(prefix: str) -> Iterator[str | None]:
    """None on SQLite; on PostgreSQL the URL of a new empty database, dropped on exit."""
    url = postgres_url()
    if not url:
        yield None
        return
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    admin = urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
