"""The rules as data (``rules.json``): id, articles, trigger, condition, deadline, severity,
weight and validity dates. The code of each rule is its check (``checks/``), registered under
the same id; start-up refuses a rule without a check or a check without a rule."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

RULES_FILE = Path(__file__).with_name("rules.json")
SEVERITIES = ("high", "medium", "low")
UNITS = ("hours", "days", "working_days")
SUBJECTS = ("matter", "acquisition", "record", "service")


@dataclass(frozen=True)
class Deadline:
    amount: int
    unit: str  # hours, days or working_days

    def as_timedelta(self) -> datetime.timedelta:
        if self.unit == "hours":
            return datetime.timedelta(hours=self.amount)
        if self.unit == "days":
            return datetime.timedelta(days=self.amount)
        raise ValueError("working days depend on the calendar; use compliance.calendar")


@dataclass(frozen=True)
class RuleSpec:
    id: str
    title: str
    articles: tuple[str, ...]
    subject: str
    trigger: str
    condition: str
    deadline: Deadline | None
    severity: str
    weight: int
    valid_from: datetime.date
    valid_to: datetime.date | None

    @property
    def article(self) -> str:
        """The first article: the one a finding names."""
        return self.articles[0]

    def in_force(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _spec(raw: dict[str, Any]) -> RuleSpec:
    deadline = raw.get("deadline")
    spec = RuleSpec(
        id=raw["id"],
        title=raw["title"],
        articles=tuple(raw["articles"]),
        subject=raw["subject"],
        trigger=raw["trigger"],
        condition=raw["condition"],
        deadline=Deadline(int(deadline["amount"]), deadline["unit"]) if deadline else None,
        severity=raw["severity"],
        weight=int(raw["weight"]),
        valid_from=datetime.date.fromisoformat(raw["valid_from"]),
        valid_to=datetime.date.fromisoformat(raw["valid_to"]) if raw.get("valid_to") else None,
    )
    problems = []
    if spec.severity not in SEVERITIES:
        problems.append(f"severity {spec.severity!r}")
    if spec.subject not in SUBJECTS:
        problems.append(f"subject {spec.subject!r}")
    if spec.deadline and (spec.deadline.unit not in UNITS or spec.deadline.amount < 1):
        problems.append(f"deadline {spec.deadline}")
    if not spec.articles:
        problems.append("no article")
    if problems:
        raise ImproperlyConfigured(f"{RULES_FILE.name}: rule {spec.id}: bad " + ", ".join(problems))
    return spec


@cache
def rule_specs() -> dict[str, RuleSpec]:
    raw = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    specs: dict[str, RuleSpec] = {}
    for item in raw["rules"]:
        spec = _spec(item)
        if spec.id in specs:
            raise ImproperlyConfigured(f"{RULES_FILE.name}: rule {spec.id} twice")
        specs[spec.id] = spec
    return specs


def rule(rule_id: str) -> RuleSpec:
    try:
        return rule_specs()[rule_id]
    except KeyError:
        raise ImproperlyConfigured(f"no rule {rule_id!r} in {RULES_FILE.name}") from None


def weights() -> dict[str, int]:
    """Each rule's weight now: its RuleSetting if one was made, else rules.json (第二十四条)."""
    from lawtrail.compliance.models import RuleSetting

    current = {rule_id: spec.weight for rule_id, spec in rule_specs().items()}
    for setting in RuleSetting.objects.all():
        if setting.rule_id in current:
            current[setting.rule_id] = setting.weight if setting.enabled else 0
    return current


def enabled_rules() -> set[str]:
    from lawtrail.compliance.models import RuleSetting

    disabled = set(RuleSetting.objects.filter(enabled=False).values_list("rule_id", flat=True))
    return set(rule_specs()) - disabled
