"""``lawtrail compliance assess`` (第二十四条) and ``lawtrail compliance audit`` (第十一条):
exit 0 done, 1 the ledger disagrees, 2 bad input with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from lawtrail.cli import main
from lawtrail.compliance.models import Assessment, AuditSample, Explanation, Finding
from lawtrail.compliance.tests.test_assessment import RULE, this_year
from lawtrail.compliance.tests.test_assessment import uploads as uploads
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.ledger.models import Event
from lawtrail.records.tests.helpers import open_matter
from lawtrail.testing import Province


def test_assess_prints_json_and_writes_both_exports(
    uploads: Province, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    xlsx, pdf = out / "2026.xlsx", out / "2026.pdf"
    argv = ["compliance", "assess", "--year", str(this_year()), "--json"]
    assert main([*argv, "--xlsx", str(xlsx), "--pdf", str(pdf)]) == 0
    report = json.loads(capsys.readouterr().out)
    county_a = next(r for r in report["results"]["agencies"] if r["agency"] == "610102")
    assert county_a["rules"][RULE]["breached"] == 1 and county_a["score"] == "66.67"
    assert len(load_workbook(xlsx).sheetnames) == 4  # agencies, officers, rules, method
    assert pdf.read_bytes().startswith(b"%PDF")
    assert Assessment.objects.count() == 0  # not published


def test_publish_then_verify_against_the_ledger(
    uploads: Province, capsys: pytest.CaptureFixture[str]
) -> None:
    year = str(this_year())
    assert main(["compliance", "assess", "--year", year, "--publish", "--as", "supervisor"]) == 0
    assert "SHA-256" in capsys.readouterr().out
    assert Assessment.objects.count() == 1
    assert main(["compliance", "assess", "--year", year, "--verify-ledger"]) == 0
    late_b = Finding.objects.get(rule_id=RULE, agency=uploads.county_b)
    Explanation.objects.create(
        finding=late_b, by=uploads.supervisor, at=timezone.now(), reason="无事件的说明"
    )
    assert main(["compliance", "assess", "--year", year, "--publish", "--as", "supervisor"]) == 0
    capsys.readouterr()
    assert main(["compliance", "assess", "--year", year, "--verify-ledger", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert any("610103" in p for p in report["verification"]["problems"])


@pytest.mark.parametrize(
    "extra",
    [
        ["--year", "twenty"],
        ["--year", "1999"],
        ["--year", "2026", "--publish"],
        ["--year", "2026", "--publish", "--as", "head_a"],
        ["--year", "2026", "--publish", "--as", "nobody"],
        ["--year", "2026", "--as", "supervisor"],
        ["--year", "2026", "--xlsx", "{tmp}/a.pdf"],
        ["--year", "2026", "--pdf", "{tmp}/missing/a.pdf"],
        ["--year", "2026", "--pdf", "{tmp}/exists.pdf"],
    ],
)
def test_bad_assess_input_exits_2_and_writes_nothing(
    uploads: Province, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    (tmp_path / "exists.pdf").write_bytes(b"keep")
    before = (Assessment.objects.count(), Event.objects.count(), sorted(tmp_path.iterdir()))
    argv = ["compliance", "assess", *[a.replace("{tmp}", str(tmp_path)) for a in extra]]
    assert main(argv) == 2
    assert capsys.readouterr().err.strip()
    assert (Assessment.objects.count(), Event.objects.count(), sorted(tmp_path.iterdir())) == before
    assert (tmp_path / "exists.pdf").read_bytes() == b"keep"


def test_verify_without_a_published_assessment_exits_2(
    province: Province, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compliance", "assess", "--year", "2026", "--verify-ledger"]) == 2
    assert "2026" in capsys.readouterr().err


def test_audit_draw_and_show(province: Province, capsys: pytest.CaptureFixture[str]) -> None:
    matters = [open_matter(province) for _ in range(4)]
    today = timezone.localdate().isoformat()
    argv = [
        "compliance",
        "audit",
        "draw",
        "--agency",
        "610102",
        "--size",
        "2",
        "--from",
        today,
        "--to",
        today,
        "--seed",
        "第十一条",
        "--as",
        "head_a",
        "--json",
    ]
    assert main(argv) == 0
    drawn = json.loads(capsys.readouterr().out)
    assert drawn["seed"] == "第十一条" and drawn["population"] == 4 and drawn["size"] == 2
    assert {i["matter"] for i in drawn["items"]} <= {m.number for m in matters}
    assert main(["compliance", "audit", "show", str(drawn["id"])]) == 0
    assert "第十一条" in capsys.readouterr().out
    assert main(["compliance", "audit", "show", str(drawn["id"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == drawn["items"]


@pytest.mark.parametrize(
    "extra",
    [
        ["--agency", "999999", "--size", "2", "--as", "head_a"],
        ["--agency", "610102", "--size", "0", "--as", "head_a"],
        ["--agency", "610102", "--size", "x", "--as", "head_a"],
        ["--agency", "610102", "--size", "2"],
        ["--agency", "610102", "--size", "2", "--as", "officer_b"],
        ["--agency", "610102", "--size", "2", "--from", "2026-02-30", "--as", "head_a"],
        [
            "--agency",
            "610102",
            "--size",
            "2",
            "--from",
            "2000-01-01",
            "--to",
            "2000-01-02",
            "--as",
            "head_a",
        ],
    ],
)
def test_bad_audit_input_exits_2_and_writes_nothing(
    province: Province, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    open_matter(province)
    before = (AuditSample.objects.count(), Event.objects.count())
    assert main(["compliance", "audit", "draw", *extra]) == 2
    assert capsys.readouterr().err.strip()
    assert (AuditSample.objects.count(), Event.objects.count()) == before
    assert main(["compliance", "audit", "show", "12345"]) == 2
