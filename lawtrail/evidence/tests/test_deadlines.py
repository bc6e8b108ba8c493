"""第十九条: recordings reach the station within 48 hours of their end. The clock per evidence,
the list filter, and the record per officer and per agency with the overdue items."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.evidence import deadlines
from lawtrail.evidence.models import Evidence, Upload
from lawtrail.evidence.queries import EvidenceFilters, filtered
from lawtrail.evidence.tests.fixtures import Tus, ingest
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client, fast_password_hashing  # noqa: F401
from lawtrail.testing import Province


def ago(hours: float) -> str:
    return (timezone.now() - datetime.timedelta(hours=hours)).isoformat()


@pytest.fixture
def arrivals(province: Province, media: Media) -> dict[str, int]:
    """officer_a: one on time, one late; officer_b (county B): one late; officer_a2: one that
    does not say when the recording ended."""
    p = province
    return {
        "on_time": ingest(p.officer_a.user, media.video, recorded_to=ago(47)).evidence_id,
        "late": ingest(p.officer_a.user, media.audio_m4a, recorded_to=ago(50)).evidence_id,
        "late_b": ingest(p.officer_b.user, media.photo, recorded_to=ago(72)).evidence_id,
        "unknown": ingest(p.officer_a2.user, media.broken).evidence_id,
    }


def test_the_clock_runs_from_the_end_of_the_recording_to_the_verified_upload(
    province: Province, arrivals: dict[str, int]
) -> None:
    late = Evidence.objects.get(pk=arrivals["late"])
    clock = deadlines.evidence_clock(late.acquisitions.all())
    assert clock.status == deadlines.Status.LATE
    assert clock.due == clock.recorded_to + datetime.timedelta(hours=48)  # type: ignore[operator]
    assert clock.hours_taken == pytest.approx(50, abs=0.2)
    assert clock.hours_over == pytest.approx(2, abs=0.2)

    on_time = deadlines.evidence_clock(
        Evidence.objects.get(pk=arrivals["on_time"]).acquisitions.all()
    )
    assert (on_time.status, on_time.hours_over) == (deadlines.Status.ON_TIME, None)
    unknown = deadlines.evidence_clock(
        Evidence.objects.get(pk=arrivals["unknown"]).acquisitions.all()
    )
    assert unknown.status == deadlines.Status.UNKNOWN and unknown.due is None


def test_one_on_time_arrival_makes_the_evidence_on_time(
    province: Province, media: Media, arrivals: dict[str, int]
) -> None:
    """The same bytes brought in again late do not make an on-time recording late."""
    ingest(province.officer_a.user, media.video, recorded_to=ago(60))
    evidence = Evidence.objects.get(pk=arrivals["on_time"])
    assert evidence.acquisitions.count() == 2
    assert deadlines.evidence_clock(evidence.acquisitions.all()).status == "on_time"
    on_time = filtered(province.officer_a.user, EvidenceFilters(deadline="on_time"))
    assert arrivals["on_time"] in set(on_time.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("status", "expected"), [("on_time", {"on_time"}), ("late", {"late"}), ("unknown", {"unknown"})]
)
def test_the_list_filters_by_the_48_hour_status(
    province: Province, arrivals: dict[str, int], status: str, expected: set[str]
) -> None:
    """head_a sees county A's inbox through no matter, so each officer asks for their own."""
    found: set[int] = set()
    for officer in (province.officer_a, province.officer_a2, province.officer_b):
        found |= set(
            filtered(officer.user, EvidenceFilters(deadline=status)).values_list("pk", flat=True)
        )
    assert found == {arrivals[name] for name in expected} | (
        {arrivals["late_b"]} if status == "late" else set()
    )


def test_the_api_filter_and_shapes_carry_the_clock(
    province: Province, arrivals: dict[str, int]
) -> None:
    client = api_client(province.officer_a)
    page = client.get("/api/v1/evidence?deadline=late").json()
    assert [item["id"] for item in page["items"]] == [arrivals["late"]]
    assert page["items"][0]["deadline"]["status"] == "late"
    detail = client.get(f"/api/v1/evidence/{arrivals['late']}").json()
    assert detail["deadline"]["hours_over"] == pytest.approx(2, abs=0.2)
    assert detail["acquisitions"][0]["deadline"]["status"] == "late"


@pytest.mark.parametrize("bad", ["overdue", "LATE", "x" * 300])
def test_an_unknown_status_is_refused_with_the_allowed_values(
    province: Province, arrivals: dict[str, int], bad: str
) -> None:
    response = api_client(province.officer_a).get(f"/api/v1/evidence?deadline={bad}")
    assert response.status_code == 422
    assert "on_time" in response.content.decode()


def test_the_record_per_officer_and_per_agency(
    province: Province, arrivals: dict[str, int]
) -> None:
    report = deadlines.report(province.supervisor.user)
    officers = {t.key: (t.on_time, t.late, t.unknown) for t in report.officers}
    assert officers == {"officer_a": (1, 1, 0), "officer_b": (0, 1, 0), "officer_a2": (0, 0, 1)}
    agencies = {t.key: (t.on_time, t.late, t.unknown, t.total) for t in report.agencies}
    assert agencies == {"610102": (1, 1, 1, 3), "610103": (0, 1, 0, 1)}
    assert [item.evidence.pk for item in report.overdue if item.evidence] == [
        arrivals["late"],
        arrivals["late_b"],
    ]  # newest deadline first
    assert report.officers[0].late_share in (0.5, 1.0)


def test_each_watcher_sees_their_own_part(province: Province, arrivals: dict[str, int]) -> None:
    keys = {
        name: {t.key for t in deadlines.report(getattr(province, name).user).officers}
        for name in ("officer_a", "head_a", "officer_b", "admin")
    }
    assert keys["officer_a"] == {"officer_a"}
    assert keys["head_a"] == {"officer_a", "officer_a2"}
    assert keys["officer_b"] == {"officer_b"}
    assert keys["admin"] == set()


def test_an_upload_still_under_way_past_its_deadline_is_overdue(
    province: Province, arrivals: dict[str, int], client: Any
) -> None:
    client.force_login(province.officer_b.user)
    tus = Tus(client)
    tus.start(1000, filename="late.mp4", recorded_to=ago(49))
    tus.start(1000, filename="fresh.mp4", recorded_to=ago(2))
    assert Upload.objects.count() == 2
    report = deadlines.report(province.head_city.user)
    [mine] = [t for t in report.officers if t.key == "officer_b"]
    assert mine.overdue_uploads == 1
    [upload] = [item for item in report.overdue if item.upload is not None]
    assert upload.filename == "late.mp4" and upload.clock.status == "overdue"


def test_the_report_api_and_its_date_range(province: Province, arrivals: dict[str, int]) -> None:
    client = api_client(province.head_a)
    report = client.get("/api/v1/evidence/deadlines").json()
    assert {t["key"] for t in report["agencies"]} == {"610102"}
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    empty = client.get(f"/api/v1/evidence/deadlines?since={tomorrow}").json()
    assert empty["officers"] == [] and empty["overdue"] == []
    refused = client.get(f"/api/v1/evidence/deadlines?since={tomorrow}&until={today}")
    assert refused.status_code == 422
    assert "since" in refused.json()["detail"]
    assert client.get("/api/v1/evidence/deadlines?since=yesterday").status_code == 422
