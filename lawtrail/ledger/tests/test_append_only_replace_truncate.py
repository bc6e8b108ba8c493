"""第二十六条: nobody deletes or alters a ledger row — not by REPLACE, not by TRUNCATE either.

On SQLite, ``REPLACE INTO`` / ``INSERT OR REPLACE`` deletes the row it collides with without
firing DELETE triggers (``recursive_triggers`` is off), so a BEFORE INSERT trigger refuses any
insert whose primary or unique key is taken. On PostgreSQL, ``TRUNCATE`` fires no row trigger,
so a statement trigger refuses it. Both are installed on every append-only table (migration
ledger 0007, and by ``protect`` for tables protected later).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from lawtrail.access.actions import set_matter_level
from lawtrail.ledger import checkpoints, events, immutability, note, witness
from lawtrail.ledger.models import Checkpoint, Cosignature, Event, Node, WitnessAlarm
from lawtrail.matters.tests.factories import fast_password_hashing, open_matter  # noqa: F401
from lawtrail.testing import Province

#: Each ledger table, its primary key, its other unique key (if any) and a column to forge.
TABLES = {
    "ledger_event": ("id", "seq", "action"),
    "ledger_node": ("key", None, "hash"),
    "ledger_checkpoint": ("id", "size", "note"),
    "ledger_cosignature": ("id", None, "line"),
    "ledger_witnessalarm": ("id", None, "reason"),
}
FORGED: dict[str, Any] = {
    "action": "forged.action",
    "hash": b"\x00" * 32,
    "note": "forged note\n",
    "line": "— forged AAAA\n",
    "reason": "nothing happened",
}

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="REPLACE INTO is SQLite's; PostgreSQL has no REPLACE"
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="TRUNCATE is PostgreSQL's (SQLite has none); CI runs this file on PostgreSQL",
)


@pytest.fixture
def rows(db: None) -> None:
    checkpoints.ensure_signing_key()
    with transaction.atomic():
        events.append_many(
            [events.Pending(events.SYSTEM, "thing.made", ("thing", str(i))) for i in range(5)]
        )
    checkpoint = checkpoints.make_checkpoint()
    signer = note.Signer.from_key(note.generate_key("province.example/witness")[0])
    line = witness.sign_line(note.parse_note(checkpoint.note)[0], signer)
    witness.store_cosignature(checkpoint, line, signer.verifier)
    WitnessAlarm.objects.create(
        origin="county.example/log", reason="split view", presented="a", known="b",
        at=timezone.now(),
    )  # fmt: skip


def refused(action: Callable[[], object]) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        action()


def select_all(table: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in cursor]


def first_row(table: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1 LIMIT 1')
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@sqlite_only
@pytest.mark.parametrize("verb", ["REPLACE INTO", "INSERT OR REPLACE INTO"])
@pytest.mark.parametrize("table", list(TABLES))
def test_a_replace_over_the_primary_key_is_refused_and_the_row_unchanged_第二十六条(
    rows: None, table: str, verb: str
) -> None:
    before = select_all(table)
    row = first_row(table)
    row[TABLES[table][2]] = FORGED[TABLES[table][2]]
    columns = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("%s" for _ in row)
    refused(lambda: execute(f'{verb} "{table}" ({columns}) VALUES ({marks})', list(row.values())))
    assert select_all(table) == before


@sqlite_only
@pytest.mark.parametrize("verb", ["REPLACE INTO", "INSERT OR REPLACE INTO"])
@pytest.mark.parametrize("table", [t for t, keys in TABLES.items() if keys[1]])
def test_a_replace_over_a_unique_key_is_refused_and_the_row_unchanged(
    rows: None, table: str, verb: str
) -> None:
    """A new id but the seq (or size) of a kept row: REPLACE would delete that row."""
    before = select_all(table)
    row = first_row(table)
    row["id"] = 10_000
    row[TABLES[table][2]] = FORGED[TABLES[table][2]]
    columns = ", ".join(f'"{c}"' for c in row)
    marks = ", ".join("%s" for _ in row)
    refused(lambda: execute(f'{verb} "{table}" ({columns}) VALUES ({marks})', list(row.values())))
    assert select_all(table) == before


@sqlite_only
def test_a_replace_over_the_cosignature_pair_is_refused(rows: None) -> None:
    kept = Cosignature.objects.get()
    refused(
        lambda: execute(
            "REPLACE INTO ledger_cosignature (checkpoint_id, witness, line, received_at) "
            "VALUES (%s, %s, %s, %s)",
            [kept.checkpoint_id, kept.witness, FORGED["line"], kept.received_at],
        )
    )
    assert Cosignature.objects.get().line == kept.line


def test_appends_and_duplicates_behave_as_before(rows: None) -> None:
    """New rows still go in; a duplicate is still an IntegrityError (get_or_create keeps
    working), only now the trigger says so before the unique index does."""
    with transaction.atomic():
        event = events.append(events.SYSTEM, "thing.made", ("thing", "9"))
    assert event.seq == Event.objects.count() - 1
    assert checkpoints.make_checkpoint().size == Event.objects.count()
    checkpoint = Checkpoint.objects.order_by("size").first()
    assert checkpoint is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Node.objects.create(key=Node.objects.order_by("key").values_list("key", flat=True)[0],
                            hash=b"\x00" * 32)  # fmt: skip
    cosignature = Cosignature.objects.get()
    signer_line = cosignature.line
    again, created = Cosignature.objects.get_or_create(
        checkpoint=checkpoint, witness=cosignature.witness,
        defaults={"line": "other", "received_at": timezone.now()},
    )  # fmt: skip
    assert not created and again.line == signer_line


def protected_tables() -> set[str]:
    """Tables with the UPDATE/DELETE refusal, as the database has them now."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND (name LIKE '%\\_no\\_delete' ESCAPE '\\')"
            )
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE '%\\_append\\_only' OR t.tgname = 'compliance_finding_guard'"
            )
        return {r[0] for r in cursor}


