"""The rules as data (issue 7 §1): every rule in rules.json has exactly one check and every
check a rule; each names its articles, severity, weight and validity; numbers from the law
live in the data (DESIGN.md §3), not in the code."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from lawtrail.compliance import rules
from lawtrail.compliance.checks import checks
from lawtrail.compliance.rules import RuleSpec, rule_specs

REQUIRED = {
    "staffing.two_certified": "第十条",
    "recording.av_mandatory": "第十四条",
    "recording.notice": "第十七条",
    "records.signature": "第十三条(三)",
    "records.service_proof": "第十三条(五)",
    "uploads.within_48h": "第十九条",
    "archive.within_30_days": "第十八条",
    "devices.assigned_officer": "第二十三条",
    "decisions.head_approval": "第十三条(四)",
    "decisions.legal_review": "第十三条(四)",
    "decisions.collective_discussion": "第十三条(四)",
}
PROCEDURE = ["P-06", "P-07", "P-09", "P-12", "P-13", "P-17", "P-19", "P-22", "P-24", "P-25"]


def test_every_rule_the_issue_names_is_there_with_its_article() -> None:
    specs = rule_specs()
    for rule_id, article in REQUIRED.items():
        assert specs[rule_id].article == article
    for number in PROCEDURE:
        assert f"procedure.{number}" in specs


def test_every_rule_has_one_check_and_every_check_a_rule() -> None:
    assert set(checks()) == set(rule_specs())


def test_deadlines_in_the_data_match_the_law() -> None:
    specs = rule_specs()
    assert (
        specs["uploads.within_48h"].deadline.amount,
        specs["uploads.within_48h"].deadline.unit,
    ) == (48, "hours")  # type: ignore[union-attr]
    assert specs["archive.within_30_days"].deadline.amount == 30  # type: ignore[union-attr]
    # 行政处罚法 第八十五条: periods of ten days or less count working days.
    for spec in specs.values():
        if spec.deadline and spec.deadline.unit == "days":
            assert spec.deadline.amount > 10, spec.id


def test_a_rule_in_force_only_within_its_dates() -> None:
    spec = rule_specs()["procedure.P-09"]
    assert spec.in_force(datetime.date(2026, 1, 1))
    assert not spec.in_force(spec.valid_from - datetime.timedelta(days=1))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("severity", "dire"),
        ("subject", "planet"),
        ("deadline", {"amount": 0, "unit": "days"}),
        ("deadline", {"amount": 3, "unit": "fortnights"}),
        ("articles", []),
    ],
)
def test_bad_rule_data_is_refused_at_start_up(field: str, value: object) -> None:
    raw = {
        "id": "x.y",
        "title": "t",
        "articles": ["第一条"],
        "subject": "matter",
        "trigger": "t",
        "condition": "c",
        "deadline": None,
        "severity": "low",
        "weight": 1,
        "valid_from": "2020-01-01",
        "valid_to": None,
    }
    raw[field] = value
    with pytest.raises(ImproperlyConfigured):
        rules._spec(raw)


def test_a_spec_reads_back() -> None:
    assert isinstance(rule_specs()["uploads.within_48h"], RuleSpec)
