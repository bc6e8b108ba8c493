"""Database triggers that keep append-only tables append-only (第二十六条).

``protect_sql`` refuses UPDATE and DELETE. ``harden_sql`` closes the two other ways to lose a
row: on SQLite, ``REPLACE INTO`` / ``INSERT OR REPLACE`` deletes the row it collides with
without firing DELETE triggers (``recursive_triggers`` is off), so a BEFORE INSERT trigger
refuses any insert whose primary or unique key is already taken; on PostgreSQL, ``TRUNCATE``
fires no row trigger, so a statement trigger refuses it on a table that holds rows (an empty
one loses nothing by it, and Django's test flush truncates every table).

Used by migrations; keep the SQL stable, because applied migrations call it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lawtrail_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'lawtrail: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


# TRUNCATE of an empty table removes nothing, and Django's test flush (transactional tests on
# PostgreSQL) truncates every table: only a table that holds rows refuses it.
PG_TRUNCATE_FUNCTION = """
CREATE OR REPLACE FUNCTION lawtrail_refuse_truncate() RETURNS trigger AS $$
DECLARE
    holds_rows boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
        INTO holds_rows;
    IF holds_rows THEN
        RAISE EXCEPTION 'lawtrail: % is append-only; TRUNCATE refused', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def protect_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            PG_FUNCTION,
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";',
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION lawtrail_refuse_change();",
        ]
    if vendor == "sqlite":
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_update" BEFORE UPDATE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, 'lawtrail: {table} is append-only; UPDATE refused'); END;",
            f'CREATE TRIGGER IF NOT EXISTS "{table}_no_delete" BEFORE DELETE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, 'lawtrail: {table} is append-only; DELETE refused'); END;",
        ]
    raise RuntimeError(f"lawtrail supports SQLite and PostgreSQL, not {vendor}")


#: A unique key: its columns and, for a partial unique index, its WHERE condition ("" if none).
Key = tuple[tuple[str, ...], str]


def harden_sql(vendor: str, table: str, keys: Sequence[Key] = ()) -> list[str]:
    """Refuse REPLACE (SQLite) and TRUNCATE (PostgreSQL) on ``table``.

    ``keys`` are the table's primary key and unique keys (SQLite only): an insert that
    collides with one of them would be a REPLACE, or an IntegrityError anyway. A partial unique
    index collides only when both the kept row and the new one meet its condition.
    """
    if vendor == "postgresql":
        return [
            PG_TRUNCATE_FUNCTION,
            f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";',
            f'CREATE TRIGGER "{table}_no_truncate" BEFORE TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION lawtrail_refuse_truncate();",
        ]
    if vendor == "sqlite":
        if not keys:
            return []
        taken = " OR ".join(collision(table, columns, condition) for columns, condition in keys)
        return [
            f'DROP TRIGGER IF EXISTS "{table}_no_replace";',
            f'CREATE TRIGGER "{table}_no_replace" BEFORE INSERT ON "{table}" WHEN {taken} '
            f"BEGIN SELECT RAISE(ABORT, 'lawtrail: {table} is append-only; REPLACE refused'); "
            "END;",
        ]
    raise RuntimeError(f"lawtrail supports SQLite and PostgreSQL, not {vendor}")


def collision(table: str, columns: Sequence[str], condition: str) -> str:
    same = " AND ".join(f'"{column}" = NEW."{column}"' for column in columns)
    if not condition:
        return f'EXISTS (SELECT 1 FROM "{table}" WHERE {same})'
    new_row = re.sub(r'"(\w+)"', r'NEW."\1"', condition)
    return f'(({new_row}) AND EXISTS (SELECT 1 FROM "{table}" WHERE {same} AND ({condition})))'


def unharden_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}";']
    return [f'DROP TRIGGER IF EXISTS "{table}_no_replace";']


def unprotect_sql(vendor: str, table: str) -> list[str]:
    """Drop every trigger ``protect`` installs (tests use it to tamper by hand)."""
    if vendor == "postgresql":
        return [
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";',
            *unharden_sql(vendor, table),
        ]
    return [
        f'DROP TRIGGER IF EXISTS "{table}_no_update";',
        f'DROP TRIGGER IF EXISTS "{table}_no_delete";',
        *unharden_sql(vendor, table),
    ]


def unique_keys(connection: Any, table: str) -> list[Key]:
    """SQLite: ``table``'s primary key and unique keys as stored now (an index on expressions,
    which no model here has, is left out)."""
    keys: list[Key] = []
    with connection.cursor() as cursor:
        cursor.execute(f'PRAGMA table_info("{table}")')
        primary = sorted((row[5], row[1]) for row in cursor.fetchall() if row[5])
        if primary:
            keys.append((tuple(name for _, name in primary), ""))
        cursor.execute(f'PRAGMA index_list("{table}")')
        for _seq, index, unique, _origin, partial in cursor.fetchall():
            if not unique:
                continue
            cursor.execute(f'PRAGMA index_info("{index}")')
            columns = tuple(row[2] for row in sorted(cursor.fetchall()))
            if not columns or None in columns:
                continue
            condition = ""
            if partial:
                cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [index])
                sql = cursor.fetchone()[0]
                condition = sql[sql.upper().rindex(" WHERE ") + 7 :].strip()
            keys.append((columns, condition))
    return sorted(set(keys))


def _run(schema_editor: Any, statements: list[str]) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)


def _harden_forwards(schema_editor: Any, tables: Sequence[str]) -> None:
    connection = schema_editor.connection
    for table in tables:
        keys = unique_keys(connection, table) if connection.vendor == "sqlite" else []
        _run(schema_editor, harden_sql(connection.vendor, table, keys))


def protect(*tables: str) -> Any:
    """A migration operation that installs all the triggers for the current database vendor."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        for table in tables:
            _run(schema_editor, protect_sql(schema_editor.connection.vendor, table))
        _harden_forwards(schema_editor, tables)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for table in tables:
            _run(schema_editor, unprotect_sql(schema_editor.connection.vendor, table))

    return migrations.RunPython(forwards, backwards)


def harden(*tables: str) -> Any:
    """A migration operation that adds the REPLACE / TRUNCATE refusals to tables protected
    before they existed (their UPDATE / DELETE triggers stay as they are)."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        _harden_forwards(schema_editor, tables)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for table in tables:
            _run(schema_editor, unharden_sql(schema_editor.connection.vendor, table))

    return migrations.RunPython(forwards, backwards)
