"""What the client declares about a recording is checked before a byte is stored: bad input
gets a sentence and changes nothing (invariant 8). The capture times start the 48-hour clock of
第十九条; the 第十七条 notice says whether and how the party was told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from lawtrail.errors import ActionError, Forbidden, Invalid, NotFound
from lawtrail.evidence.tests.fixtures import counts, ingest
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province


@pytest.mark.parametrize(
    ("fields", "error", "where"),
    [
        ({"recorded_from": "yesterday"}, Invalid, "recorded_from"),
        ({"recorded_to": "2025-02-30T10:00:00+08:00"}, Invalid, "recorded_to"),  # no such day
        ({"recorded_to": "2025-13-01T10:00:00"}, Invalid, "recorded_to"),
        (
            {"recorded_from": "2025-03-01T10:00:00+08:00", "recorded_to": "2025-03-01T09:00+08:00"},
            Invalid,
            "recorded_to",
        ),
        ({"recorded_to": "2999-01-01T00:00:00+08:00"}, Invalid, "recorded_to"),
        ({"recorded_from": "2999-01-01T00:00:00+08:00"}, Invalid, "recorded_from"),
        ({"notice_given": "yes"}, Invalid, "notice_given"),
        ({"officer": "99999999999"}, Invalid, "officer"),
        ({"gis": [{"latitude": "91", "longitude": "108"}]}, Invalid, None),
        ({"matter": "no such matter"}, NotFound, None),
        ({"source": "fax"}, Invalid, "source"),
    ],
)
def test_bad_facts_are_refused_before_anything_is_stored(
    province: Province,
    media: Media,
    fields: dict[str, object],
    error: type[ActionError],
    where: str | None,
) -> None:
    before = counts()
    with pytest.raises(error) as refused:
        ingest(province.officer_a.user, media.photo, **fields)
    assert refused.value.message
    if where is not None:
        assert where in refused.value.fields  # type: ignore[attr-defined]
    assert counts() == before


def test_a_matter_of_another_county_is_not_found(province: Province, media: Media) -> None:
    matter = open_matter(province)
    before = counts()
    with pytest.raises(NotFound):
        ingest(province.officer_b.user, media.photo, matter=matter.number)
    assert counts() == before


def test_only_the_handlers_may_bind_at_upload(province: Province, media: Media) -> None:
    matter = open_matter(province, handlers=[province.officer_a.pk, province.head_a.pk])
    with pytest.raises(Forbidden):
        ingest(province.officer_a2.user, media.photo, matter=matter.number)


def test_a_login_without_an_officer_profile_brings_in_nothing(
    province: Province, media: Media
) -> None:
    user = get_user_model().objects.create_user(username="robot")
    before = counts()
    with pytest.raises(Forbidden):
        ingest(user, media.photo)
    assert counts() == before


def test_the_capture_facts_and_the_notice_are_recorded(province: Province, media: Media) -> None:
    """第十七条: the party was told before recording, and how."""
    ended = timezone.now() - timedelta(hours=3)
    acquisition = ingest(
        province.officer_a2.user,
        media.video,
        officer="61010200001",  # officer_a's certificate: officer_a2 docks officer_a's camera
        device="DSJ-7",
        station="新城区采集站1",
        recorded_from=(ended - timedelta(minutes=30)).isoformat(),
        recorded_to=ended.isoformat(),
        gis=[{"latitude": "34.2583", "longitude": "108.9286"}],
        notice_given="true",
        notice_method="口头告知并出示执法证",
    )
    assert acquisition.officer == province.officer_a
    assert acquisition.acquired_by == province.officer_a2.user
    assert (acquisition.device_serial, acquisition.station) == ("DSJ-7", "新城区采集站1")
    assert acquisition.recorded_to == ended
    assert acquisition.notice_given is True
    assert acquisition.notice_method == "口头告知并出示执法证"
    assert acquisition.gis[0]["wgs84"].startswith("34.2583")


def test_a_recording_that_was_interrupted_says_why(province: Province, media: Media) -> None:
    acquisition = ingest(
        province.officer_a.user,
        media.audio_wav,
        notice_given="false",
        interruption_reason="记录仪电量耗尽，改用手机录音",
    )
    assert acquisition.notice_given is False
    assert acquisition.interruption_reason == "记录仪电量耗尽，改用手机录音"
