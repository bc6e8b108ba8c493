"""Recordings brought in by a station and checked against the registry (第十九条, 第二十三条).

A station uploads over plain tus for an officer of its own agency, whose inbox receives the
recording; the acquisition records the station, the dock session and the device's clock. A
recording from an unknown, retired or wrongly held device is kept and carries a finding, never
refused; one for an officer of another agency is refused before a byte flows.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.cli import main
from lawtrail.devices import registry
from lawtrail.devices.tests.helpers import Crew, bearer, counts, dock_body, person, post
from lawtrail.errors import Invalid
from lawtrail.evidence.models import Acquisition, AcquisitionFinding, Upload
from lawtrail.evidence.tasks import ingest_upload
from lawtrail.evidence.tests.fixtures import Tus, ingest, sha256_of
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import open_matter


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.localtime() - datetime.timedelta(hours=hours)


def recorded(hours: float, seconds: int = 2, ahead: int = 0) -> dict[str, str]:
    """Capture times ``hours`` ago on the station's clock, and on a device ``ahead`` seconds
    fast."""
    start = hours_ago(hours)
    end = start + datetime.timedelta(seconds=seconds)
    skew = datetime.timedelta(seconds=ahead)
    return {
        "recorded_from": start.isoformat(),
        "recorded_to": end.isoformat(),
        "device_recorded_from": (start + skew).replace(tzinfo=None).isoformat(),
        "device_recorded_to": (end + skew).replace(tzinfo=None).isoformat(),
    }


def upload(token: str, path: Path, **metadata: str) -> Acquisition:
    """The station agent's way: tus, then the ingest job."""
    tus = Tus(bearer(token))
    data = path.read_bytes()
    url = tus.start(len(data), filename=path.name, sha256=sha256_of(path), **metadata)
    tus.send(url, data, len(data))
    ingest_upload.call(tus.upload_id(url))
    upload = Upload.objects.get(pk=tus.upload_id(url))
    assert upload.state == Upload.State.INGESTED, upload.error
    return Acquisition.objects.select_related("evidence").get(upload=upload)


def codes(acquisition: Acquisition) -> list[str]:
    return list(acquisition.findings.order_by("id").values_list("code", flat=True))


def test_a_station_upload_lands_in_the_officers_inbox_with_station_dock_and_clock(
    crew: Crew, media: Media
) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    station, token = crew.station()
    now = timezone.now()
    dock = post(
        bearer(token),
        "/api/v1/stations/me/docks",
        dock_body(
            station_clock=now.isoformat(),
            device_clock=(now + datetime.timedelta(seconds=95)).isoformat(),
        ),
    ).json()
    times = recorded(3, ahead=95)
    acquisition = upload(
        token,
        media.video,
        device="DSJ-XC-0001",
        officer="61010200001",
        clock_offset="95",
        dock=str(dock["id"]),
        **times,
    )
    assert acquisition.source == Acquisition.Source.STATION
    assert acquisition.acquired_by == station.login
    assert acquisition.officer == crew.p.officer_a
    assert (acquisition.collection_station, acquisition.dock_id) == (station, dock["id"])
    assert acquisition.station == station.name
    assert acquisition.clock_offset_seconds == Decimal("95.000")
    assert acquisition.recorded_from == datetime.datetime.fromisoformat(times["recorded_from"])
    assert acquisition.device_recorded_from is not None and acquisition.recorded_from is not None
    skew = acquisition.device_recorded_from - acquisition.recorded_from
    assert skew == datetime.timedelta(seconds=95)
    assert codes(acquisition) == []
    inbox = person(crew.p.officer_a).get("/api/v1/evidence?unbound=true").json()["items"]
    assert [item["id"] for item in inbox] == [acquisition.evidence_id]
    assert person(crew.p.officer_a2).get("/api/v1/evidence").json()["items"] == []


def test_the_dock_gives_the_offset_and_the_device_when_the_metadata_does_not(
    crew: Crew, media: Media
) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    _station, token = crew.station()
    now = timezone.now()
    dock = post(
        bearer(token),
        "/api/v1/stations/me/docks",
        dock_body(
            officer="officer_a",
            station_clock=now.isoformat(),
            device_clock=(now - datetime.timedelta(seconds=12)).isoformat(),
        ),
    ).json()
    acquisition = upload(token, media.photo, dock=str(dock["id"]), **recorded(1))
    assert acquisition.device_serial == "DSJ-XC-0001"
    assert acquisition.officer == crew.p.officer_a  # the officer named at docking
    assert acquisition.clock_offset_seconds == Decimal("-12.000")


