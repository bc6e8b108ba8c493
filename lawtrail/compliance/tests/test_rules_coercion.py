"""Securing evidence, seizure and enforcement deadlines (P-06, P-07, P-24, P-25).

行政处罚法 第五十六条; 行政强制法 第二十五条、第三十五条、第五十三条、第五十四条. Working days cross
2026 国庆 (Oct 1–7 off, Sat Oct 10 worked; 行政处罚法 第八十五条, 行政强制法 第六十九条).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.compliance.calendar import add_working_days, local_date
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import days_later, findings, open_findings, scan
from lawtrail.compliance.tests.test_rules_penalty import at, correct, serve_on, subject
from lawtrail.errors import Invalid
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import png, write
from lawtrail.testing import Province

pytestmark = pytest.mark.django_db


def head_signs(p: Province, record: Record) -> None:
    actions.sign_record(
        p.head_a.user,
        record,
        actions.SignatureInput(
            signer_role="head", signer_name="王强", status="signed", image_png=png()
        ),
    )


# --- P-06: 行政处罚法 第五十六条 ---------------------------------------------------------------


def preservation(p: Province, matter: Matter, saved_on: datetime.date, **kw: Any) -> Record:
    record = write(p, matter, "evidence_preservation", saved_on=saved_on.isoformat(), **kw)
    head_signs(p, record)  # today: on the day of saving
    return record


def test_p06_no_disposal_after_seven_working_days_fires_and_a_disposal_closes_it(
    province: Province, matter: Matter
) -> None:
    today = local_date(timezone.now())
    record = preservation(province, matter, today)
    due = add_working_days(today, 7)
    scan("procedure.P-06", now=at(due.isoformat(), 23))
    assert findings("procedure.P-06") == []
    scan("procedure.P-06", now=at((due + datetime.timedelta(days=1)).isoformat(), 9))
    (finding,) = open_findings("procedure.P-06", subject=subject(record))
    assert finding.article == "行政处罚法 第五十六条"
    late = due + datetime.timedelta(days=3)
    write(province, matter, "preservation_disposal", decided_on=late.isoformat())
    scan("procedure.P-06", now=at((late + datetime.timedelta(days=1)).isoformat()))
    (closed,) = findings("procedure.P-06", subject=subject(record))
    assert closed.state == Finding.State.CLOSED
    assert closed.closed_because["fulfilled_late_at"] == late.isoformat()


def test_p06_disposal_within_seven_working_days_is_compliant(
    province: Province, matter: Matter
) -> None:
    today = local_date(timezone.now())
    preservation(province, matter, today)
    due = add_working_days(today, 7)
    write(province, matter, "preservation_disposal", decided_on=due.isoformat())
    scan("procedure.P-06", now=days_later(40))
    assert findings("procedure.P-06") == []


def test_p06_head_approval_after_the_saving_day_fires_at_once(
    province: Province, matter: Matter
) -> None:
    yesterday = local_date(timezone.now()) - datetime.timedelta(days=1)
    record = preservation(province, matter, yesterday)  # signed today: after saving
    write(province, matter, "preservation_disposal", decided_on=yesterday.isoformat())
    scan("procedure.P-06")
    (finding,) = open_findings("procedure.P-06", subject=subject(record))
    assert finding.opened_because["saved_on"] == yesterday.isoformat()
    # The date was a slip: the evidence was in truth secured today, after approval.
    correct(province, record, "保存日期笔误", saved_on=local_date(timezone.now()).isoformat())
    scan("procedure.P-06")
    assert open_findings("procedure.P-06") == []


def test_p06_unsigned_by_the_head_fires(province: Province, matter: Matter) -> None:
    today = local_date(timezone.now())
    record = write(province, matter, "evidence_preservation", saved_on=today.isoformat())
    scan("procedure.P-06")
    assert len(open_findings("procedure.P-06", subject=subject(record))) == 1


# --- P-07: 行政强制法 第二十五条 ---------------------------------------------------------------


def seizure(p: Province, matter: Matter, decided_on: str) -> Record:
    return write(p, matter, "seizure_decision", decided_on=decided_on)


def test_p07_seizure_past_30_days_fires_and_release_closes_it(
    province: Province, matter: Matter
) -> None:
    record = seizure(province, matter, "2026-09-01")
    scan("procedure.P-07", now=at("2026-10-01", 23))  # due 10/1 (9/1 + 30 days)
    assert findings("procedure.P-07") == []
    scan("procedure.P-07", now=at("2026-10-02"))
    (finding,) = open_findings("procedure.P-07", subject=subject(record))
    assert finding.article == "行政强制法 第二十五条"
    assert finding.due_at == at("2026-10-02", 0)
    write(province, matter, "seizure_release", released_on="2026-10-05")
    scan("procedure.P-07", now=at("2026-10-06"))
    (closed,) = findings("procedure.P-07", subject=subject(record))
    assert closed.state == Finding.State.CLOSED
    assert closed.closed_because["fulfilled_late_at"] == "2026-10-05"


def test_p07_a_served_extension_adds_at_most_30_days(province: Province, matter: Matter) -> None:
    record = seizure(province, matter, "2026-09-01")
    extension = write(
        province, matter, "seizure_extension", extended_days="45", decided_on="2026-09-25"
    )
    scan("procedure.P-07", now=at("2026-10-05"))  # not yet served: no extension
    assert len(open_findings("procedure.P-07", subject=subject(record))) == 1
    serve_on(province, matter, extension, "2026-09-26")
    scan("procedure.P-07", now=at("2026-10-31", 23))  # due 10/31, capped at 30 more days
    assert open_findings("procedure.P-07") == []
    scan("procedure.P-07", now=at("2026-11-01"))
    assert len(open_findings("procedure.P-07", subject=subject(record))) == 1


def test_p07_an_extension_decided_after_the_first_period_does_not_count(
    province: Province, matter: Matter
) -> None:
    seizure(province, matter, "2026-09-01")
    extension = write(
        province, matter, "seizure_extension", extended_days="30", decided_on="2026-10-03"
    )
    serve_on(province, matter, extension, "2026-10-03")
    scan("procedure.P-07", now=at("2026-10-10"))
    assert len(open_findings("procedure.P-07")) == 1


def test_p07_a_penalty_decision_in_time_disposes_of_the_goods(
    province: Province, matter: Matter
) -> None:
    seizure(province, matter, "2026-09-01")
    write(province, matter, "decision", decided_on="2026-09-20")
    scan("procedure.P-07", now=at("2026-11-20"))
    assert findings("procedure.P-07") == []


# --- P-24 and P-25: 行政强制法 第三十五条、第五十三条、第五十四条 -------------------------------


def reminder_served(p: Province, matter: Matter, day: str) -> Record:
    reminder = write(p, matter, "reminder")
    serve_on(p, matter, reminder, day)
    return reminder


def application(p: Province, matter: Matter, applied_on: str) -> Record:
    return write(p, matter, "enforcement_application", applied_on=applied_on)


def test_p24_application_without_a_served_reminder_fires_and_clears_on_correction(
    province: Province, matter: Matter
) -> None:
    applied = application(province, matter, "2026-09-29")
    reminder_served(province, matter, "2026-09-30")  # after the application: no use
    scan("procedure.P-24", now=at("2026-10-01"))
    (finding,) = open_findings("procedure.P-24", subject=subject(applied))
    assert finding.article == "行政强制法 第三十五条"
    correct(province, applied, "申请日期笔误", applied_on="2026-10-20")
    scan("procedure.P-24", now=at("2026-10-21"))
    assert open_findings("procedure.P-24") == []
    assert findings("procedure.P-24")[0].state == Finding.State.CLOSED


def test_p24_reminder_served_first_is_compliant(province: Province, matter: Matter) -> None:
    reminder_served(province, matter, "2026-09-01")
    application(province, matter, "2026-10-20")
    scan("procedure.P-24", now=at("2026-10-21"))
    assert findings("procedure.P-24") == []


def test_p25_application_on_the_tenth_working_day_is_premature_across_guoqing(
    province: Province, matter: Matter
) -> None:
    # Served 9/29: 10 working days end on 10/19 (国庆 off, Sat 10/10 worked); 10/20 is the
    # first day the court may be asked.
    assert add_working_days(datetime.date(2026, 9, 29), 10) == datetime.date(2026, 10, 19)
    reminder_served(province, matter, "2026-09-29")
    applied = application(province, matter, "2026-10-19")
    scan("procedure.P-25", now=at("2026-10-21"))
    (finding,) = open_findings("procedure.P-25", subject=subject(applied))
    assert finding.opened_because["earliest_after"] == "2026-10-19"
    correct(province, applied, "申请日期更正", applied_on="2026-10-20")
    scan("procedure.P-25", now=at("2026-10-21"))
    assert open_findings("procedure.P-25") == []


def test_p25_application_later_than_nine_months_after_the_decision_is_recorded_late(
    province: Province, matter: Matter
) -> None:
    decided = write(province, matter, "decision", decided_on="2025-12-01")
    serve_on(province, matter, decided, "2025-12-02")
    reminder_served(province, matter, "2026-01-05")
    in_time = application(province, matter, "2026-09-02")  # 12/2 + 6 + 3 months
    scan("procedure.P-25", now=at("2026-09-10"))
    assert findings("procedure.P-25") == []
    correct(province, in_time, "申请日期更正", applied_on="2026-09-03")
    scan("procedure.P-25", now=at("2026-09-10"))
    (finding,) = findings("procedure.P-25", subject=subject(in_time))
    assert finding.state == Finding.State.CLOSED  # a lapse: recorded, cannot be undone
    assert finding.due_at == at("2026-09-03", 0)


def test_p25_a_deferral_counts_three_months_from_its_end(
    province: Province, matter: Matter
) -> None:
    decided = write(province, matter, "decision", decided_on="2025-12-01")
    serve_on(province, matter, decided, "2025-12-02")
    write(province, matter, "payment_deferral", until="2026-08-31", decided_on="2025-12-10")
    reminder_served(province, matter, "2026-09-01")
    application(province, matter, "2026-11-20")  # ≤ 8/31 + 3 months
    scan("procedure.P-25", now=at("2026-11-25"))
    assert findings("procedure.P-25") == []


# --- bad input to the record types these rules added (catalogue.json) ---------------------


@pytest.mark.parametrize(
    ("code", "changes", "field"),
    [
        ("evidence_preservation", {"saved_on": "2026-02-30"}, "fields.saved_on"),
        ("seizure_extension", {"extended_days": "三十"}, "fields.extended_days"),
        ("seizure_release", {"released_on": ""}, "fields.released_on"),
        ("hearing_request", {"answer": "再说"}, "fields.answer"),
        ("fine_payment", {"amount": "five thousand"}, "fields.amount"),
        ("payment_deferral", {"until": "明年"}, "fields.until"),
        ("preservation_disposal", {"decided_on": None}, "fields.decided_on"),
    ],
)
def test_bad_dates_and_numbers_are_refused_with_a_message_and_write_nothing(
    province: Province, matter: Matter, code: str, changes: dict[str, Any], field: str
) -> None:
    before = (Record.objects.count(), Event.objects.count())
    with pytest.raises(Invalid) as caught:
        write(province, matter, code, **changes)
    assert caught.value.status == 422
    assert field in caught.value.fields and caught.value.fields[field][0]
    assert (Record.objects.count(), Event.objects.count()) == before
