"""Helpers of the compliance tests: run the engine and read what it found."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from lawtrail.compliance.checks.base import Scope
from lawtrail.compliance.engine import Report, evaluate
from lawtrail.compliance.models import Finding


def scan(rule: str, *, now: datetime.datetime | None = None, scope: Scope | None = None) -> Report:
    """A scan of one rule at ``now`` (default: the real now), over everything or ``scope``."""
    return evaluate(scope, now=now or timezone.now(), rules=[rule], count=True)


def findings(rule: str, **filters: Any) -> list[Finding]:
    return list(Finding.objects.filter(rule_id=rule, **filters).order_by("id"))


def open_findings(rule: str, **filters: Any) -> list[Finding]:
    return findings(rule, state=Finding.State.OPEN, **filters)


def days_later(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)
