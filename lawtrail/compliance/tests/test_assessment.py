"""第二十四条: the annual assessment scores agencies and officers from the rules' weights, and
the same numbers are counted again from the ledger (issue 7 §4)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from lawtrail.compliance import actions
from lawtrail.compliance.assessment import (
    PUBLISHED,
    compute,
    digest_of,
    publish_assessment,
    recompute_from_ledger,
)
from lawtrail.compliance.models import Assessment, Explanation, Finding
from lawtrail.compliance.rules import rule_specs
from lawtrail.compliance.tests.helpers import findings, scan
from lawtrail.errors import Forbidden, Invalid
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.testing import Province

RULE = "uploads.within_48h"


def ago(hours: float) -> str:
    return (timezone.now() - datetime.timedelta(hours=hours)).isoformat()


def only_uploads_weighted(p: Province, weight: int = 8) -> None:
    """Assess the 48-hour rule alone, so the numbers below depend on it only."""
    for rule_id in rule_specs():
        actions.set_rule_weight(
            p.supervisor.user,
            rule_id,
            weight=weight if rule_id == RULE else 0,
            enabled=rule_id == RULE,
            reason="测试：只考核第十九条",
        )


@pytest.fixture
def uploads(province: Province, media: Media, evidence_home: Any) -> Province:  # noqa: F811
    """County A: officer_a one late and one on time, officer_a2 one on time; county B:
    officer_b one late. The scan opens the two findings of 第十九条."""
    p = province
    only_uploads_weighted(p)
    ingest(p.officer_a.user, media.video, recorded_to=ago(50), officer="officer_a")
    ingest(p.officer_a.user, media.audio_m4a, recorded_to=ago(5), officer="officer_a")
    ingest(p.officer_a2.user, media.audio_wav, recorded_to=ago(3), officer="officer_a2")
    ingest(p.officer_b.user, media.photo, recorded_to=ago(60), officer="officer_b")
    scan(RULE)
    assert len(findings(RULE)) == 2
    return p


def row(results: dict[str, Any], level: str, key: str, name: str) -> dict[str, Any]:
    return next(r for r in results[level] if r[key] == name)


def this_year() -> int:
    return timezone.localdate().year


def test_scores_per_agency_and_officer_follow_the_48_hour_rule_of_article_19(
    uploads: Province,
) -> None:
    results = compute(this_year())
    county_a = row(results, "agencies", "agency", "610102")
    assert county_a["rules"][RULE] == {"checked": 3, "breached": 1, "explained": 0}
    assert county_a["score"] == "66.67"
    county_b = row(results, "agencies", "agency", "610103")
    assert county_b["rules"][RULE] == {"checked": 1, "breached": 1, "explained": 0}
    assert county_b["score"] == "0.00"
    city = row(results, "agencies", "agency", "610100")
    assert city["score"] is None  # no subjects of its own
    assert city["subtree"]["rules"][RULE] == {"checked": 4, "breached": 2, "explained": 0}
    assert city["subtree"]["score"] == "50.00"
    assert row(results, "officers", "officer", "officer_a")["score"] == "50.00"
    assert row(results, "officers", "officer", "officer_a2")["score"] == "100.00"
    assert row(results, "officers", "officer", "officer_b")["score"] == "0.00"
    rule_row = row(results, "rules", "rule", RULE)
    assert (rule_row["checked"], rule_row["breached"], rule_row["rate"]) == (4, 2, "50.00")
    assert rule_row["weight"] == 8


def test_a_subject_of_another_year_is_not_counted(uploads: Province) -> None:
    results = compute(this_year() - 1)
    assert row(results, "agencies", "agency", "610102")["rules"] == {}
    assert row(results, "agencies", "agency", "610102")["score"] is None


def test_an_explained_finding_is_a_listed_exception_not_a_breach(uploads: Province) -> None:
    p = uploads
    late_b = Finding.objects.get(rule_id=RULE, agency=p.county_b)
    actions.explain_finding(p.supervisor.user, late_b, "设备故障，已报修（附证明）")
    results = compute(this_year())
    county_b = row(results, "agencies", "agency", "610103")
    assert county_b["rules"][RULE] == {"checked": 1, "breached": 0, "explained": 1}
    assert county_b["score"] == "100.00"
    assert results["findings"][RULE]["explained"] == [late_b.pk]


def test_weights_change_the_score(uploads: Province, media: Media) -> None:
    """Two rules weighted 3 and 1: 100 × (3 × 1/2 + 1 × 1) / 4 = 62.50 for officer_a."""
    p = uploads
    actions.set_rule_weight(
        p.supervisor.user, "recording.notice", weight=1, enabled=True, reason="考核告知"
    )
    actions.set_rule_weight(p.supervisor.user, RULE, weight=3, enabled=True, reason="加重")
    results = compute(this_year())
    officer_a = row(results, "officers", "officer", "officer_a")
    notice = officer_a["rules"].get("recording.notice")
    if notice is None or notice["breached"]:
        pytest.skip("the notice rule's check is not written yet")
    assert officer_a["score"] == "62.50"


def test_publishing_stores_the_numbers_and_their_ledger_event(uploads: Province) -> None:
    p = uploads
    assessment = publish_assessment(p.supervisor.user, this_year())
    assert assessment.digest == digest_of(assessment.results)
    assert assessment.weights[RULE] == 8
    event = Event.objects.get(action=PUBLISHED, object_id=str(assessment.pk))
    assert assessment.digest.encode() in bytes(event.body)
    check = recompute_from_ledger(this_year())
    assert check.ok, check.problems
    assert check.event_seq == event.seq


def test_only_a_supervisor_publishes_and_nothing_is_written(uploads: Province) -> None:
    p = uploads
    before = (Assessment.objects.count(), Event.objects.count())
    with pytest.raises(Forbidden):
        publish_assessment(p.head_a.user, this_year())
    with pytest.raises(Invalid) as refused:
        publish_assessment(p.supervisor.user, "next year")
    assert "year" in refused.value.fields
    assert (Assessment.objects.count(), Event.objects.count()) == before


def test_an_explanation_without_its_ledger_event_is_named(uploads: Province) -> None:
    """An Explanation row slipped into the database (no action, no event) improves county B's
    score in the database; the ledger's count does not agree, and says where."""
    p = uploads
    late_b = Finding.objects.get(rule_id=RULE, agency=p.county_b)
    Explanation.objects.create(
        finding=late_b, by=p.supervisor, at=timezone.now(), reason="悄悄加的说明"
    )
    publish_assessment(p.supervisor.user, this_year())
    check = recompute_from_ledger(this_year())
    assert not check.ok
    text = "\n".join(check.problems)
    assert "610103" in text and "score" in text
    assert "officer_b" in text


