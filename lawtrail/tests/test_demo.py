"""``lawtrail demo``: a province built through the actions, shown once, never built twice.

The demo runs in a subprocess on SQLite in its own data folder (see conftest); the tests read
that database directly.
"""

from __future__ import annotations

from pathlib import Path

from lawtrail.agencies.models import Role
from lawtrail.tests.conftest import Demo, count, lawtrail, query

USERNAMES = [
    "admin",
    "supervisor",
    "head_city",
    "head_a",
    "officer_a",
    "officer_a2",
    "reviewer_a",
    "custodian_a",
    "equipment_a",
    "assistant_a",
    "head_b",
    "officer_b",
    "officer_b2",
    "auditor",
]


def test_demo_builds_the_province_and_its_agencies(demo: Demo) -> None:
    rows = query(demo.home, "SELECT region_code, level FROM agencies_agency ORDER BY path")
    assert rows == [
        ("610000", "province"),
        ("610100", "city"),
        ("610102", "county"),
        ("610103", "county"),
    ]


def test_demo_has_people_of_every_role(demo: Demo) -> None:
    usernames = {u for (u,) in query(demo.home, "SELECT username FROM auth_user")}
    assert set(USERNAMES) <= usernames  # other tests may add logins to the shared demo
    roles = "".join(r for (r,) in query(demo.home, "SELECT role_index FROM agencies_officer"))
    for role in Role.values:
        assert f",{role}," in roles
    [(employment,)] = query(
        demo.home,
        "SELECT employment FROM agencies_officer o JOIN auth_user u ON u.id = o.user_id "
        "WHERE u.username = 'assistant_a'",
    )
    assert employment == "assistant"


def test_every_county_has_two_certified_officers(demo: Demo) -> None:
    """第十条: certificates from 陕西省政府法制办 or 省卫生计生委, two per team at least."""
    for region in ("610102", "610103"):
        certified = count(
            demo.home,
            "agencies_certificate c JOIN agencies_officer o ON o.id = c.officer_id "
            "JOIN agencies_agency a ON a.id = o.agency_id",
            "a.region_code = ? AND o.role_index LIKE '%,officer,%' AND c.status = 'valid'",
            region,
        )
        assert certified >= 2
    issuers = {i for (i,) in query(demo.home, "SELECT DISTINCT issuer FROM agencies_certificate")}
    assert issuers == {"province_legal_office", "province_health_commission"}


def test_demo_has_several_matters_of_each_kind_in_different_stages(demo: Demo) -> None:
    """第二条 kinds, 第三条 stages."""
    for kind in ("license", "inspection", "sampling", "penalty"):
        assert count(demo.home, "matters_matter", "kind = ?", kind) >= 2
        stages = query(demo.home, "SELECT DISTINCT stage FROM matters_matter WHERE kind = ?", kind)
        assert len(stages) >= 2, kind
    stages = {s for (s,) in query(demo.home, "SELECT DISTINCT stage FROM matters_matter")}
    assert stages == {"initiation", "investigation", "review", "execution", "archiving"}
    penalty_stages = {
        s for (s,) in query(demo.home, "SELECT stage FROM matters_matter WHERE kind = 'penalty'")
    }
    assert {"execution", "archiving"} <= penalty_stages


def test_matters_have_two_handlers_parties_places_flags_and_approvals(demo: Demo) -> None:
    matters = count(demo.home, "matters_matter")
    assert matters >= 8
    assert (
        count(
            demo.home,
            "matters_matter m",
            "(SELECT COUNT(*) FROM matters_handler h WHERE h.matter_id = m.id) < 2",
        )
        == 0
    )
    assert count(demo.home, "matters_matter_parties") >= matters
    assert count(demo.home, "matters_party", "type = 'person'") >= 1
    assert count(demo.home, "matters_party", "type = 'organisation'") >= 1
    assert count(demo.home, "matters_gispoint", "given_datum = 'GCJ-02'") >= 1
    assert count(demo.home, "matters_matter", "av_contentious OR av_complaint") >= 1
    outcomes = {o for (o,) in query(demo.home, "SELECT outcome FROM matters_approval")}
    assert outcomes == {"pending", "approved", "rejected"}


def test_the_case_files_have_signed_records_a_refusal_notices_decisions_and_service(
    demo: Demo,
) -> None:
    """第十三条: 笔录 signed by the party or the refusal recorded, 告知书 and 决定书 served."""
    types = {t for (t,) in query(demo.home, "SELECT DISTINCT record_type FROM records_record")}
    assert {
        "on_site_inspection",
        "inquiry",
        "sampling_list",
        "statement_notice",
        "legal_review_opinion",
        "decision",
        "service_receipt",
    } <= types
    [(circumstances, witnesses)] = query(
        demo.home,
        "SELECT s.circumstances, (SELECT COUNT(*) FROM records_signature_witnesses w "
        "WHERE w.signature_id = s.id) FROM records_signature s WHERE s.status = 'refused'",
    )
    assert "拒绝签字" in str(circumstances) and witnesses == 1
    signed_images = count(
        demo.home, "records_signature", "status = 'signed' AND image_sha256 != ''"
    )
    assert signed_images >= 20
    for stage in ("execution", "archiving"):
        served = count(
            demo.home,
            "records_service sv JOIN records_record r ON r.id = sv.record_id "
            "JOIN matters_matter m ON m.id = r.matter_id",
            "m.kind = 'penalty' AND m.stage = ? AND r.record_type IN ('decision', "
            "'statement_notice')",
            stage,
        )
        assert served == 2, stage
    numbers = [
        n for (n,) in query(demo.home, "SELECT number FROM records_record WHERE number != ''")
    ]
    assert all("〔" in n and n.endswith("号") for n in numbers) and numbers