def test_an_unknown_device_is_kept_with_a_finding(crew: Crew, media: Media) -> None:
    _station, token = crew.station()
    acquisition = upload(token, media.photo, device="NOT-IN-REGISTRY", officer="officer_a")
    assert acquisition.evidence.size == media.photo.stat().st_size
    assert codes(acquisition) == ["device.unknown"]
    finding = AcquisitionFinding.objects.get()
    assert finding.article == "第十一条" and finding.detail["serial"] == "NOT-IN-REGISTRY"
    response = person(crew.p.officer_a).get(
        f"/api/v1/devices/findings?evidence={acquisition.evidence_id}"
    )
    assert response.status_code == 200, response.content
    [item] = response.json()["items"]
    assert item["code"] == "device.unknown" and "NOT-IN-REGISTRY" in item["message"]
    assert (item["evidence"], item["officer"]) == (acquisition.evidence_id, "officer_a")


def test_a_device_held_by_someone_else_at_capture_time_gives_a_finding(
    crew: Crew, media: Media
) -> None:
    """第二十三条: checked against the holder when the recording was made, not now."""
    device = crew.device("DSJ-XC-0001", crew.p.officer_a2)
    registry.assign_device(
        crew.equipment_a.user,
        device,
        crew.p.officer_a,
        reason="交接",
        since=timezone.now() - datetime.timedelta(days=1),
    )
    _station, token = crew.station()
    before = upload(token, media.photo, device="DSJ-XC-0001", officer="officer_a", **recorded(72))
    after = upload(token, media.audio_wav, device="DSJ-XC-0001", officer="officer_a", **recorded(2))
    assert codes(before) == ["device.not_assigned"]
    detail = before.findings.get().detail
    assert (detail["officer"], detail["assigned_to"]) == ("officer_a", "officer_a2")
    assert codes(after) == []
    listed = person(crew.equipment_a).get("/api/v1/devices/findings").json()["items"]
    assert [(f["code"], f["evidence"]) for f in listed] == [
        ("device.not_assigned", before.evidence_id)
    ]
    assert "officer_a2" in listed[0]["message"]
    # The evidence itself says so, to whoever reads it, in the API and on its page.
    detail = person(crew.p.officer_a).get(f"/api/v1/evidence/{before.evidence_id}").json()
    [acquisition] = detail["acquisitions"]
    assert [f["code"] for f in acquisition["findings"]] == ["device.not_assigned"]
    assert acquisition["findings"][0]["article"] == "第二十三条"
    assert acquisition["collection_station"]["id"] == _station.pk
    browser = Client()
    browser.force_login(crew.p.officer_a.user)
    page = browser.get(f"/evidence/{before.evidence_id}/")
    assert b'data-finding="device.not_assigned"' in page.content


def test_a_device_held_by_an_assistant_gives_a_finding(crew: Crew, media: Media) -> None:
    """第十条, 第二十三条: 协助人员 hold no enforcement certificate."""
    crew.device("DSJ-XC-0001", crew.p.assistant_a)
    _station, token = crew.station()
    acquisition = upload(token, media.photo, device="DSJ-XC-0001", **recorded(1))
    assert acquisition.officer == crew.p.assistant_a  # the holder, when nobody is named
    assert codes(acquisition) == ["device.assignee_not_enforcement_officer"]


def test_a_retired_device_gives_a_finding_and_the_recording_is_kept(
    crew: Crew, media: Media
) -> None:
    device = crew.device("DSJ-XC-0001", crew.p.officer_a)
    registry.set_status(crew.equipment_a.user, device, "retired", reason="报废")
    _station, token = crew.station()
    acquisition = upload(token, media.photo, device="DSJ-XC-0001", officer="officer_a")
    assert codes(acquisition) == ["device.retired", "device.not_assigned"]


