"""The penalty procedure's deadlines (P-09, P-12, P-13, P-17, P-19, P-22; 行政处罚法).

Dates lie in the past (record fields and ``served_at``) and the scans run at a fixed ``now``,
so each test reads as a calendar. Working days cross 2026 国庆 (Oct 1–7 off, Sat Oct 10 worked)
to prove 行政处罚法 第八十五条 (工作日不含法定节假日).
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lawtrail.compliance.calendar import add_working_days
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import findings, open_findings, scan
from lawtrail.matters import actions as matter_actions
from lawtrail.matters.models import Approval, Matter
from lawtrail.records import actions
from lawtrail.records.models import Record, Service
from lawtrail.records.tests.helpers import serve_directly, sign, write
from lawtrail.testing import Province

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime.datetime:
    """A moment of a local day (Asia/Shanghai)."""
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), SHANGHAI
    )


def serve_on(p: Province, matter: Matter, record: Record, day: str) -> Service:
    return serve_directly(p, matter, record, at(day))


def decision(p: Province, matter: Matter, decided_on: str, **extra: Any) -> Record:
    return write(p, matter, "decision", decided_on=decided_on, **extra)


def correct(p: Province, record: Record, reason: str, **changes: Any) -> None:
    fields = {**record.current_version().fields, **changes}
    actions.correct_record(p.officer_a.user, record, fields, reason)


def subject(record_or_matter: Record | Matter) -> str:
    kind = "record" if isinstance(record_or_matter, Record) else "matter"
    return f"{kind}:{record_or_matter.pk}"


# --- the calendar the tests rely on ------------------------------------------------------


def test_guoqing_2026_counts_as_the_tests_assume_article_85() -> None:
    # 9/30 (1), 10/1–7 holiday, 10/8 (2), 10/9 (3), Sat 10/10 make-up (4), 10/12 … 10/14 (7).
    assert add_working_days(datetime.date(2026, 9, 29), 7) == datetime.date(2026, 10, 14)
    assert add_working_days(datetime.date(2026, 9, 29), 5) == datetime.date(2026, 10, 12)
    assert add_working_days(datetime.date(2026, 9, 30), 7) == datetime.date(2026, 10, 15)


# --- P-19: 第六十一条, served within 7 working days ------------------------------------


def test_p19_decision_served_on_the_seventh_working_day_across_guoqing_is_in_time(
    province: Province, matter: Matter
) -> None:
    record = decision(province, matter, "2026-09-29")
    serve_on(province, matter, record, "2026-10-14")
    scan("procedure.P-19", now=at("2026-11-01"))
    assert findings("procedure.P-19", subject=subject(record)) == []


def test_p19_decision_unserved_after_seven_working_days_fires_and_service_closes_it(
    province: Province, matter: Matter
) -> None:
    record = decision(province, matter, "2026-09-29")
    # On 10/14 (the 7th working day, holidays skipped) nothing is overdue yet …
    scan("procedure.P-19", now=at("2026-10-14", 23))
    assert open_findings("procedure.P-19", subject=subject(record)) == []
    # … the next day it is.
    scan("procedure.P-19", now=at("2026-10-15", 9))
    (finding,) = open_findings("procedure.P-19", subject=subject(record))
    assert finding.article == "行政处罚法 第六十一条"
    assert finding.due_at == at("2026-10-15", 0)  # the end of 10/14
    assert finding.opened_because["decided_on"] == "2026-09-29"
    serve_on(province, matter, record, "2026-10-20")
    scan("procedure.P-19", now=at("2026-11-01"))
    (closed,) = findings("procedure.P-19", subject=subject(record))
    assert closed.state == Finding.State.CLOSED
    assert closed.closed_because["fulfilled_late_at"].startswith("2026-10-20")


def test_p19_served_on_the_eighth_working_day_is_a_late_fact(
    province: Province, matter: Matter
) -> None:
    record = decision(province, matter, "2026-09-29")
    serve_on(province, matter, record, "2026-10-15")
    scan("procedure.P-19", now=at("2026-11-01"))
    (finding,) = findings("procedure.P-19", subject=subject(record))
    assert finding.state == Finding.State.CLOSED


# --- P-09: 第四十四条、第六十二条, told before the decision --------------------------------


def test_p09_decision_without_statement_notice_fires_and_a_waiver_clears(
    province: Province, matter: Matter
) -> None:
    decision(province, matter, "2026-10-20")
    scan("procedure.P-09", now=at("2026-10-21"))
    (finding,) = open_findings("procedure.P-09", subject=subject(matter))
    assert finding.article == "行政处罚法 第四十四条"
    waiver = write(province, matter, "statement_waiver")
    sign(province, waiver, "party")
    scan("procedure.P-09", now=at("2026-10-22"))
    assert open_findings("procedure.P-09") == []
    assert findings("procedure.P-09")[0].state == Finding.State.CLOSED


def test_p09_notice_served_after_the_decision_does_not_count(
    province: Province, matter: Matter
) -> None:
    decided = decision(province, matter, "2026-10-12")
    notice = write(province, matter, "statement_notice")
    serve_on(province, matter, notice, "2026-10-13")
    scan("procedure.P-09", now=at("2026-10-21"))
    assert len(open_findings("procedure.P-09", subject=subject(matter))) == 1
    # Correcting the decision's date (it was in truth made after the notice) clears it.
    correct(province, decided, "决定日期笔误", decided_on="2026-10-20")
    scan("procedure.P-09", now=at("2026-10-21"))
    assert open_findings("procedure.P-09") == []


def test_p09_notice_served_before_the_decision_day_is_compliant(
    province: Province, matter: Matter
) -> None:
    notice = write(province, matter, "statement_notice")
    serve_on(province, matter, notice, "2026-10-09")
    decision(province, matter, "2026-10-20")
    scan("procedure.P-09", now=at("2026-10-21"))
    assert findings("procedure.P-09") == []


# --- P-12: 第六十四条(一), 5 working days to ask for a hearing -------------------------------


def rights_notice(p: Province, matter: Matter, served: str) -> Record:
    notice = write(p, matter, "hearing_rights_notice")
    serve_on(p, matter, notice, served)
    return notice


def test_p12_decision_inside_the_request_period_fires(province: Province, matter: Matter) -> None:
    # Served 9/29: the 5th working day is 10/12 (国庆 skipped), so 10/12 is still too early.
    rights_notice(province, matter, "2026-09-29")
    decided = decision(province, matter, "2026-10-12")
    scan("procedure.P-12", now=at("2026-10-20"))
    (finding,) = open_findings("procedure.P-12", subject=subject(matter))
    assert finding.opened_because["request_period_ends"] == "2026-10-12"
    assert finding.due_at is None
    correct(province, decided, "决定日期更正", decided_on="2026-10-13")
    scan("procedure.P-12", now=at("2026-10-20"))
    assert open_findings("procedure.P-12") == []


def test_p12_a_naive_count_without_holidays_would_have_allowed_october_9(
    province: Province, matter: Matter
) -> None:
    rights_notice(province, matter, "2026-09-29")
    decision(province, matter, "2026-10-09")  # weekdays only: 9/30,10/1,10/2,10/5,10/6 → 10/6
    scan("procedure.P-12", now=at("2026-10-20"))
    assert len(open_findings("procedure.P-12")) == 1


def test_p12_a_waiver_of_the_hearing_lets_the_decision_come_early(
    province: Province, matter: Matter
) -> None:
    rights_notice(province, matter, "2026-09-29")
    decision(province, matter, "2026-10-09")
    scan("procedure.P-12", now=at("2026-10-20"))
    assert len(open_findings("procedure.P-12")) == 1
    waiver = write(
        province, matter, "hearing_request", answer="放弃听证", requested_on="2026-09-30"
    )
    sign(province, waiver, "party")
    scan("procedure.P-12", now=at("2026-10-20"))
    assert open_findings("procedure.P-12") == []


# --- P-13: 第六十四条(二), the hearing notice 7 working days ahead ---------------------------


def test_p13_notice_served_seven_working_days_before_the_hearing_across_guoqing(
    province: Province, matter: Matter
) -> None:
    # Hearing on 10/14: 7 working days after 9/29 is 10/14, so 9/29 is the last day to serve.
    notice = write(province, matter, "hearing_notice", hearing_at="2026-10-14T09:00:00+08:00")
    scan("procedure.P-13", now=at("2026-09-29", 20))
    assert findings("procedure.P-13") == []
    scan("procedure.P-13", now=at("2026-09-30", 9))
    (finding,) = open_findings("procedure.P-13", subject=subject(notice))
    assert finding.due_at == at("2026-09-30", 0)
    serve_on(province, matter, notice, "2026-09-30")
    scan("procedure.P-13", now=at("2026-10-01"))
    (closed,) = findings("procedure.P-13", subject=subject(notice))
    assert closed.state == Finding.State.CLOSED


def test_p13_served_on_the_last_day_is_in_time(province: Province, matter: Matter) -> None:
    notice = write(province, matter, "hearing_notice", hearing_at="2026-10-14T09:00:00+08:00")
    serve_on(province, matter, notice, "2026-09-29")
    scan("procedure.P-13", now=at("2026-10-20"))
    assert findings("procedure.P-13") == []


# --- P-17: 第六十条, 90 days from 立案 -----------------------------------------------------


def test_p17_no_decision_90_days_after_filing_fires_and_a_decision_closes_it(
    province: Province, matter: Matter
) -> None:
    write(province, matter, "filing_report", filed_on="2026-06-01")
    scan("procedure.P-17", now=at("2026-08-30"))  # due 2026-08-30 (6/1 + 90 days)
    assert findings("procedure.P-17", subject=subject(matter)) == []
    scan("procedure.P-17", now=at("2026-08-31"))
    (finding,) = open_findings("procedure.P-17", subject=subject(matter))
    assert finding.article == "行政处罚法 第六十条"
    assert finding.opened_because["filed_on"] == "2026-06-01"
    decision(province, matter, "2026-09-02")
    scan("procedure.P-17", now=at("2026-09-03"))
    (closed,) = findings("procedure.P-17", subject=subject(matter))
    assert closed.state == Finding.State.CLOSED
    assert closed.closed_because["fulfilled_late_at"] == "2026-09-02"


def test_p17_an_approved_extension_stops_the_finding(province: Province, matter: Matter) -> None:
    write(province, matter, "filing_report", filed_on="2026-06-01")
    scan("procedure.P-17", now=at("2026-09-10"))
    assert len(open_findings("procedure.P-17")) == 1
    approval = matter_actions.request_approval(
        province.officer_a.user, matter, Approval.Subject.EXTENSION, "案情复杂，申请延长。"
    )
    matter_actions.decide_approval(province.head_a.user, approval, approve=True, opinion="同意。")
    # Decided today: before the due day only if the due day is not yet past.
    Approval.objects.filter(pk=approval.pk).update(decided_at=at("2026-08-20"))
    scan("procedure.P-17", now=at("2026-09-10"))
    assert open_findings("procedure.P-17") == []


def test_p17_an_extension_approved_after_the_due_day_does_not_help(
    province: Province, matter: Matter
) -> None:
    write(province, matter, "filing_report", filed_on="2026-06-01")
    approval = matter_actions.request_approval(
        province.officer_a.user, matter, Approval.Subject.EXTENSION, "申请延长。"
    )
    matter_actions.decide_approval(province.head_a.user, approval, approve=True, opinion="同意。")
    Approval.objects.filter(pk=approval.pk).update(decided_at=at("2026-09-05"))
    scan("procedure.P-17", now=at("2026-09-10"))
    assert len(open_findings("procedure.P-17")) == 1


# --- P-22: 第六十六条、第六十七条, fine paid within 15 days ----------------------------------


def test_p22_unpaid_fine_fires_after_15_days_and_payment_closes_it(
    province: Province, matter: Matter
) -> None:
    record = decision(province, matter, "2026-09-01", amount="5000")
    serve_on(province, matter, record, "2026-09-02")
    scan("procedure.P-22", now=at("2026-09-17"))  # due 9/17
    assert findings("procedure.P-22") == []
    scan("procedure.P-22", now=at("2026-09-18"))
    (finding,) = open_findings("procedure.P-22", subject=subject(record))
    assert finding.opened_because["amount"] == "5000"
    write(province, matter, "fine_payment", amount="2000", paid_on="2026-09-20")
    scan("procedure.P-22", now=at("2026-09-21"))
    assert len(open_findings("procedure.P-22")) == 1  # part paid is not paid
    write(province, matter, "fine_payment", amount="3000", paid_on="2026-09-25")
    scan("procedure.P-22", now=at("2026-09-26"))
    (closed,) = findings("procedure.P-22", subject=subject(record))
    assert closed.state == Finding.State.CLOSED
    assert closed.closed_because["fulfilled_late_at"] == "2026-09-25"


def test_p22_an_approved_deferral_moves_the_due_day(province: Province, matter: Matter) -> None:
    record = decision(province, matter, "2026-09-01", amount="5000")
    serve_on(province, matter, record, "2026-09-02")
    write(province, matter, "payment_deferral", until="2026-10-30", decided_on="2026-09-10")
    scan("procedure.P-22", now=at("2026-10-30"))
    assert findings("procedure.P-22") == []
    scan("procedure.P-22", now=at("2026-10-31"))
    assert len(open_findings("procedure.P-22", subject=subject(record))) == 1


def test_p22_a_decision_without_a_fine_is_not_judged(province: Province, matter: Matter) -> None:
    record = decision(province, matter, "2026-09-01", amount="0")
    serve_on(province, matter, record, "2026-09-02")
    scan("procedure.P-22", now=at("2026-10-31"))
    assert findings("procedure.P-22") == []
