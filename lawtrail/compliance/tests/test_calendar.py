"""Working days (行政处罚法 第八十五条; 行政强制法 第六十九条): holidays and make-up days.

The same count in Python (``add_working_days``) and in SQL (``annotate_working_deadline``) must
agree for every day of the calendar, or a scan and an officer's screen would disagree.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawtrail.compliance.calendar import (
    add_working_days,
    annotate_working_deadline,
    holiday_data,
    is_working_day,
)
from lawtrail.compliance.checks.penalty import AddDays
from lawtrail.compliance.models import CalendarDay

D = datetime.date


def test_guoqing_2026_is_skipped_and_the_saturday_make_up_day_counts() -> None:
    # 10/1–10/7 off; Sat 10/10 is a working day (调休上班).
    assert not is_working_day(D(2026, 10, 1)) and not is_working_day(D(2026, 10, 7))
    assert is_working_day(D(2026, 10, 10))
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 29), 7) == D(2026, 10, 14)
    assert add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)


def test_chunjie_2026_is_skipped_with_its_two_saturday_make_up_days() -> None:
    # 春节 2/15–2/23 off; Sat 2/14 and Sat 2/28 worked.
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert add_working_days(D(2026, 2, 26), 3) == D(2026, 3, 2)  # 2/27, Sat 2/28, 3/2


def test_a_period_starting_on_a_holiday_counts_from_the_next_working_day() -> None:
    # The first day is not counted, whatever it is (民事诉讼法 第八十五条, followed by both laws).
    assert add_working_days(D(2026, 10, 3), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 10, 4), 5) == D(2026, 10, 13)


def test_an_empty_period_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        add_working_days(D(2026, 10, 3), 0)


@pytest.mark.django_db
def test_the_table_covers_2015_to_2035_as_holidays_json_says() -> None:
    data = holiday_data()
    assert data.first <= D(2015, 1, 1) and data.last >= D(2035, 12, 31)
    assert CalendarDay.objects.count() == (data.last - data.first).days + 1
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).is_working
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).name == "国庆节"


def sql_deadlines(n: int, first: datetime.date, last: datetime.date) -> dict[datetime.date, D]:
    rows = CalendarDay.objects.filter(date__range=(first, last)).annotate(start=models.F("date"))
    rows = annotate_working_deadline(rows, "start", n, "due")
    return dict(rows.values_list("date", "due"))


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 3, 5, 7, 10])
def test_sql_agrees_with_python_for_every_day_of_2024_to_2027(n: int) -> None:
    first, last = D(2024, 1, 1), D(2027, 12, 31)
    due = sql_deadlines(n, first, last)
    assert len(due) == (last - first).days + 1
    wrong = {day: got for day, got in due.items() if got != add_working_days(day, n)}
    assert wrong == {}


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 11, 30)),
    n=st.integers(min_value=1, max_value=20),
)
def test_sql_agrees_with_python_for_any_day_and_period(start: datetime.date, n: int) -> None:
    assert sql_deadlines(n, start, start) == {start: add_working_days(start, n)}


@pytest.mark.django_db
def test_a_start_outside_the_calendar_gives_no_deadline() -> None:
    rows = annotate_working_deadline(
        CalendarDay.objects.filter(date=D(2026, 1, 5)).annotate(
            start=models.Value(D(2099, 1, 1), output_field=models.DateField())
        ),
        "start",
        5,
        "due",
    )
    assert list(rows.values_list("due", flat=True)) == [None]


@pytest.mark.django_db
@pytest.mark.parametrize("days", [1, 15, 30, 90])
def test_calendar_day_periods_in_sql_agree_with_python(days: int) -> None:
    # The "days" periods of P-07, P-17, P-22 and 第十八条: month and year ends, 29 February.
    rows = CalendarDay.objects.filter(date__range=(D(2027, 11, 1), D(2028, 3, 31))).annotate(
        due=AddDays(models.F("date"), models.Value(days))
    )
    wrong = {
        day: due
        for day, due in rows.values_list("date", "due")
        if due != day + datetime.timedelta(days=days)
    }
    assert wrong == {}
