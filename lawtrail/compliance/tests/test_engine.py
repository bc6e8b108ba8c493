"""The engine (issue 7 §2) on the 48-hour rule of 第十九条: findings open with the facts of why,
close with the facts of why, are never opened twice for one breach, and every change is in the
ledger in the same transaction."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from lawtrail.compliance.checks.base import Scope
from lawtrail.compliance.engine import evaluate
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import findings, open_findings, scan
from lawtrail.evidence.ingest import IngestInput, ingest_file
from lawtrail.evidence.models import Acquisition
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.testing import Province

RULE = "uploads.within_48h"

pytestmark = pytest.mark.usefixtures("evidence_home")


def recording(
    p: Province, tmp_path: Path, name: str, *, ended_hours_ago: float, matter: Matter | None = None
) -> Acquisition:
    """A photo taken by officer_a whose recording ended ``ended_hours_ago``, uploaded now."""
    path = tmp_path / name
    path.write_bytes(name.encode() * 64)
    ended = timezone.now() - datetime.timedelta(hours=ended_hours_ago)
    return ingest_file(
        p.officer_a.user,
        path,
        IngestInput(
            filename=name,
            officer=p.officer_a.user.username,
            matter=matter.number if matter else "",
            recorded_from=(ended - datetime.timedelta(minutes=5)).isoformat(),
            recorded_to=ended.isoformat(),
        ),
    )


def test_a_late_upload_is_recorded_as_a_closed_finding_naming_article_19(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    late = recording(province, tmp_path, "late.jpg", ended_hours_ago=52, matter=matter)
    recording(province, tmp_path, "on-time.jpg", ended_hours_ago=3, matter=matter)

    report = scan(RULE)

    (run,) = report.rules
    assert (run.checked, run.breached, run.opened, run.closed) == (2, 1, 1, 1)
    (finding,) = findings(RULE)
    assert finding.subject == f"acquisition:{late.pk}"
    assert finding.article == "第十九条"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert finding.evidence_id == late.evidence_id
    assert list(finding.officers.all()) == [province.officer_a]
    assert finding.state == Finding.State.CLOSED
    assert float(finding.opened_because["hours_taken"]) == pytest.approx(52, abs=0.2)
    assert (
        finding.opened_because["due"]
        == (late.recorded_to + datetime.timedelta(hours=48)).isoformat()
    )
    assert finding.closed_because["fulfilled_late_at"] == late.acquired_at.isoformat()


def test_a_breach_is_recorded_once_however_often_the_rules_run(
    province: Province, tmp_path: Path
) -> None:
    recording(province, tmp_path, "late.jpg", ended_hours_ago=60)
    scan(RULE)
    again = scan(RULE)

    assert (again.rules[0].opened, again.rules[0].closed) == (0, 0)
    assert len(findings(RULE)) == 1


def test_opening_and_closing_are_ledger_events_with_the_facts(
    province: Province, tmp_path: Path
) -> None:
    late = recording(province, tmp_path, "late.jpg", ended_hours_ago=49)
    before = Event.objects.count()

    scan(RULE)

    new = Event.objects.filter(seq__gte=before).order_by("seq")
    assert [e.action for e in new] == ["compliance.findings.opened", "compliance.findings.closed"]
    opened = json.loads(bytes(new[0].body))
    assert opened["object"] == f"compliance.rule/{RULE}"
    (entry,) = opened["payload"]["findings"]
    assert entry["subject"] == f"acquisition:{late.pk}"
    assert entry["officers"] == [province.officer_a.pk]
    assert opened["payload"]["agency"] == province.county_a.pk


def test_an_open_finding_closes_with_the_facts_once_the_subject_no_longer_breaks_the_rule(
    province: Province, tmp_path: Path
) -> None:
    """Judged before the upload was late (``now`` in the past) nothing opens; an open finding
    made by a rule whose duty is then met closes with why (the two-state life of a finding)."""
    late = recording(province, tmp_path, "late.jpg", ended_hours_ago=50)
    finding = Finding.objects.create(
        rule_id=RULE,
        article="第十九条",
        severity="high",
        subject=f"acquisition:{late.pk}",
        agency=province.county_a,
        opened_at=timezone.now(),
        opened_because={"arranged": True},
    )
    # The subject is breached-but-fulfilled: the open finding closes as fulfilled late.
    scan(RULE)
    finding.refresh_from_db()
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["fulfilled_late_at"] == late.acquired_at.isoformat()
    assert len(findings(RULE)) == 1  # no second finding for the same breach


def test_an_open_finding_whose_subject_is_fine_closes_as_fulfilled(
    province: Province, tmp_path: Path
) -> None:
    fine = recording(province, tmp_path, "fine.jpg", ended_hours_ago=2)
    finding = Finding.objects.create(
        rule_id=RULE,
        article="第十九条",
        severity="high",
        subject=f"acquisition:{fine.pk}",
        agency=province.county_a,
        opened_at=timezone.now(),
        opened_because={"arranged": True},
    )

    report = scan(RULE)

    assert report.rules[0].closed == 1
    finding.refresh_from_db()
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["fulfilled"] is True
    assert finding.closed_because["facts"]["done"] == fine.acquired_at.isoformat()


def test_an_incremental_evaluation_judges_only_its_scope(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    recording(province, tmp_path, "in-scope.jpg", ended_hours_ago=50, matter=matter)
    outside = recording(province, tmp_path, "outside.jpg", ended_hours_ago=50)

    evaluate(Scope.of(matters={matter.pk}), rules=[RULE])

    assert [f.matter_id for f in findings(RULE)] == [matter.pk]
    evaluate(Scope.of(evidence={outside.evidence_id}), rules=[RULE])
    assert len(findings(RULE)) == 2


def test_an_incremental_event_names_the_matter_as_its_context(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    recording(province, tmp_path, "late.jpg", ended_hours_ago=50, matter=matter)
    evaluate(Scope.of(matters={matter.pk}), rules=[RULE])
    contexts = set(
        Event.objects.filter(action__startswith="compliance.findings").values_list(
            "context", flat=True
        )
    )
    assert contexts == {matter.context}


def test_a_disabled_rule_does_not_run(province: Province, tmp_path: Path) -> None:
    from lawtrail.compliance.actions import set_rule_weight

    recording(province, tmp_path, "late.jpg", ended_hours_ago=50)
    set_rule_weight(province.supervisor.user, RULE, weight=0, enabled=False, reason="试点期间停用")

    report = evaluate()

    assert RULE not in [run.rule_id for run in report.rules]
    assert open_findings(RULE) == [] and findings(RULE) == []
