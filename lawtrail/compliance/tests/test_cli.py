"""``lawtrail compliance scan | rules | calendar load`` (issue 7 §3), in-process."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from lawtrail.cli import main
from lawtrail.compliance.models import CalendarDay, Finding
from lawtrail.compliance.rules import rule_specs
from lawtrail.evidence.ingest import IngestInput, ingest_file
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.ledger.models import Event
from lawtrail.testing import Province

pytestmark = pytest.mark.usefixtures("evidence_home")


def late_photo(p: Province, tmp_path: Path) -> None:
    path = tmp_path / "late.jpg"
    path.write_bytes(b"late" * 100)
    ended = timezone.now() - datetime.timedelta(hours=70)
    ingest_file(
        p.officer_a.user,
        path,
        IngestInput(filename="late.jpg", officer="officer_a", recorded_to=ended.isoformat()),
    )


def test_scan_reports_every_rule_in_json(
    province: Province, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late_photo(province, tmp_path)

    assert main(["compliance", "scan", "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert report["full"] is True
    by_rule = {run["rule"]: run for run in report["rules"]}
    assert set(by_rule) <= set(rule_specs())
    assert by_rule["uploads.within_48h"]["checked"] == 1
    assert by_rule["uploads.within_48h"]["opened"] == 1
    assert Finding.objects.filter(rule_id="uploads.within_48h").count() == 1


def test_scan_in_words_names_the_article(
    province: Province, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late_photo(province, tmp_path)
    assert main(["compliance", "scan", "--rule", "uploads.within_48h"]) == 0
    out = capsys.readouterr().out
    assert "uploads.within_48h" in out and "第十九条" in out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["compliance", "scan", "--rule", "no.such.rule"], "no.such.rule"),
        (["compliance", "scan", "--every", "5"], "--every"),
        (["compliance", "scan", "--loop", "--every", "0"], "--every"),
        (["compliance", "scan", "--loop", "--every", "x"], "--every"),
        (["compliance", "scan", "--loop", "--json"], "--json"),
    ],
)
def test_bad_scan_arguments_exit_2_with_a_sentence_and_change_nothing(
    province: Province, argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    events = Event.objects.count()
    assert main(argv) == 2
    assert says in capsys.readouterr().err
    assert Event.objects.count() == events
    assert Finding.objects.count() == 0


def test_rules_lists_every_rule_with_its_weight(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compliance", "rules", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["id"] for row in rows} == set(rule_specs())
    assert all(row["articles"] and row["weight"] >= 0 for row in rows)


def test_calendar_load_rewrites_the_calendar(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    CalendarDay.objects.filter(date=datetime.date(2026, 10, 1)).update(is_working=True)
    assert main(["compliance", "calendar", "load"]) == 0
    assert "2026" in capsys.readouterr().out
    day = CalendarDay.objects.get(date=datetime.date(2026, 10, 1))
    assert not day.is_working and day.name == "国庆节" and day.official
