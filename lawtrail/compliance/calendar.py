"""Working days (工作日): 行政处罚法 第八十五条 and 行政强制法 第六十九条.

"期限以工作日计算，不含法定节假日": periods of ten days or less in those laws count working
days. The calendar is data (``holidays.json``: the State Council's statutory holidays and
make-up working days, year by year) loaded into ``CalendarDay``. The first day of a period is
not counted (民事诉讼法 第八十五条, followed by both laws), so "N working days after D" is the
N-th working day after the calendar day D, whatever D itself is.

The same count is offered twice: in Python (``add_working_days``) for one matter, and as SQL
expressions (``annotate_working_deadline``) for a set-based scan over every matter at once.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import TruncDate

from lawtrail.compliance.models import CalendarDay

HOLIDAYS_FILE = Path(__file__).with_name("holidays.json")

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class HolidayData:
    holidays: dict[datetime.date, str]
    workdays: set[datetime.date]
    years: set[int]
    first: datetime.date
    last: datetime.date


@cache
def holiday_data(path: Path = HOLIDAYS_FILE) -> HolidayData:
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    holidays: dict[datetime.date, str] = {}
    workdays: set[datetime.date] = set()
    for spec in raw["years"].values():
        for name, days in spec["holidays"].items():
            for day in days:
                holidays[datetime.date.fromisoformat(day)] = name
        workdays.update(datetime.date.fromisoformat(day) for day in spec["workdays"])
    overlap = workdays & holidays.keys()
    if overlap:
        raise ValueError(f"{path}: days both holiday and working day: {sorted(overlap)}")
    return HolidayData(
        holidays=holidays,
        workdays=workdays,
        years={int(year) for year in raw["years"]},
        first=datetime.date.fromisoformat(raw["range"]["from"]),
        last=datetime.date.fromisoformat(raw["range"]["to"]),
    )


def is_working_day(day: datetime.date, data: HolidayData | None = None) -> bool:
    data = data or holiday_data()
    if day in data.holidays:
        return False
    if day in data.workdays:
        return True
    return day.weekday() < 5


def calendar_rows(data: HolidayData | None = None) -> list[CalendarDay]:
    data = data or holiday_data()
    rows: list[CalendarDay] = []
    index = 0
    day = data.first
    while day <= data.last:
        working = is_working_day(day, data)
        index += working
        name = data.holidays.get(day, "调休上班" if day in data.workdays else "")
        rows.append(
            CalendarDay(
                date=day,
                is_working=working,
                working_index=index,
                name=name,
                official=day.year in data.years,
            )
        )
        day += datetime.timedelta(days=1)
    return rows


def load_calendar() -> int:
    """(Re)write the calendar table from ``holidays.json``; returns the number of days."""
    rows = calendar_rows()
    with transaction.atomic():
        CalendarDay.objects.all().delete()
        CalendarDay.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The N-th working day after ``start`` (the first day of a period is not counted)."""
    if n < 1:
        raise ValueError("a period counts at least one working day")
    data = holiday_data()
    day = start
    while n:
        day += datetime.timedelta(days=1)
        if is_working_day(day, data):
            n -= 1
    return day


def local_date(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in local time: a deadline "on day D" runs until then."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)


def local_date_of(expression: str | models.Expression) -> TruncDate:
    """SQL: the local calendar date (Asia/Shanghai) of a datetime column or expression."""
    return TruncDate(expression, tzinfo=ZoneInfo(settings.TIME_ZONE))


def annotate_working_deadline(
    queryset: models.QuerySet[M], start_date: str, n: int, name: str
) -> models.QuerySet[M]:
    """Annotate ``name`` = the N-th working day after the date column/annotation ``start_date``.

    Two indexed subqueries on the calendar, so the whole queryset is counted in one statement.
    A start outside the calendar's range gives NULL (and the check treats it as unknown).
    """
    index_name = f"{name}_start_index"
    start_index = models.Subquery(
        CalendarDay.objects.filter(date=models.OuterRef(start_date)).values("working_index")[:1]
    )
    queryset = queryset.annotate(**{index_name: start_index})
    due = models.Subquery(
        CalendarDay.objects.filter(
            is_working=True, working_index=models.OuterRef(index_name) + n
        ).values("date")[:1],
        output_field=models.DateField(),
    )
    annotated: models.QuerySet[M] = queryset.annotate(**{name: due})
    return annotated
