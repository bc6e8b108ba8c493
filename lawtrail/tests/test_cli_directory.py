"""The 文号 template and employment commands, and a bad setting refused without a traceback
(subprocesses on SQLite; see conftest)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from lawtrail.tests.conftest import Demo, count, lawtrail, query

PROVINCE = ("agency", "create", "610000", "--name", "陕西省卫生健康委员会",
            "--level", "province", "--short-name", "陕")  # fmt: skip


def template_of(home: Path, code: str) -> object:
    [(template,)] = query(
        home, "SELECT number_template FROM agencies_agency WHERE region_code = ?", code
    )
    return template


def test_agency_create_takes_a_number_template(fresh_home: Path) -> None:
    result = lawtrail(
        fresh_home, *PROVINCE, "--number-template", "{short}卫{nature}〔{year}〕第{seq}号"
    )
    assert result.returncode == 0, result.stderr
    assert template_of(fresh_home, "610000") == "{short}卫{nature}〔{year}〕第{seq}号"


def test_agency_create_refuses_a_bad_template_and_creates_nothing(fresh_home: Path) -> None:
    result = lawtrail(
        fresh_home, *PROVINCE, "--number-template", "{short}卫{kind}〔{year}〕{seq}号"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("lawtrail: ") and "{kind}" in result.stderr
    assert "Traceback" not in result.stderr
    assert count(fresh_home, "agencies_agency") == 0


def test_set_number_template_changes_the_template_with_its_event(fresh_home: Path) -> None:
    assert lawtrail(fresh_home, *PROVINCE).returncode == 0
    result = lawtrail(
        fresh_home,
        "agency",
        "set-number-template",
        "610000",
        "{short}卫{nature}〔{year}〕第{seq:03d}号",
    )
    assert result.returncode == 0, result.stderr
    year = datetime.date.today().year
    assert f"陕卫罚〔{year}〕第001号" in result.stdout
    assert template_of(fresh_home, "610000") == "{short}卫{nature}〔{year}〕第{seq:03d}号"
    assert count(fresh_home, "ledger_event", "action = 'agency.number_template_set'") == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("610000", "{short}卫{nature}〔{year}〕{sequence}号"), "{sequence}"),
        (("610000", "陕卫罚〔{year}〕第{seq}号"), "{nature}"),
        (("999999", "{short}卫{nature}〔{year}〕{seq}号"), "999999"),
    ],
)
def test_set_number_template_refuses_bad_input_with_a_sentence(
    fresh_home: Path, args: tuple[str, str], said: str
) -> None:
    assert lawtrail(fresh_home, *PROVINCE).returncode == 0
    result = lawtrail(fresh_home, "agency", "set-number-template", *args)
    assert result.returncode == 2
    assert result.stderr.startswith("lawtrail: ") and said in result.stderr
    assert "Traceback" not in result.stderr
    assert template_of(fresh_home, "610000") == "{short}卫{nature}〔{year}〕{seq}号"
    assert count(fresh_home, "ledger_event", "action = 'agency.number_template_set'") == 0


def employment_of(home: Path, username: str) -> object:
    [(employment,)] = query(
        home,
        "SELECT o.employment FROM agencies_officer o JOIN auth_user u ON u.id = o.user_id "
        "WHERE u.username = ?",
        username,
    )
    return employment


def test_set_employment_changes_it_with_its_event(fresh_home: Path) -> None:
    assert lawtrail(fresh_home, *PROVINCE).returncode == 0
    made = lawtrail(
        fresh_home, "user", "create", "officer_h2", "--name", "韩梅", "--agency", "610000",
        "--role", "officer", "--password", "a long enough password",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = lawtrail(
        fresh_home, "user", "set-employment", "officer_h2", "contract", "--reason", "合同制"
    )
    assert result.returncode == 0, result.stderr
    assert employment_of(fresh_home, "officer_h2") == "contract"
    assert count(fresh_home, "ledger_event", "action = 'person.employment_changed'") == 1
    result = lawtrail(fresh_home, "user", "set-employment", "officer_h2", "contract")
    assert result.returncode == 2  # --reason is required
    assert count(fresh_home, "ledger_event", "action = 'person.employment_changed'") == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [(("nobody", "contract"), "nobody"), (("officer_h2", "volunteer"), "volunteer")],
)
def test_set_employment_refuses_bad_input(
    fresh_home: Path, args: tuple[str, str], said: str
) -> None:
    assert lawtrail(fresh_home, *PROVINCE).returncode == 0
    made = lawtrail(
        fresh_home, "user", "create", "officer_h2", "--name", "韩梅", "--agency", "610000",
        "--role", "officer", "--password", "a long enough password",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    result = lawtrail(fresh_home, "user", "set-employment", *args, "--reason", "x")
    assert result.returncode == 2
    assert result.stderr.startswith("lawtrail: ") and said in result.stderr
    assert employment_of(fresh_home, "officer_h2") == "established"
    assert count(fresh_home, "ledger_event", "action = 'person.employment_changed'") == 0


def test_the_lead_of_an_open_matter_cannot_become_an_assistant(demo: Demo) -> None:
    """第十条: the sentence names the rule; nothing changes."""
    [(username,)] = query(
        demo.home,
        "SELECT DISTINCT u.username FROM matters_handler h "
        "JOIN matters_matter m ON m.id = h.matter_id "
        "JOIN agencies_officer o ON o.id = h.officer_id JOIN auth_user u ON u.id = o.user_id "
        "WHERE h.is_lead AND m.stage != 'archiving' ORDER BY u.username LIMIT 1",
    )
    assert isinstance(username, str)
    before = count(demo.home, "ledger_event", "action = 'person.employment_changed'")
    result = lawtrail(
        demo.home, "user", "set-employment", username, "assistant", "--reason", "调岗"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("lawtrail: ") and "第十条" in result.stderr
    assert employment_of(demo.home, username) == "established"
    after = count(demo.home, "ledger_event", "action = 'person.employment_changed'")
    assert after == before


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"LAWTRAIL_DEBUG": "maybe"}, "LAWTRAIL_DEBUG='maybe'"),
        ({"DATABASE_URL": "mysql://u:p@db/lawtrail"}, "DATABASE_URL"),
    ],
)
def test_a_bad_setting_is_one_sentence_and_exit_2(
    tmp_path: Path, env: dict[str, str], said: str
) -> None:
    result = lawtrail(tmp_path, "user", "list", LAWTRAIL_SECRET_KEY="k" * 40, **env)
    assert result.returncode == 2
    assert result.stderr.startswith("lawtrail: ") and said in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
