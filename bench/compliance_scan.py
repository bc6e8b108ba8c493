"""A full compliance scan of a province on PostgreSQL (issue 7 §5).

Goal: 100,000 matters with 1,000,000 evidence items judged by every registered rule in at most
30 s. The script makes a fresh PostgreSQL database, migrates it, fills it set-based (``INSERT …
SELECT generate_series``: a province of 120 agencies and ~4,000 certified officers, matters of
every kind and stage with handlers, parties, stage changes, approvals, records with versions,
signatures and services, evidence with acquisitions — a few % uploaded late — bindings and
device findings), then times

1. the first full scan (``evaluate(count=True)``: opens every finding),
2. a second full scan with nothing changed (the steady state the 30 s applies to),
3. each rule alone (``evaluate(rules=[id])``, steady state) and ``EXPLAIN ANALYZE`` of the
   slowest rule's candidate query,
4. an incremental evaluation of one matter (what the hook runs after an event).

    .venv/bin/python bench/compliance_scan.py                       # 100,000 / 1,000,000
    .venv/bin/python bench/compliance_scan.py --matters 2000 --evidence 20000   # a quick run

The database (``lawtrail_bench_compliance``, ``--database``) is dropped at the end unless
``--keep``. ``--reuse`` keeps a filled copy (``…_filled_M_E``) and starts from it next time
(drop it by hand when done). ``--repeat N`` times N steady scans.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SERVER = "postgresql://postgres@127.0.0.1:5432"
DB = "lawtrail_bench_compliance"
AGENCIES = 120  # 1 province, 11 cities, 108 counties
CITIES = 11


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def filled_copy(matters: int, evidence: int) -> str:
    return f"{DB}_filled_{matters}_{evidence}"


def exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def setup(keep: bool, template: str | None = None) -> None:
    """A new database (a copy of ``template`` when given), migrated, and Django set up."""
    admin(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    admin(f"CREATE DATABASE {DB}" + (f" TEMPLATE {template}" if template else ""))
    if not keep:
        import atexit

        atexit.register(drop)
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    home = tempfile.mkdtemp(prefix="lawtrail-bench-compliance-")
    os.environ["LAWTRAIL_HOME"] = home
    import atexit
    import shutil

    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ.setdefault("LAWTRAIL_SECRET_KEY", "bench-secret-key-that-is-long-enough-for-django")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawtrail.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def drop() -> None:
    from django.db import connections

    connections.close_all()
    admin(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    print(f"dropped database {DB}")


# --- filling ----------------------------------------------------------------------------------

# Stages by index; a matter's stage is STAGES[s] with s from its id (10/25/15/15/35 %).
STAGE_SQL = """CASE WHEN (m/20) % 20 < 2 THEN 0 WHEN (m/20) % 20 < 7 THEN 1
    WHEN (m/20) % 20 < 10 THEN 2 WHEN (m/20) % 20 < 13 THEN 3 ELSE 4 END"""
KIND_SQL = """CASE WHEN m % 20 < 10 THEN 'inspection' WHEN m % 20 < 15 THEN 'penalty'
    WHEN m % 20 < 18 THEN 'license' ELSE 'sampling' END"""


def fill_sql(matters: int, evidence: int) -> list[tuple[str, str]]:
    """(label, statement) in order; every statement is one set-based INSERT."""
    a = AGENCIES
    per = 33  # officers per agency used as handlers
    officers = a * per + 40  # ~4,000
    n_m, n_e = matters, evidence
    # handler k (0, 1) of matter m: an officer of the matter's agency
    h = f"(((m - 1) % {a}) + 1 + {a} * ((m * 7 + {{k}}) % {per}))"
    return [
        (
            "agencies",
            f"""INSERT INTO agencies_agency (id, name, level, region_code, path, short_name,
              responsible_unit, number_template, parent_id)
            SELECT i,
              CASE WHEN i = 1 THEN '陕西省卫生健康委员会' ELSE '卫生监督所' || i END,
              CASE WHEN i = 1 THEN 'province' WHEN i <= {1 + CITIES} THEN 'city'
                   ELSE 'county' END,
              rc, '', '陕' || i, '', '{{short}}卫{{nature}}〔{{year}}〕{{seq}}号',
              CASE WHEN i = 1 THEN NULL WHEN i <= {1 + CITIES} THEN 1
                   ELSE 2 + (i - {2 + CITIES}) % {CITIES} END
            FROM (SELECT i, CASE WHEN i = 1 THEN '610000'
                    WHEN i <= {1 + CITIES} THEN '61' || lpad((i - 1)::text, 2, '0') || '00'
                    ELSE '61' || lpad((1 + (i - {2 + CITIES}) % {CITIES})::text, 2, '0')
                         || lpad((1 + (i - {2 + CITIES}) / {CITIES})::text, 2, '0') END AS rc
                  FROM generate_series(1, {a}) i) s""",
        ),
        (
            "agency paths",
            """UPDATE agencies_agency c SET path = CASE
                WHEN c.parent_id IS NULL THEN c.region_code || '/'
                WHEN c.parent_id = 1 THEN '610000/' || c.region_code || '/'
                ELSE '610000/' || p.region_code || '/' || c.region_code || '/' END
              FROM agencies_agency p WHERE p.id = coalesce(c.parent_id, c.id)""",
        ),
        (
            "users",
            f"""INSERT INTO auth_user (id, password, is_superuser, username, first_name,
              last_name, email, is_staff, is_active, date_joined)
            SELECT i, '!', false, 'officer' || i, '', '', '', false, true, now()
            FROM generate_series(1, {officers}) i""",
        ),
        (
            "officers",
            f"""INSERT INTO agencies_officer (id, name, employment, roles, role_index,
              agency_id, user_id)
            SELECT i, '执法人员' || i,
              CASE WHEN i > {a * per} THEN 'assistant' WHEN i % 200 = 7 THEN 'contract'
                   ELSE 'established' END,
              CASE WHEN i <= {a} THEN '["head", "officer"]'::jsonb
                   ELSE '["officer"]'::jsonb END,
              CASE WHEN i <= {a} THEN ',head,officer,' ELSE ',officer,' END,
              ((i - 1) % {a}) + 1, i
            FROM generate_series(1, {officers}) i""",
        ),
        (
            "certificates",
            f"""INSERT INTO agencies_certificate (id, number, issuer, valid_from, valid_to,
              status, officer_id)
            SELECT i, 'SX' || lpad(i::text, 8, '0'), 'province_health_commission',
              current_date - 1000,
              CASE WHEN i % 100 = 3 THEN current_date - 100 ELSE current_date + 700 END,
              'valid', i
            FROM generate_series(1, {a * per}) i""",
        ),
        (
            "devices",
            f"""INSERT INTO devices_device (id, serial, kind, model, status, registered_at,
              note, agency_id, holder_id, registered_by_id)
            SELECT i, 'DEV' || i, 'body_camera', 'DSJ-X1', 'in_service', now() - interval
              '1000 days', '', ((i - 1) % {a}) + 1, i, 1
            FROM generate_series(1, {a * per}) i""",
        ),
        (
            "device assignments",
            f"""INSERT INTO devices_assignment (id, since, recorded_at, reason, assigned_by_id,
              officer_id, device_id)
            SELECT i, now() - interval '1000 days', now() - interval '1000 days', '', 1, i, i
            FROM generate_series(1, {a * per}) i""",
        ),
        (
            "matters",
            f"""INSERT INTO matters_matter (id, kind, procedure, number, title, summary, place,
              stage, opened_at, ended_at, av_contentious, av_personal_rights, av_major_event,
              av_complaint, av_emergency, needs_legal_review, needs_collective_discussion,
              agency_id, opened_by_id)
            SELECT m, {KIND_SQL}, 'general', '陕卫案〔2026〕' || m || '号', '事项' || m, '',
              '西安市某区某路' || m || '号',
              (ARRAY['initiation','investigation','review','execution','archiving'])
                [1 + {STAGE_SQL}],
              now() - make_interval(days => 40 + (m * 37) % 700, mins => m % 1440),
              CASE WHEN {STAGE_SQL} = 4
                THEN now() - make_interval(days => 40 + (m * 37) % 700 - 20 - m % 30)
              END,
              m % 10 < 3, m % 50 = 1, m % 100 = 2, m % 10 = 9, false,
              m % 20 BETWEEN 10 AND 14 AND m % 2 = 0, m % 20 BETWEEN 10 AND 14 AND m % 7 = 0,
              ((m - 1) % {a}) + 1, {h.format(k=0)}
            FROM generate_series(1, {n_m}) m""",
        ),
        (
            "parties",
            f"""INSERT INTO matters_party (id, type, name, id_number, credit_code,
              legal_representative, address, phone, agency_id)
            SELECT m, 'organisation', '某某有限公司' || m, '', '', '', '', '',
              ((m - 1) % {a}) + 1
            FROM generate_series(1, {n_m}) m""",
        ),
        (
            "matter parties",
            f"""INSERT INTO matters_matter_parties (matter_id, party_id)
            SELECT m, m FROM generate_series(1, {n_m}) m""",
        ),
        (
            "handlers",
            f"""INSERT INTO matters_handler (is_lead, added_at, officer_id, matter_id)
            SELECT k = 0, mm.opened_at,
              ((mm.id - 1) % {a}) + 1 + {a} * ((mm.id * 7 + k) % {per}), mm.id
            FROM matters_matter mm, generate_series(0, 1) k
            WHERE k = 0 OR mm.id % 40 <> 5""",
        ),
        (
            "stage changes",
            """INSERT INTO matters_stagechange (from_stage, to_stage, at, reason, by_id,
              matter_id)
            SELECT (ARRAY['initiation','investigation','review','execution'])[k],
              (ARRAY['investigation','review','execution','archiving'])[k],
              least(now(), mm.opened_at + make_interval(days => 5 * k)), '', mm.opened_by_id, mm.id
            FROM matters_matter mm, generate_series(1, 4) k
            WHERE k < array_position(
              ARRAY['initiation','investigation','review','execution','archiving'], mm.stage)""",
        ),
        (
            "approvals",
            f"""INSERT INTO matters_approval (subject, requested_at, request_note, outcome,
              decided_at, opinion, decided_by_id, requested_by_id, matter_id)
            SELECT s, mm.opened_at + interval '1 day', '', 'approved',
              mm.opened_at + interval '2 days', '同意', ((mm.id - 1) % {a}) + 1,
              mm.opened_by_id, mm.id
            FROM matters_matter mm, unnest(ARRAY['filing', 'decision']) s
            WHERE mm.kind IN ('penalty', 'license') AND mm.stage <> 'initiation'
              AND (s = 'filing' OR (mm.stage IN ('execution', 'archiving') AND mm.id % 33 <> 4))
            """,
        ),
        (
            "records",
            """INSERT INTO records_record (record_type, number, created_at, agency_id,
              created_by_id, matter_id)
            SELECT t, CASE WHEN t IN ('decision', 'statement_notice')
                THEN t || '-' || mm.id ELSE '' END,
              least(now(), mm.opened_at + make_interval(days => d)), mm.agency_id,
              mm.opened_by_id, mm.id
            FROM matters_matter mm
            CROSS JOIN LATERAL (VALUES
              ('filing_report', 1, mm.kind = 'penalty' AND mm.stage <> 'initiation'),
              ('fine_payment', 26, mm.kind = 'penalty' AND mm.stage = 'archiving'),
              ('on_site_inspection', 3, mm.kind IN ('inspection', 'penalty')
                                        AND mm.stage <> 'initiation'),
              ('inquiry', 6, mm.kind = 'penalty' AND mm.stage <> 'initiation'),
              ('statement_notice', 11, mm.kind = 'penalty'
                                       AND mm.stage IN ('review', 'execution', 'archiving')),
              ('legal_review_opinion', 14, mm.needs_legal_review
                                           AND mm.stage IN ('execution', 'archiving')),
              ('collective_discussion', 14, mm.needs_collective_discussion
                                            AND mm.stage IN ('execution', 'archiving')),
              ('decision', 16, mm.kind IN ('penalty', 'license')
                               AND mm.stage IN ('execution', 'archiving')),
              ('supervision_opinion', 4, mm.kind = 'inspection'
                                         AND mm.stage IN ('execution', 'archiving')),
              ('sampling_list', 3, mm.kind = 'sampling' AND mm.stage <> 'initiation')
            ) AS r(t, d, wanted)
            WHERE wanted""",
        ),
        (
            "record versions",
            """INSERT INTO records_recordversion (id, version, fields, created_at, reason,
              digest, created_by_id, record_id)
            SELECT r.id, 1, jsonb_build_object('party', '某某有限公司' || r.matter_id,
                'decided_on', day, 'filed_on', day, 'reviewed_on', day, 'held_at', day,
                'paid_on', day, 'conclusion', '同意', 'amount', '5000', 'place', '现场'),
              r.created_at, '', md5(r.id::text) || md5(r.id::text), r.created_by_id, r.id
            FROM records_record r,
              to_char(r.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day""",
        ),
        (
            "signatures",
            """INSERT INTO records_signature (signer_role, signer_name, status, image_sha256,
              circumstances, at, recorded_by_id, signer_officer_id, version_id)
            SELECT CASE WHEN role = 'party' AND r.record_type = 'inquiry' THEN 'interviewee'
                ELSE role END,
              CASE WHEN role = 'party' THEN '当事人' ELSE '执法人员' END,
              CASE WHEN role = 'party' AND r.id % 40 = 1 THEN 'refused' ELSE 'signed' END,
              '', '', r.created_at + interval '10 minutes', r.created_by_id,
              CASE WHEN role = 'party' THEN NULL ELSE r.created_by_id END, r.id
            FROM records_record r
            CROSS JOIN LATERAL (VALUES ('party'), ('officer'), ('head')) AS s(role)
            WHERE (role = 'head' AND r.record_type IN ('decision', 'statement_notice'))
               OR (role <> 'head' AND r.record_type IN ('on_site_inspection', 'inquiry',
                   'supervision_opinion', 'sampling_list') AND (role = 'officer'
                   OR r.id % 30 <> 2))""",
        ),
        (
            "service receipts",
            """INSERT INTO records_record (record_type, number, created_at, agency_id,
              created_by_id, matter_id)
            SELECT 'service_receipt', '', r.created_at + interval '2 days', r.agency_id,
              r.created_by_id, r.matter_id
            FROM records_record r WHERE r.record_type = 'decision' ORDER BY r.id""",
        ),
        (
            "receipt versions",
            """INSERT INTO records_recordversion (id, version, fields, created_at, reason,
              digest, created_by_id, record_id)
            SELECT r.id, 1, jsonb_build_object('method', '直接送达', 'recipient', '当事人'),
              r.created_at, '',
              md5(r.id::text) || md5(r.id::text), r.created_by_id, r.id
            FROM records_record r WHERE r.record_type = 'service_receipt'""",
        ),
        (
            "receipt signatures",
            """INSERT INTO records_signature (signer_role, signer_name, status, image_sha256,
              circumstances, at, recorded_by_id, signer_officer_id, version_id)
            SELECT 'recipient', '当事人', 'signed', '', '', r.created_at, r.created_by_id, NULL,
              r.id
            FROM records_record r
            WHERE r.record_type = 'service_receipt' AND r.id % 40 <> 9""",
        ),
        (
            "services",
            """INSERT INTO records_service (method, channel, served_at, recipient, proof,
              created_at, created_by_id, receipt_id, record_id, version_id)
            SELECT CASE WHEN r.record_type = 'decision' THEN 'direct' ELSE 'mail' END, '',
              r.created_at + make_interval(days => (1 + r.id % 5)::int), '某某有限公司',
              CASE WHEN r.record_type = 'decision' THEN '{}'::jsonb
                   WHEN r.id % 25 = 3 THEN jsonb_build_object('postage_voucher', 'EMS' || r.id)
                   ELSE jsonb_build_object('postage_voucher', 'EMS' || r.id,
                                           'return_receipt', 'RR' || r.id) END,
              r.created_at + interval '1 day', r.created_by_id, rc.id, r.id, r.id
            FROM records_record r
            LEFT JOIN LATERAL (SELECT x.id FROM records_record x
                WHERE x.matter_id = r.matter_id AND x.record_type = 'service_receipt'
                AND r.record_type = 'decision' LIMIT 1) rc ON true
            WHERE r.record_type IN ('decision', 'statement_notice', 'supervision_opinion')
              AND r.id % 50 <> 7""",
        ),
        (
            "evidence",
            f"""INSERT INTO evidence_evidence (id, sha256, sm3, size, kind, content_type, media,
              readable, store, store_version, stored_at)
            SELECT i, md5(i || 'a') || md5(i || 'b'), md5(i || 'c') || md5(i || 'd'),
              1000000 + (i::bigint * 7919) % 500000000,
              CASE WHEN i % 10 < 6 THEN 'video' WHEN i % 10 < 9 THEN 'photo' ELSE 'audio' END,
              CASE WHEN i % 10 < 6 THEN 'video/mp4' WHEN i % 10 < 9 THEN 'image/jpeg'
                   ELSE 'audio/mp4' END,
              '{{}}'::jsonb, true, 'local', '',
              now() - make_interval(days => (i * 13) % 700, hours => 1)
            FROM generate_series(1, {n_e}) i""",
        ),
        (
            "acquisitions",
            f"""INSERT INTO evidence_acquisition (id, source, acquired_at, filename,
              device_serial, station, recorded_from, recorded_to, gis, notice_given,
              notice_method, interruption_reason, declared_sha256, acquired_by_id, officer_id,
              evidence_id)
            SELECT i, CASE WHEN i % 3 = 0 THEN 'tus' ELSE 'station' END, at,
              'VID_' || i || '.mp4', 'DEV' || o, '', rt - interval '12 minutes', rt, '[]'::jsonb,
              CASE WHEN i % 100 = 5 THEN NULL WHEN i % 100 = 6 THEN false ELSE true END,
              CASE WHEN i % 100 < 5 THEN '口头告知' ELSE '' END, '', '', o, o, i
            FROM (SELECT i, now() - make_interval(days => (i * 13) % 700, hours => 1) AS at,
                    now() - make_interval(days => (i * 13) % 700, hours => 1)
                      - make_interval(hours => CASE WHEN i % 33 = 0 THEN 49 + i % 70
                                                    ELSE 1 + i % 40 END) AS rt,
                    ((((i - 1) % {n_m}) + 1 - 1) % {a}) + 1
                      + {a} * (((((i - 1) % {n_m}) + 1) * 7) % {per}) AS o
                  FROM generate_series(1, {n_e}) i) s""",
        ),
        (
            "bindings",
            f"""INSERT INTO evidence_binding (bound_at, reason, bound_by_id, matter_id,
              evidence_id)
            SELECT now() - make_interval(days => (i * 13) % 700), '', 1, ((i - 1) % {n_m}) + 1, i
            FROM generate_series(1, {n_e}) i WHERE i % 20 <> 0""",
        ),
        (
            "acquisition findings",
            f"""INSERT INTO evidence_acquisitionfinding (code, article, detail, found_at,
              acquisition_id)
            SELECT CASE WHEN i % 3 = 0 THEN 'device.not_assigned' WHEN i % 3 = 1
                   THEN 'device.unknown' ELSE 'device.in_repair' END,
              CASE WHEN i % 3 = 1 THEN '第十一条' ELSE '第二十三条' END,
              jsonb_build_object('serial', 'DEV' || i), now(), i
            FROM generate_series(1, {n_e}) i WHERE i % 50 = 11""",
        ),
    ]


def fill(matters: int, evidence: int) -> dict[str, float]:
    from django.db import connection

    seconds: dict[str, float] = {}
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        for label, sql in fill_sql(matters, evidence):
            start = time.perf_counter()
            cur.execute(sql)
            seconds[label] = time.perf_counter() - start
            print(f"  {label:22} {cur.rowcount:>10,} rows {seconds[label]:7.1f} s", flush=True)
        cur.execute(
            """SELECT table_name FROM information_schema.columns
               WHERE table_schema = 'public' AND column_name = 'id'
                 AND is_identity = 'YES'"""
        )
        for (table,) in cur.fetchall():
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
        start = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        seconds["analyze"] = time.perf_counter() - start
    from lawtrail.compliance.calendar import load_calendar

    load_calendar()
    return seconds


# --- measuring --------------------------------------------------------------------------------


def cpu() -> float:
    t = os.times()
    return t.user + t.system


def timed(label: str, fn: Any) -> tuple[Any, float, float]:
    c, w = cpu(), time.perf_counter()
    result = fn()
    wall, used = time.perf_counter() - w, cpu() - c
    print(f"{label}: {wall:.2f} s wall, {used:.2f} s CPU (this process)", flush=True)
    return result, wall, used


def db_size() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return str(cur.fetchone()[0])


def explain(check: Any, now: dt.datetime) -> str:
    from django.db import connection, transaction

    from lawtrail.compliance.checks.base import STANDARD, Scope
    from lawtrail.compliance.engine import without_jit

    qs = check.candidates(Scope.everything(), now).filter(c_breached=True).order_by()
    sql, params = qs.values(*STANDARD, *check.facts).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cur:
        without_jit()  # as the engine runs it
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def main() -> None:
    global DB
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--evidence", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--repeat", type=int, default=1, help="steady-state scans to time")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a filled copy (…_filled_M_E) and start from it next time (drop it by hand)",
    )
    parser.add_argument("--database", default=DB, help="name of the bench database")
    args = parser.parse_args()
    DB = args.database

    print(f"bench/compliance_scan.py, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC")
    copy = filled_copy(args.matters, args.evidence)
    reusing = args.reuse and exists(copy)
    setup(args.keep, copy if reusing else None)
    from bench._common import machine

    print(machine())
    from django.db import connection
    from django.utils import timezone

    from lawtrail.compliance import engine
    from lawtrail.compliance.checks.base import Scope, checks
    from lawtrail.compliance.models import Finding
    from lawtrail.compliance.rules import enabled_rules

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        print(f"PostgreSQL {cur.fetchone()[0]}")
    print(f"filling {args.matters:,} matters, {args.evidence:,} evidence:")
    if reusing:
        fill_wall = 0.0
        print(f"  (a copy of {copy})")
    else:
        _, fill_wall, _ = timed("fill", lambda: fill(args.matters, args.evidence))
        if args.reuse:
            connection.close()
            admin(f"CREATE DATABASE {copy} TEMPLATE {DB}")
    print(f"database size {db_size()}")
    registered = sorted(r for r in checks() if r in enabled_rules())
    print(f"rules with a check ({len(registered)}): {', '.join(registered)}")

    now = timezone.now()
    first, first_wall, first_cpu = timed(
        "first full scan (opens findings)", lambda: engine.evaluate(now=now, count=True)
    )
    print_report(first)
    steady = []
    for i in range(args.repeat):
        report, wall, used = timed(
            f"steady full scan {i + 1} (nothing changed)", lambda: engine.evaluate(now=now)
        )
        steady.append((report, wall, used))
    print_report(steady[-1][0])

    print("per rule, steady state (evaluate(rules=[id]), wall s):")
    per_rule: dict[str, float] = {}
    for rule_id in registered:
        _, wall, _ = timed(f"  {rule_id}", lambda r=rule_id: engine.evaluate(now=now, rules=[r]))
        per_rule[rule_id] = wall
    if per_rule:
        slowest = max(per_rule, key=lambda r: per_rule[r])
        print(f"EXPLAIN ANALYZE of the slowest rule's breached candidates ({slowest}):")
        print(explain(checks()[slowest], now))

    matter_id = args.matters // 2 + 7
    from lawtrail.evidence.models import Binding

    evidence_ids = set(
        Binding.objects.filter(matter_id=matter_id).values_list("evidence_id", flat=True)
    )
    scope = Scope.of({matter_id}, evidence_ids)
    incremental = []
    for _ in range(5):
        last_incremental, wall, _ = timed(
            f"incremental: matter {matter_id} with {len(evidence_ids)} evidence",
            lambda: engine.evaluate(scope, now=now),
        )
        incremental.append(wall)
    print(
        f"findings: {Finding.objects.count():,} "
        f"({Finding.objects.filter(state='open').count():,} open)"
    )
    print()
    print("SUMMARY")
    print(f"  at the end: {machine()}")
    print(f"  matters {args.matters:,}, evidence {args.evidence:,}, fill {fill_wall:.1f} s")
    print(f"  first full scan {first_wall:.2f} s wall ({first_cpu:.2f} s CPU)")
    print(f"  findings opened {first.opened:,}, closed {first.closed:,}")
    for i, (_, wall, used) in enumerate(steady):
        print(f"  steady full scan {i + 1}: {wall:.2f} s wall ({used:.2f} s CPU)")
    print(f"  incremental one matter: median {sorted(incremental)[2] * 1000:.0f} ms")
    print("  | rule | breached | first scan s | steady scan s | alone s | incremental ms |")
    first_runs = {run.rule_id: run for run in first.rules}
    steady_runs = {run.rule_id: run for run in steady[-1][0].rules}
    incremental_runs = {run.rule_id: run for run in last_incremental.rules}
    for rule_id in sorted(steady_runs, key=lambda r: -steady_runs[r].seconds):
        print(
            f"  | {rule_id} | {steady_runs[rule_id].breached:,} |"
            f" {first_runs[rule_id].seconds:.2f} | {steady_runs[rule_id].seconds:.2f} |"
            f" {per_rule.get(rule_id, 0.0):.2f} |"
            f" {incremental_runs[rule_id].seconds * 1000:.0f} |"
        )


def print_report(report: Any) -> None:
    for run in report.rules:
        d = run.as_dict()
        print(
            f"    {d['rule']:34} checked {d['checked'] if d['checked'] is not None else '-':>9}"
            f" breached {d['breached']:>7} opened {d['opened']:>7} closed {d['closed']:>6}"
            + (f" {d['seconds']:7.2f} s" if "seconds" in d else "")
        )


if __name__ == "__main__":
    main()
