"""The token, agency and user commands (subprocesses on SQLite; see conftest)."""

from __future__ import annotations

import json
from pathlib import Path

from lawtrail.tests.conftest import Demo, Served, count, lawtrail, query


def test_token_create_prints_the_token_alone_on_the_last_line(demo: Demo) -> None:
    result = lawtrail(demo.home, "token", "create", "officer_a", "--name", "test script")
    assert result.returncode == 0, result.stderr
    token = result.stdout.rstrip("\n").splitlines()[-1]
    assert token.startswith("lt_")
    assert token == token.strip() and " " not in token
    assert count(demo.home, "api_apitoken", "name = 'test script'") == 1
    assert count(demo.home, "ledger_event", "action = 'api_token.created'") >= 1


def test_the_token_reads_the_matters_in_its_owners_scope(demo: Demo, served: Served) -> None:
    """第二十条 and invariant 7: officer_a of county A sees county A's matters, none of B's."""
    result = lawtrail(demo.home, "token", "create", "officer_a")
    assert result.returncode == 0, result.stderr
    token = result.stdout.splitlines()[-1]
    status, _, body = served.get("/api/v1/matters", token)
    assert status == 200, body[:500]
    text = json.dumps(json.loads(body), ensure_ascii=False)
    assert "周丽娟未取得公共场所卫生许可证擅自营业案" in text
    assert "碑林" not in text
    status, _, _ = served.get("/api/v1/matters")
    assert status == 401
    status, _, _ = served.get("/api/v1/matters", token + "x")
    assert status == 401


def test_the_readme_example_a_skipped_stage_is_refused_with_its_article(
    demo: Demo, served: Served
) -> None:
    """第三条 through the API: 409 and every unmet condition with the rule behind it."""
    token = lawtrail(demo.home, "token", "create", "officer_a").stdout.splitlines()[-1]
    status, matters = served.get_json("/api/v1/matters", token)
    assert status == 200 and isinstance(matters, dict)
    opened = [m for m in matters["items"] if m["stage"] == "investigation"]
    assert opened, matters
    path = f"/api/v1/matters/{opened[0]['id']}/stage"
    status, _, body = served.get(path, token, json_body={"stage": "archiving", "reason": "跳过"})
    assert status == 409, body[:500]
    refusal = json.loads(body)
    assert [u["article"] for u in refusal["unmet"]] == ["第三条"]


#: The events a refused ``user create`` must not write. (Not every event: a server of another
#: test may be working through the demo's queued jobs in the same data folder meanwhile.)
PEOPLE_EVENTS = ("ledger_event", "action LIKE 'person.%' OR action LIKE 'certificate.%'")


def test_token_create_for_an_unknown_user_exits_2_with_a_sentence(demo: Demo) -> None:
    before = count(demo.home, "api_apitoken")
    result = lawtrail(demo.home, "token", "create", "nobody")
    assert result.returncode == 2
    assert "There is no user named 'nobody'." in result.stderr
    assert result.stdout == ""
    assert count(demo.home, "api_apitoken") == before


def test_user_create_with_an_unknown_agency_exits_2_and_creates_nothing(demo: Demo) -> None:
    users, events = count(demo.home, "auth_user"), count(demo.home, *PEOPLE_EVENTS)
    result = lawtrail(
        demo.home, "user", "create", "newbie", "--name", "新人", "--agency", "999999",
        "--role", "officer", "--password", "a long enough password",
    )  # fmt: skip
    assert result.returncode == 2
    # The sentence comes from the action, in the operator's language (zh-hans by default).
    assert result.stderr.startswith("lawtrail: ") and "999999" in result.stderr
    assert count(demo.home, "auth_user") == users
    assert count(demo.home, *PEOPLE_EVENTS) == events


def test_user_create_with_an_unknown_role_exits_2_and_creates_nothing(demo: Demo) -> None:
    users, events = count(demo.home, "auth_user"), count(demo.home, *PEOPLE_EVENTS)
    result = lawtrail(
        demo.home, "user", "create", "newbie", "--name", "新人", "--agency", "610102",
        "--role", "sheriff", "--password", "a long enough password",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("lawtrail: ") and "sheriff" in result.stderr
    assert count(demo.home, "auth_user") == users
    assert count(demo.home, *PEOPLE_EVENTS) == events


def test_user_create_makes_a_login_with_its_ledger_event(demo: Demo) -> None:
    before = count(demo.home, "ledger_event", "action = 'person.created'")
    result = lawtrail(
        demo.home, "user", "create", "officer_a3", "--name", "孙悦", "--agency", "610102",
        "--role", "officer", "--password", "a long enough password",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "created officer_a3 (孙悦) in 新城区卫生健康局" in result.stdout
    assert count(demo.home, "auth_user", "username = 'officer_a3'") == 1
    assert count(demo.home, "ledger_event", "action = 'person.created'") == before + 1


def test_a_province_starts_from_the_command_line(fresh_home: Path) -> None:
    """A fresh installation: the province agency, then its administrator (第六条)."""
    made = lawtrail(
        fresh_home, "agency", "create", "610000", "--name", "陕西省卫生健康委员会",
        "--level", "province", "--short-name", "陕",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "created 陕西省卫生健康委员会 (610000, province)" in made.stdout
    admin = lawtrail(
        fresh_home, "user", "create", "root", "--name", "郑伟", "--agency", "610000",
        "--role", "admin", "--password", "a long enough password",
    )  # fmt: skip
    assert admin.returncode == 0, admin.stderr
    assert query(fresh_home, "SELECT action FROM ledger_event ORDER BY seq") == [
        ("agency.created",),
        ("person.created",),
    ]


def test_agency_create_refuses_a_county_without_a_city_above(fresh_home: Path) -> None:
    result = lawtrail(
        fresh_home, "agency", "create", "610102", "--name", "新城区卫生健康局",
        "--level", "county", "--short-name", "新城",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("lawtrail: ")
    assert count(fresh_home, "agencies_agency") == 0


def test_set_password_is_a_ledger_event_without_the_password(demo: Demo) -> None:
    before = count(demo.home, "ledger_event", "action = 'person.password_set'")
    secret = "another long enough password"
    result = lawtrail(demo.home, "user", "set-password", "custodian_a", "--password", secret)
    assert result.returncode == 0, result.stderr
    assert count(demo.home, "ledger_event", "action = 'person.password_set'") == before + 1
    assert secret.encode() not in (demo.home / "lawtrail.sqlite3").read_bytes()
