"""The 48-hour record of 第十九条 (/evidence/deadlines/): counts per officer and per agency
match the arrivals made here, the late ones and the overdue uploads are listed, and each
person sees only what they watch."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.evidence.models import Acquisition, Evidence, Upload
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.models import Matter
from lawtrail.testing import Province
from lawtrail.web.tests.evidence_fixtures import (  # noqa: F401
    LATE,
    bound_video_fixture,
    bring_in_fixture,
    ended,
    evidence_home,
    inbox_photo_fixture,
    media,
    own_store_fixture,
)


class Arrivals:
    """What the tests bring in, and the numbers the record must show for it."""

    def __init__(self, **items: Any) -> None:
        self.__dict__.update(items)


@pytest.fixture(name="arrivals")
def arrivals_fixture(
    province: Province,
    media: Media,  # noqa: F811
    matter_a: Matter,
    bound_video: Evidence,
    inbox_photo: Evidence,
    bring_in: Callable[..., Acquisition],
    tmp_path: Any,
) -> Arrivals:
    """officer_a: one on time (the video), one late (the photo), one without its end, and an
    upload still under way 60 hours after its end. officer_a2: one late, bound to matter_a.
    officer_b (county B): one late."""
    unstated = bring_in("officer_a", media.audio_m4a).evidence
    a2_late = bring_in("officer_a2", media.audio_wav, matter=matter_a.number, **ended(LATE))
    note = tmp_path / "b.txt"
    note.write_bytes("碑林区现场记录".encode())
    b_late = bring_in("officer_b", note, **ended(LATE))
    now = timezone.now()
    upload = Upload.objects.create(
        created_by=province.officer_a.user,
        length=2_000_000,
        offset=500_000,
        metadata={
            "filename": "还在传.mp4",
            "recorded_to": (now - datetime.timedelta(hours=60)).isoformat(),
        },
        created_at=now - datetime.timedelta(hours=1),
        expires_at=now + datetime.timedelta(days=7),
    )
    return Arrivals(
        video=bound_video,
        photo=inbox_photo,
        unstated=unstated,
        a2_late=a2_late.evidence,
        b_late=b_late.evidence,
        upload=upload,
    )


def record(client: Client, **params: str) -> Any:
    response = client.get("/evidence/deadlines/", params)
    assert response.status_code == 200, response.content[:800]
    return response


def counts(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, int]]:
    return {r["key"]: (r["on_time"], r["late"], r["unknown"], r["overdue_uploads"]) for r in rows}


def test_an_officer_sees_only_their_own_row(
    login: Callable[[str], Client], arrivals: Arrivals
) -> None:
    response = record(login("officer_a"))
    assert counts(response.context["officers"]) == {"officer_a": (1, 1, 1, 1)}
    body = response.content.decode()
    assert 'id="agencies"' not in body  # an agency row of one officer would mislead
    assert '<td data-count="total">3</td>' in body
    late = [item.evidence.pk for item in response.context["late"]]
    assert late == [arrivals.photo.pk]
    assert f'href="/evidence/{arrivals.photo.pk}/"' in body
    [under_way] = response.context["under_way"]
    assert under_way.upload.pk == arrivals.upload.pk
    assert "还在传.mp4" in body
    assert under_way.clock.hours_over == pytest.approx(12.0, abs=0.1)


def test_the_head_sees_the_officers_and_the_agency(
    login: Callable[[str], Client], arrivals: Arrivals, province: Province
) -> None:
    response = record(login("head_a"))
    assert counts(response.context["officers"]) == {
        "officer_a": (1, 1, 1, 1),
        "officer_a2": (0, 1, 0, 0),
    }
    assert counts(response.context["agencies"]) == {province.county_a.region_code: (1, 2, 1, 1)}
    body = response.content.decode()
    assert 'id="agencies"' in body
    late = {item.evidence.pk for item in response.context["late"]}
    assert late == {arrivals.photo.pk, arrivals.a2_late.pk}
    # The late arrival bound to the matter links to its page; officer_a's inbox does not.
    assert f'href="/evidence/{arrivals.a2_late.pk}/"' in body
    assert f'href="/evidence/{arrivals.photo.pk}/"' not in body
    assert login("head_a").get(f"/evidence/{arrivals.a2_late.pk}/").status_code == 200


@pytest.mark.parametrize("who", ["head_city", "supervisor"])
def test_above_the_counties_both_are_counted(
    login: Callable[[str], Client], arrivals: Arrivals, province: Province, who: str
) -> None:
    response = record(login(who))
    assert counts(response.context["agencies"]) == {
        province.county_a.region_code: (1, 2, 1, 1),
        province.county_b.region_code: (0, 1, 0, 0),
    }
    assert counts(response.context["officers"])["officer_b"] == (0, 1, 0, 0)


def test_officer_b_sees_nothing_of_county_a(
    login: Callable[[str], Client], arrivals: Arrivals
) -> None:
    response = record(login("officer_b"))
    assert counts(response.context["officers"]) == {"officer_b": (0, 1, 0, 0)}
    body = response.content.decode()
    assert "还在传.mp4" not in body and "scene.jpg" not in body


def test_the_date_range_narrows_the_arrivals(
    login: Callable[[str], Client], arrivals: Arrivals
) -> None:
    client = login("head_a")
    today = timezone.localdate()
    response = record(client, since=(today + datetime.timedelta(days=1)).isoformat(), until="")
    assert counts(response.context["officers"]).get("officer_a2") is None
    response = record(client, since="", until="")  # all time
    assert counts(response.context["officers"])["officer_a2"] == (0, 1, 0, 0)
    response = record(client)  # the last 30 days, today included
    assert counts(response.context["officers"])["officer_a2"] == (0, 1, 0, 0)


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2025-03-02", "until": "2025-03-01"},
        {"since": "yesterday"},
        {"until": "2025-02-30"},
    ],
)
def test_a_bad_range_is_named(
    login: Callable[[str], Client], arrivals: Arrivals, params: dict[str, str]
) -> None:
    response = login("head_a").get("/evidence/deadlines/", params)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="error"' in body
    assert "data-count" not in body


def test_a_login_without_an_officer_profile_gets_an_empty_record(
    client: Client, django_user_model: Any, arrivals: Arrivals
) -> None:
    user = django_user_model.objects.create_user(username="nobody", password="x")
    client.force_login(user)
    response = record(client)
    assert response.context["officers"] == []
    assert response.context["late"] == []