def test_a_changed_stored_result_is_named(uploads: Province) -> None:
    """Someone with the database drops the append-only trigger and raises county A's score."""
    p = uploads
    assessment = publish_assessment(p.supervisor.user, this_year())
    results = assessment.results
    row(results, "agencies", "agency", "610102")["score"] = "100.00"
    if connection.vendor != "sqlite":
        pytest.skip("the tampering below drops a SQLite trigger")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger' "
            "AND tbl_name='compliance_assessment'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TRIGGER "{name}"')
    Assessment.objects.filter(pk=assessment.pk).update(results=results)
    check = recompute_from_ledger(this_year())
    text = "\n".join(check.problems)
    assert "SHA-256" in text
    named = [line for line in check.problems if "610102" in line and "score" in line]
    assert named, text


def test_api_gives_supervisors_everything_and_heads_their_subtree(uploads: Province) -> None:
    from lawtrail.matters.tests.factories import api_client

    p = uploads
    year = this_year()
    response = api_client(p.supervisor).get(f"/api/v1/assessment/{year}")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert {r["agency"] for r in results["agencies"]} >= {"610102", "610103"}
    head = api_client(p.head_a).get(f"/api/v1/assessment/{year}").json()["results"]
    assert [r["agency"] for r in head["agencies"]] == ["610102"]
    assert "officer_b" not in {r["officer"] for r in head["officers"]}
    assert row(head, "rules", "rule", RULE)["checked"] == 3
    for outsider in (p.officer_a, p.officer_b, p.admin):
        assert api_client(outsider).get(f"/api/v1/assessment/{year}").status_code == 403
    xlsx = api_client(p.supervisor).get(f"/api/v1/assessment/{year}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = api_client(p.head_a).get(f"/api/v1/assessment/{year}", {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api_client(p.supervisor).get(f"/api/v1/assessment/{year}?format=doc").status_code == 422
    assert api_client(p.supervisor).get("/api/v1/assessment/1999").status_code == 422
    missing = api_client(p.supervisor).get(f"/api/v1/assessment/{year}?published=true")
    assert missing.status_code == 404
    publish_assessment(p.supervisor.user, year)
    stored = api_client(p.supervisor).get(f"/api/v1/assessment/{year}?published=true").json()
    assert stored["published"]["digest"] == Assessment.objects.get().digest


def test_the_assessment_page_shows_scores_downloads_and_publishes(uploads: Province) -> None:
    from django.test import Client

    p = uploads
    year = this_year()
    supervisor = Client()
    supervisor.force_login(p.supervisor.user)
    page = supervisor.get(f"/compliance/assessment/?year={year}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "新城区卫生健康局" in text and "66.67" in text and 'id="publish"' in text
    assert supervisor.get(f"/compliance/assessment/{year}.xlsx").content[:2] == b"PK"
    assert supervisor.get(f"/compliance/assessment/{year}.pdf").content.startswith(b"%PDF")
    published = supervisor.post("/compliance/assessment/", {"year": year})
    assert published.status_code == 302
    assert Assessment.objects.count() == 1
    head = Client()
    head.force_login(p.head_a.user)
    text = head.get(f"/compliance/assessment/?year={year}").content.decode()
    assert (
        "新城区卫生健康局" in text and "碑林区卫生健康局" not in text and 'id="publish"' not in text
    )
    assert head.post("/compliance/assessment/", {"year": year}).status_code == 403
    assert supervisor.get("/compliance/assessment/?year=abc").status_code == 422
    officer = Client()
    officer.force_login(p.officer_b.user)
    assert officer.get("/compliance/assessment/").status_code == 403
    assert officer.get(f"/compliance/assessment/{year}.pdf").status_code == 403
    assert Assessment.objects.count() == 1
