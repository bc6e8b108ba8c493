"""第十八条: the case file is archived within 30 days of the end of the enforcement action.

The archive (issue 8) appends the ledger event ``archive.package.created`` with the matter's
context; the tests append that event themselves, through the real ledger.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from lawtrail.compliance.checks.archiving import ARCHIVED_ACTION
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import days_later, findings, open_findings, scan
from lawtrail.ledger import events
from lawtrail.matters.models import Matter

pytestmark = pytest.mark.django_db

RULE = "archive.within_30_days"


def ended(matter: Matter, days_ago: int) -> Matter:
    """Test arrangement: the action ended ``days_ago`` (Matter is not an append-only table)."""
    moment = timezone.now() - datetime.timedelta(days=days_ago)
    Matter.objects.filter(pk=matter.pk).update(ended_at=moment)
    matter.refresh_from_db()
    return matter


def archive(matter: Matter) -> None:
    with transaction.atomic():
        events.append(
            events.SYSTEM, ARCHIVED_ACTION, matter, {"matter": matter.pk}, context=matter.context
        )


def test_a_matter_still_open_is_not_judged(matter: Matter) -> None:
    scan(RULE, now=days_later(400))
    assert findings(RULE) == []


def test_unarchived_31_days_after_the_end_fires_and_archiving_closes_it(matter: Matter) -> None:
    ended(matter, 40)
    scan(RULE)
    (finding,) = open_findings(RULE, subject=f"matter:{matter.pk}")
    assert finding.article == "第十八条"
    archive(matter)
    scan(RULE)
    (closed,) = findings(RULE)
    assert closed.state == Finding.State.CLOSED
    assert "fulfilled_late_at" in closed.closed_because


def test_the_30th_day_is_still_in_time(matter: Matter) -> None:
    ended(matter, 10)
    scan(RULE, now=days_later(19))
    assert findings(RULE) == []
    scan(RULE, now=days_later(21))
    assert len(open_findings(RULE)) == 1


def test_archived_in_time_is_compliant(matter: Matter) -> None:
    ended(matter, 10)
    archive(matter)
    scan(RULE, now=days_later(60))
    assert findings(RULE) == []


def test_another_matters_archive_event_does_not_count(matter: Matter) -> None:
    ended(matter, 40)
    with transaction.atomic():
        events.append(
            events.SYSTEM,
            ARCHIVED_ACTION,
            matter,
            {"matter": matter.pk},
            context=f"matter/{matter.pk + 1000}",
        )
    scan(RULE)
    assert len(open_findings(RULE)) == 1