def hardened_tables() -> set[str]:
    suffix = "no_replace" if connection.vendor == "sqlite" else "no_truncate"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"%{suffix}"],
            )
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE %s",
                [f"%{suffix}"],
            )
        return {r[0] for r in cursor}


@pytest.mark.django_db
def test_every_append_only_table_refuses_replace_and_truncate_too() -> None:
    """Every table known append-only when ledger 0007 was written still has all its triggers
    after the whole migration history (a later migration that made SQLite rebuild a table
    would have dropped them), and every protected table is hardened."""
    known = importlib.import_module("lawtrail.ledger.migrations.0007_refuse_replace_and_truncate")
    protected = protected_tables()
    assert set(TABLES) <= protected
    assert set(known.TABLES) <= protected
    assert protected <= hardened_tables()


@postgresql_only
@pytest.mark.parametrize("table", list(TABLES))
def test_truncate_is_refused_on_postgresql_第二十六条(rows: None, table: str) -> None:
    before = select_all(table)
    # The test's transaction holds deferred foreign-key checks, which PostgreSQL would name
    # instead of our trigger; a real TRUNCATE runs in a transaction of its own.
    execute("SET CONSTRAINTS ALL IMMEDIATE", [])
    refused(lambda: execute(f'TRUNCATE "{table}" CASCADE', []))
    refused(lambda: execute(f'TRUNCATE "{table}" RESTART IDENTITY CASCADE', []))
    assert select_all(table) == before


@postgresql_only
def test_truncate_is_refused_on_another_rooms_table(province: Province) -> None:
    matter = open_matter(province)
    set_matter_level(province.head_a.user, matter, "business_secret", "涉及商业秘密")
    before = select_all("access_confidentialitymark")
    execute("SET CONSTRAINTS ALL IMMEDIATE", [])
    refused(lambda: execute('TRUNCATE "access_confidentialitymark" CASCADE', []))
    assert select_all("access_confidentialitymark") == before


@postgresql_only
def test_an_empty_append_only_table_may_be_truncated(db: None) -> None:
    """Nothing is lost, and Django's flush after a transactional test truncates every table."""
    assert not select_all("archive_packagecheck")
    execute('TRUNCATE "archive_packagecheck"', [])


@sqlite_only
@pytest.mark.django_db
def test_a_partial_unique_index_collides_only_under_its_condition() -> None:
    """An unnumbered record (number '') or a closed finding is no collision: the partial
    unique indexes ``record_number_unique_per_agency`` and ``finding_open_once`` skip them."""
    keys = dict(immutability.unique_keys(connection, "records_record"))
    assert keys[("agency_id", "number")] == "NOT (\"number\" = '')"
    [sql] = [
        s for s in immutability.harden_sql("sqlite", "compliance_finding", [(("a",), '"s" = 1')])
        if s.startswith("CREATE")
    ]  # fmt: skip
    assert '(NEW."s" = 1) AND EXISTS' in sql and 'AND ("s" = 1)' in sql