def test_a_station_uploading_for_an_officer_of_another_agency_is_refused(
    crew: Crew, media: Media
) -> None:
    _station, token = crew.station()
    tus = Tus(bearer(token))
    before = counts()
    uploads = Upload.objects.count()
    response = tus.create(10, {"filename": "a.mp4", "officer": "officer_b", "device": "X-1"})
    assert response.status_code == 403, response.content
    assert "another agency" in response.content.decode()
    assert counts() == before and Upload.objects.count() == uploads


@pytest.mark.parametrize(
    ("metadata", "says"),
    [
        ({"officer": "officer_a", "matter": "{matter}"}, "does not bind"),
        ({"device": "NOBODY-HOLDS-IT"}, "Name the officer"),
        ({"officer": "officer_a", "dock": "999999"}, "no dock session"),
        ({"officer": "officer_a", "dock": "{other_dock}"}, "no dock session"),
        ({"officer": "officer_a", "clock_offset": "fast"}, "clock_offset"),
        ({"officer": "officer_a", "device_recorded_from": "noon"}, "device_recorded_from"),
        ({"officer": "officer_a", "dock": "{dock}", "device": "OTHER-1"}, "is of device"),
    ],
)
def test_bad_station_metadata_is_refused_before_a_byte_flows(
    crew: Crew, metadata: dict[str, str], says: str
) -> None:
    matter = open_matter(crew.p)
    _a, token = crew.station("A")
    _b, other_token = crew.station("B")
    dock = post(bearer(token), "/api/v1/stations/me/docks", dock_body()).json()
    other = post(bearer(other_token), "/api/v1/stations/me/docks", dock_body()).json()
    names = {"matter": matter.number, "dock": str(dock["id"]), "other_dock": str(other["id"])}
    filled = {key: value.format(**names) for key, value in metadata.items()}
    tus = Tus(bearer(token))
    before = counts()
    response = tus.create(10, {"filename": "a.mp4", **filled})
    assert response.status_code == 422, response.content
    assert says in response.content.decode()
    assert counts() == before


def test_people_do_not_name_dock_sessions_or_pose_as_stations(crew: Crew, media: Media) -> None:
    before = counts()
    with pytest.raises(Invalid, match="Only a collection station names"):
        ingest(crew.p.officer_a.user, media.photo, dock="1")
    with pytest.raises(Invalid, match="as a station"):
        ingest(crew.p.officer_a.user, media.photo, source="station")
    assert counts() == before


def test_a_persons_upload_is_checked_against_the_registry_too(crew: Crew, media: Media) -> None:
    """The officer named, or else the person bringing the file in."""
    crew.device("DSJ-XC-0001", crew.p.officer_a)
    named = ingest(crew.p.officer_a2.user, media.photo, device="DSJ-XC-0001", officer="officer_a")
    assert codes(named) == []
    own = ingest(crew.p.officer_a2.user, media.audio_wav, device="DSJ-XC-0001")
    assert codes(own) == ["device.not_assigned"]
    assert own.findings.get().detail["officer"] == "officer_a2"
    none = ingest(crew.p.officer_a2.user, media.video)
    assert codes(none) == []


def test_the_command_line_ingest_gets_the_same_checks_and_says_so(
    crew: Crew, media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    crew.device("DSJ-XC-0001", crew.p.officer_a2)
    status = main(
        [
            "ingest",
            str(media.photo),
            "--as",
            "officer_a",
            "--device",
            "DSJ-XC-0001",
            "--officer",
            "61010200001",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    assert codes(Acquisition.objects.get()) == ["device.not_assigned"]
    assert "第二十三条" in out and "officer_a2" in out


def test_findings_are_shown_only_to_who_sees_the_evidence(crew: Crew, media: Media) -> None:
    _station, token = crew.station()
    acquisition = upload(token, media.photo, device="UNKNOWN-1", officer="officer_a")
    url = f"/api/v1/devices/findings?evidence={acquisition.evidence_id}"
    assert person(crew.p.officer_b).get(url).status_code == 404
    assert person(crew.p.officer_b).get("/api/v1/devices/findings").json()["items"] == []
    seen: Any = person(crew.p.head_a).get("/api/v1/devices/findings").json()
    assert [f["code"] for f in seen["items"]] == ["device.unknown"]
