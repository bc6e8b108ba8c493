"""Fixtures of the evidence page tests: real media (FFmpeg), a store of each test's own, and
evidence brought in by the personas. Test modules import the ``*_fixture`` functions they use
(each is registered under the name without the suffix) along with ``evidence_home`` and
``media``, which those need."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.evidence import derivatives
from lawtrail.evidence.models import Acquisition, Evidence
from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.models import Matter
from lawtrail.testing import Province

#: The end of a recording 50 hours before "now": its upload now is late (第十九条, 48 hours).
LATE = datetime.timedelta(hours=50)
#: 2 hours before "now": on time.
ON_TIME = datetime.timedelta(hours=2)


@pytest.fixture(name="own_store", autouse=True)
def own_store_fixture(evidence_home: Any) -> None:  # noqa: F811
    """Every evidence page test stores into a folder of its own."""


def ended(ago: datetime.timedelta) -> dict[str, str]:
    """``recorded_from``/``recorded_to`` of a ten-minute recording that ended ``ago``."""
    end = timezone.now() - ago
    return {
        "recorded_from": (end - datetime.timedelta(minutes=10)).isoformat(),
        "recorded_to": end.isoformat(),
    }


@pytest.fixture(name="bound_video")
def bound_video_fixture(province: Province, media: Media, matter_a: Matter) -> Evidence:  # noqa: F811
    """officer_a's body-camera video of matter_a, uploaded on time, with its working copy."""
    acquisition = ingest(
        province.officer_a.user,
        media.video,
        matter=matter_a.number,
        officer="officer_a",
        device="BC-0001",
        station="ST-XC-01",
        notice_given="true",
        notice_method="口头告知",
        gis=[{"latitude": "34.2583", "longitude": "108.9286", "label": "门口"}],
        **ended(ON_TIME),
    )
    evidence = acquisition.evidence
    derivatives.make_derivatives(evidence.pk, evidence.bindings.get().pk)
    return evidence


@pytest.fixture(name="inbox_photo")
def inbox_photo_fixture(province: Province, media: Media) -> Evidence:  # noqa: F811
    """officer_a's photo, bound to no matter, uploaded 50 hours after the end: late."""
    acquisition = ingest(
        province.officer_a.user, media.photo, officer="officer_a", device="PH-7", **ended(LATE)
    )
    return acquisition.evidence


@pytest.fixture(name="broken_file")
def broken_file_fixture(province: Province, media: Media) -> Evidence:  # noqa: F811
    """Random bytes under an .mp4 name, brought in by officer_a: kept, flagged unreadable."""
    return ingest(province.officer_a.user, media.broken).evidence


@pytest.fixture(name="bring_in")
def bring_in_fixture(province: Province) -> Callable[..., Acquisition]:
    """``bring_in("officer_b", path, **fields)``: ingest a file as that persona."""

    def as_persona(username: str, path: Any, **fields: Any) -> Acquisition:
        return ingest(getattr(province, username).user, path, **fields)

    return as_persona
