"""A finding can be explained — a justified exception, by whom and why — but not hidden."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from lawtrail.compliance.actions import explain_finding, set_rule_weight
from lawtrail.compliance.models import Explanation, Finding, RuleSetting
from lawtrail.compliance.rules import weights
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger.models import Event
from lawtrail.testing import Province


def a_finding(p: Province) -> Finding:
    return Finding.objects.create(
        rule_id="uploads.within_48h",
        article="第十九条",
        severity="high",
        subject="acquisition:1",
        agency=p.county_a,
        opened_at=timezone.now(),
        opened_because={},
    )


def test_the_head_explains_a_finding_and_the_ledger_says_so(province: Province) -> None:
    finding = a_finding(province)

    explanation = explain_finding(province.head_a.user, finding, "  暴雨断网，次日补传  ")

    assert explanation.reason == "暴雨断网，次日补传"
    assert explanation.by == province.head_a
    event = Event.objects.get(action="compliance.finding.explained")
    body = json.loads(bytes(event.body))
    assert body["payload"]["reason"] == "暴雨断网，次日补传"
    finding.refresh_from_db()
    assert finding.state == Finding.State.OPEN  # explained, not hidden


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "head_city_other", "admin"])
def test_only_heads_above_and_supervisors_explain(province: Province, who: str) -> None:
    finding = a_finding(province)
    if who == "head_city_other":
        finding = Finding.objects.create(
            rule_id="uploads.within_48h",
            article="第十九条",
            severity="high",
            subject="acquisition:2",
            agency=province.province,
            opened_at=timezone.now(),
            opened_because={},
        )
        user = province.head_city.user
    else:
        user = getattr(province, who).user
    events = Event.objects.count()

    with pytest.raises(Forbidden):
        explain_finding(user, finding, "理由")

    assert Explanation.objects.count() == 0 and Event.objects.count() == events


def test_the_supervisor_and_the_city_head_may_explain(province: Province) -> None:
    finding = a_finding(province)
    explain_finding(province.supervisor.user, finding, "省级核实")
    explain_finding(province.head_city.user, finding, "市级核实")
    assert finding.explanations.count() == 2


@pytest.mark.parametrize("reason", ["", "   ", None, 7, "长" * 2001])
def test_an_explanation_needs_a_reason(province: Province, reason: object) -> None:
    finding = a_finding(province)
    with pytest.raises(Invalid) as refused:
        explain_finding(province.head_a.user, finding, reason)
    assert refused.value.fields["reason"]
    assert Explanation.objects.count() == 0


def test_a_supervisor_reweights_a_rule(province: Province) -> None:
    set_rule_weight(province.supervisor.user, "uploads.within_48h", weight=20, reason="年度重点")
    assert weights()["uploads.within_48h"] == 20
    assert Event.objects.filter(action="compliance.rule.weighted").count() == 1


@pytest.mark.parametrize(
    ("rule", "weight", "field"),
    [
        ("no.such.rule", 5, "rule"),
        ("uploads.within_48h", -1, "weight"),
        ("uploads.within_48h", 101, "weight"),
        ("uploads.within_48h", True, "weight"),
        ("uploads.within_48h", "5", "weight"),
    ],
)
def test_bad_weights_are_refused(province: Province, rule: str, weight: object, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        set_rule_weight(province.supervisor.user, rule, weight=weight, reason="调整")
    assert field in refused.value.fields
    assert RuleSetting.objects.count() == 0


def test_only_a_supervisor_reweights(province: Province) -> None:
    with pytest.raises(Forbidden):
        set_rule_weight(province.head_a.user, "uploads.within_48h", weight=3, reason="调整")