def test_the_demo_has_real_media_bound_to_its_matters(demo: Demo) -> None:
    """第十七条 notice, 第十九条 station upload: a video and photos, stored and bound."""
    kinds = dict(query(demo.home, "SELECT kind, COUNT(*) FROM evidence_evidence GROUP BY kind"))
    assert kinds.get("video") == 6 and kinds.get("photo", 0) >= 2
    assert count(demo.home, "evidence_evidence", "readable") == count(
        demo.home, "evidence_evidence"
    )
    evidence = count(demo.home, "evidence_evidence")
    assert count(demo.home, "evidence_binding") == evidence
    assert count(demo.home, "evidence_acquisition", "notice_given AND source = 'station'") == (
        evidence
    )
    assert count(demo.home, "ledger_event", "action = 'evidence.bound'") == evidence
    stored = list((demo.home / "store").rglob("*"))
    assert sum(1 for p in stored if p.is_file()) >= evidence


def test_the_48_hour_record_has_something_to_show(demo: Demo) -> None:
    """第十九条: one recording docked 52 hours after it ended, the others within 48 hours."""
    rows = query(
        demo.home,
        "SELECT (julianday(acquired_at) - julianday(recorded_to)) * 24 FROM evidence_acquisition",
    )
    hours = sorted(round(float(h)) for (h,) in rows)
    assert hours[-1] == 52 and all(h < 48 for h in hours[:-1]), hours


def test_gis_points_lie_in_xian(demo: Demo) -> None:
    for lat, lon in query(demo.home, "SELECT latitude, longitude FROM matters_gispoint"):
        assert 34.1 < float(str(lat)) < 34.4
        assert 108.8 < float(str(lon)) < 109.1


def test_every_change_is_in_the_ledger(demo: Demo) -> None:
    def events(action: str) -> int:
        return count(demo.home, "ledger_event", "action = ?", action)

    assert events("agency.created") == count(demo.home, "agencies_agency")
    assert events("person.created") == count(demo.home, "agencies_officer")
    assert events("certificate.added") == count(demo.home, "agencies_certificate")
    assert events("matter.opened") == count(demo.home, "matters_matter")
    assert events("approval.requested") == count(demo.home, "matters_approval")
    assert events("matter.stage_advanced") + events("matter.returned_for_investigation") == count(
        demo.home, "matters_stagechange"
    )
    assert events("demo.built") == 1


def test_demo_prints_every_login_once_with_a_password_and_the_address(demo: Demo) -> None:
    header = next(line for line in demo.output.splitlines() if line.startswith("username"))
    assert header.split() == ["username", "name", "role", "agency", "password"]
    passwords = [demo.password(username) for username in USERNAMES]
    assert len(set(passwords)) == len(passwords)
    assert all(len(p) >= 12 for p in passwords)
    assert "http://127.0.0.1:8000/" in demo.output


def test_the_printed_passwords_are_nowhere_in_the_database(demo: Demo) -> None:
    data = (demo.home / "lawtrail.sqlite3").read_bytes()
    for username in USERNAMES:
        assert demo.password(username).encode() not in data
    assert not list(demo.home.glob("*password*"))


def test_the_printed_passwords_log_in(demo: Demo) -> None:
    script = (
        "from django.contrib.auth import authenticate; "
        f"print(authenticate(username='officer_a', password='{demo.password('officer_a')}') "
        "is not None, authenticate(username='officer_a', password='wrong') is None)"
    )
    result = lawtrail(demo.home, "manage", "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "True"]


def test_a_second_demo_says_so_and_adds_nothing(demo: Demo) -> None:
    before = count(demo.home, "ledger_event")
    result = lawtrail(demo.home, "demo")
    assert result.returncode == 0, result.stderr
    assert "already built" in result.stdout
    assert "password" not in result.stdout.split("already built")[1].split("\n")[0]
    assert count(demo.home, "ledger_event") == before
    assert count(demo.home, "matters_matter") == count(
        demo.home, "ledger_event", "action = 'matter.opened'"
    )


def test_demo_refuses_a_database_that_holds_other_data(fresh_home: Path) -> None:
    """Exit 2 with a sentence: the demo never mixes into a real province."""
    made = lawtrail(
        fresh_home, "agency", "create", "610000", "--name", "陕西省卫生健康委员会",
        "--level", "province", "--short-name", "陕",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    events = count(fresh_home, "ledger_event")
    result = lawtrail(fresh_home, "demo")
    assert result.returncode == 2
    assert "not the demo" in result.stderr
    assert count(fresh_home, "agencies_agency") == 1
    assert count(fresh_home, "ledger_event") == events


def test_demo_refuses_a_database_with_a_superuser(fresh_home: Path) -> None:
    made = lawtrail(
        fresh_home, "manage", "createsuperuser", "--noinput", "--username", "root",
        "--email", "root@example.org", DJANGO_SUPERUSER_PASSWORD="a long enough password",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = lawtrail(fresh_home, "demo")
    assert result.returncode == 2
    assert count(fresh_home, "agencies_agency") == 0
