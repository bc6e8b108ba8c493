"""Database triggers that refuse UPDATE and DELETE on append-only tables (第二十六条).

Used by migrations; keep the SQL stable, because applied migrations call it.
"""

from __future__ import annotations

from typing import Any

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION lawtrail_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'lawtrail: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
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


def unprotect_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}";']
    return [
        f'DROP TRIGGER IF EXISTS "{table}_no_update";',
        f'DROP TRIGGER IF EXISTS "{table}_no_delete";',
    ]


def protect(*tables: str) -> Any:
    """A migration operation that installs the triggers for the current database vendor."""
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        for table in tables:
            for sql in protect_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(sql, params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for table in tables:
            for sql in unprotect_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(sql, params=None)

    return migrations.RunPython(forwards, backwards)
