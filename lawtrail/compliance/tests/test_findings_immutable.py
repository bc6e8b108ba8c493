"""Findings are never deleted and change only by closing (issue 7 §2, 第二十六条); explanations
are append-only. The database refuses, whatever path a change takes."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lawtrail.compliance.actions import explain_finding
from lawtrail.compliance.models import Explanation, Finding
from lawtrail.testing import Province


def a_finding(p: Province) -> Finding:
    return Finding.objects.create(
        rule_id="uploads.within_48h",
        article="第十九条",
        severity="high",
        subject="acquisition:1",
        agency=p.county_a,
        opened_at=timezone.now(),
        opened_because={"hours_taken": "52.0"},
    )


def refused(sql: str, params: list[object]) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_finding_cannot_be_deleted(province: Province) -> None:
    finding = a_finding(province)
    refused("DELETE FROM compliance_finding WHERE id = %s", [finding.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        Finding.objects.filter(pk=finding.pk).delete()
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_what_a_finding_says_cannot_be_changed(province: Province) -> None:
    finding = a_finding(province)
    refused("UPDATE compliance_finding SET rule_id = 'x' WHERE id = %s", [finding.pk])
    refused(
        "UPDATE compliance_finding SET agency_id = %s WHERE id = %s",
        [province.county_b.pk, finding.pk],
    )
    refused("UPDATE compliance_finding SET opened_because = '{}' WHERE id = %s", [finding.pk])
    finding.refresh_from_db()
    assert finding.rule_id == "uploads.within_48h" and finding.agency == province.county_a


def test_a_finding_closes_once_and_never_reopens(province: Province) -> None:
    finding = a_finding(province)
    Finding.objects.filter(pk=finding.pk).update(
        state="closed", closed_at=timezone.now(), closed_because={"fulfilled": True}
    )
    refused(
        "UPDATE compliance_finding SET state = 'open', closed_at = NULL WHERE id = %s",
        [finding.pk],
    )
    refused("UPDATE compliance_finding SET closed_because = '{}' WHERE id = %s", [finding.pk])
    finding.refresh_from_db()
    assert finding.state == "closed" and finding.closed_because == {"fulfilled": True}


def test_an_explanation_cannot_be_changed_or_deleted(province: Province) -> None:
    finding = a_finding(province)
    explanation = explain_finding(province.head_a.user, finding, "设备故障，已报修")
    refused("UPDATE compliance_explanation SET reason = 'x' WHERE id = %s", [explanation.pk])
    refused("DELETE FROM compliance_explanation WHERE id = %s", [explanation.pk])
    assert Explanation.objects.get(pk=explanation.pk).reason == "设备故障，已报修"
