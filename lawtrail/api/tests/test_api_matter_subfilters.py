"""Filters of a matter's lists: GET /api/v1/matters/{id}/records (created_from, created_to, q)
and GET /api/v1/matters/{id}/timeline (action, since, until). Bad values are 422 naming the
parameter, and change nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.ledger import events
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records import actions as records_actions
from lawtrail.records.models import Record
from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient
from lawtrail.records.tests.helpers import write
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter

pytestmark = pytest.mark.django_db


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def seqs(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["seq"] for item in response.json()["items"]]


class Clock:
    """``django.utils.timezone`` as the records actions see it, with ``now`` set by the test
    (a record is append-only: its ``created_at`` cannot be changed afterwards)."""

    def __init__(self, at: datetime.datetime) -> None:
        self.at = at

    def now(self) -> datetime.datetime:
        return self.at

    def __getattr__(self, name: str) -> Any:
        return getattr(timezone, name)


@pytest.fixture
def written(
    province: Province, matter: Matter, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Record]:
    """Three records of the matter, written on 1, 2 and 3 March 2026 (local days)."""
    clock = Clock(timezone.make_aware(datetime.datetime(2026, 3, 1, 0, 30)))  # 00:30 local
    monkeypatch.setattr(records_actions, "timezone", clock)
    made = {}
    for code in ("inquiry", "decision", "reminder"):
        made[code] = write(province, matter, code)
        clock.at += datetime.timedelta(days=1)
    monkeypatch.undo()
    return made


# ---------------------------------------------------------------- records


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["inquiry", "decision", "reminder"]),
        ({"created_from": "2026-03-02"}, ["decision", "reminder"]),
        ({"created_to": "2026-03-01"}, ["inquiry"]),  # local day: 00:30 is still 1 March
        ({"created_from": "2026-03-02", "created_to": "2026-03-02"}, ["decision"]),
        (
            {"created_from": "0001-01-01", "created_to": "9999-12-31"},
            ["inquiry", "decision", "reminder"],
        ),
        ({"q": "决定书"}, ["decision"]),  # the type's official name
        ({"q": "询问"}, ["inquiry"]),
        ({"q": "REMINDER"}, ["reminder"]),  # the type's code, any case
        ({"q": "罚"}, ["decision"]),  # part of the 文号 (penalty nature 罚)
        ({"q": "no such thing"}, []),
        ({"q": "笔录", "created_from": "2026-03-02"}, []),
        ({"record_type": "decision", "q": "催告"}, []),
    ],
)
def test_the_record_filters(
    province: Province,
    matter: Matter,
    written: dict[str, Record],
    params: dict[str, str],
    expected: list[str],
) -> None:
    response = JsonClient(province.officer_a).get(f"/matters/{matter.pk}/records", **params)
    assert ids(response) == [written[name].pk for name in expected]


def test_the_number_filter_finds_the_whole_number(
    province: Province, matter: Matter, written: dict[str, Record]
) -> None:
    number = written["decision"].number
    assert number
    response = JsonClient(province.officer_a).get(f"/matters/{matter.pk}/records", q=number)
    assert ids(response) == [written["decision"].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_to": "2026-02-30"}, "created_to"),
        ({"created_from": "2026-03-03", "created_to": "2026-03-01"}, "created_from"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_record_filters_are_refused_naming_the_parameter(
    province: Province,
    matter: Matter,
    written: dict[str, Record],
    params: dict[str, str],
    field: str,
) -> None:
    client = JsonClient(province.officer_a)  # its token is a ledger event of its own
    before = Event.objects.count()
    response = client.get(f"/matters/{matter.pk}/records", **params)
    assert response.status_code == 422
    body = response.json()
    assert field in body["fields"] and body["detail"]
    assert Event.objects.count() == before


def test_the_record_filters_keep_to_the_callers_scope(
    province: Province, matter: Matter, written: dict[str, Record]
) -> None:
    response = JsonClient(province.officer_b).get(f"/matters/{matter.pk}/records", q="决定书")
    assert response.status_code == 404


# ---------------------------------------------------------------- timeline


def timeline(province: Province, matter: Matter, **params: str) -> Any:
    client = JsonClient(province.officer_a)
    before = Event.objects.count()
    response = client.get(f"/matters/{matter.pk}/timeline", **params)
    assert Event.objects.count() == before  # reading the timeline is not itself recorded
    return response


def test_the_timeline_filters_by_the_start_of_the_action(
    province: Province, matter: Matter
) -> None:
    write(province, matter, "inquiry")
    write(province, matter, "decision")
    everything = list(events.for_context(matter.context).values_list("seq", "action"))
    records = [seq for seq, action in everything if action.startswith("record.")]
    assert len(records) == 2
    assert seqs(timeline(province, matter, action="record.")) == records
    assert seqs(timeline(province, matter, action="record.created")) == records
    assert seqs(timeline(province, matter, action="matter.opened")) == [everything[0][0]]
    assert seqs(timeline(province, matter, action="nothing.")) == []


def test_the_timeline_filters_by_time(province: Province, matter: Matter) -> None:
    earlier = [e.seq for e in events.for_context(matter.context)]
    cut = Event.objects.get(seq=earlier[-1]).at + datetime.timedelta(microseconds=1)
    later = write(province, matter, "inquiry")
    after_cut = [e.seq for e in events.for_context(matter.context).filter(at__gte=cut)]
    assert after_cut and all(s not in earlier for s in after_cut)
    assert later.pk
    stamp = cut.isoformat()
    assert seqs(timeline(province, matter, since=stamp)) == after_cut
    assert seqs(timeline(province, matter, until=stamp)) == earlier
    today = timezone.localdate()
    everything = earlier + after_cut
    assert seqs(timeline(province, matter, since=today.isoformat())) == everything
    assert seqs(timeline(province, matter, until=today.isoformat())) == everything
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert seqs(timeline(province, matter, since=tomorrow)) == []
    assert seqs(timeline(province, matter, until=yesterday)) == []
    # A local date-time without an offset is Asia/Shanghai.
    naive = timezone.localtime(cut).replace(tzinfo=None).isoformat()
    assert seqs(timeline(province, matter, since=naive)) == after_cut


def test_the_timeline_filters_combine_with_pages(province: Province, matter: Matter) -> None:
    for code in ("inquiry", "decision", "reminder"):
        write(province, matter, code)
    first = timeline(province, matter, action="record.", limit="2").json()
    assert len(first["items"]) == 2 and first["next"]
    second = timeline(province, matter, action="record.", limit="2", after=first["next"]).json()
    assert [i["action"] for i in second["items"]] == ["record.created"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "Record.*"}, "action"),
        ({"action": "record created"}, "action"),
        ({"action": "r" * 65}, "action"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-03-02T10:00:00+08:00", "until": "2026-03-01"}, "since"),
        ({"since": "2026-03-02T10:00:00+08:00", "until": "2026-03-02T09:59:59+08:00"}, "since"),
        ({"since": "0001-01-01T00:00:00+08:00"}, "since"),  # before the first UTC moment
        ({"until": "9999-12-31"}, "until"),  # its end is past the last day of the calendar
    ],
)
def test_bad_timeline_filters_are_refused_naming_the_parameter(
    province: Province, matter: Matter, params: dict[str, str], field: str
) -> None:
    response = timeline(province, matter, **params)  # which also checks nothing was recorded
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["fields"] and body["detail"]
