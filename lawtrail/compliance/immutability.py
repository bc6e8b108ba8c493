"""Findings are never deleted and change only by closing (issue 7 §2; 第二十六条).

A trigger refuses DELETE on findings, any UPDATE of a closed finding and any UPDATE of what a
finding says (rule, subject, agency, why it opened …); the only UPDATE it lets through is an
open finding becoming closed. Keep this SQL stable: applied migrations call it.
"""

from __future__ import annotations

from typing import Any

TABLE = "compliance_finding"
FIXED = (
    "rule_id",
    "article",
    "severity",
    "subject",
    "agency_id",
    "matter_id",
    "evidence_id",
    "due_at",
    "opened_at",
    "opened_because",
)

PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION lawtrail_finding_guard() RETURNS trigger AS $$\n"
    "BEGIN\n"
    "    IF TG_OP = 'DELETE' THEN\n"
    "        RAISE EXCEPTION 'lawtrail: findings are never deleted; DELETE refused'\n"
    "            USING ERRCODE = 'insufficient_privilege';\n"
    "    END IF;\n"
    "    IF OLD.state <> 'open' OR NEW.state <> 'closed' OR "
    + " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED if c != "opened_because")
    + " OR NEW.opened_because::text IS DISTINCT FROM OLD.opened_because::text THEN\n"
    "        RAISE EXCEPTION 'lawtrail: a finding only closes; UPDATE refused'\n"
    "            USING ERRCODE = 'insufficient_privilege';\n"
    "    END IF;\n"
    "    RETURN NEW;\n"
    "END;\n"
    "$$ LANGUAGE plpgsql;"
)


def guard_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            PG_FUNCTION,
            f'DROP TRIGGER IF EXISTS "{TABLE}_guard" ON "{TABLE}";',
            f'CREATE TRIGGER "{TABLE}_guard" BEFORE UPDATE OR DELETE ON "{TABLE}" '
            "FOR EACH ROW EXECUTE FUNCTION lawtrail_finding_guard();",
        ]
    if vendor == "sqlite":
        fixed = ", ".join(FIXED)
        return [
            f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_no_delete" BEFORE DELETE ON "{TABLE}" '
            "BEGIN SELECT RAISE(ABORT, 'lawtrail: findings are never deleted; DELETE refused'); "
            "END;",
            f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_fixed" BEFORE UPDATE OF {fixed} ON "{TABLE}" '
            "BEGIN SELECT RAISE(ABORT, 'lawtrail: a finding only closes; UPDATE refused'); END;",
            f'CREATE TRIGGER IF NOT EXISTS "{TABLE}_closes_once" BEFORE UPDATE ON "{TABLE}" '
            "WHEN OLD.state <> 'open' OR NEW.state <> 'closed' "
            "BEGIN SELECT RAISE(ABORT, 'lawtrail: a finding only closes; UPDATE refused'); END;",
        ]
    raise RuntimeError(f"lawtrail supports SQLite and PostgreSQL, not {vendor}")


def unguard_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{TABLE}_guard" ON "{TABLE}";']
    return [
        f'DROP TRIGGER IF EXISTS "{TABLE}_no_delete";',
        f'DROP TRIGGER IF EXISTS "{TABLE}_fixed";',
        f'DROP TRIGGER IF EXISTS "{TABLE}_closes_once";',
    ]


def guard_findings() -> Any:
    from django.db import migrations

    def forwards(apps: Any, schema_editor: Any) -> None:
        for sql in guard_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for sql in unguard_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    return migrations.RunPython(forwards, backwards)
