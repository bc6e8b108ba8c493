"""A complete upload becomes evidence through the ingest job; an incomplete one is never
visible as evidence (issue 4 §3, invariant 2)."""

from __future__ import annotations

import pytest
from django.test import Client

from lawtrail.evidence.models import Acquisition, Binding, Evidence, Upload
from lawtrail.evidence.tasks import ingest_upload
from lawtrail.evidence.tests.fixtures import Tus, counts, sha256_of, sm3_of
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client, open_matter
from lawtrail.testing import Province


@pytest.fixture
def client(province: Province) -> Client:
    return api_client(province.officer_a)


def test_the_ingest_job_turns_a_complete_upload_into_evidence(
    province: Province, client: Client, media: Media
) -> None:
    matter = open_matter(province)
    tus = Tus(client)
    data = media.video.read_bytes()
    url = tus.start(
        len(data),
        filename="bodycam.mp4",
        matter=matter.number,
        officer="61010200001",
        device="DSJ-001",
        recorded_from="2025-03-01T08:00:00+08:00",
        recorded_to="2025-03-01T08:00:02+08:00",
        notice_given="true",
        notice_method="口头告知",
        gis="34.2583,108.9286",
    )
    tus.send(url, data, 16 * 1024)
    assert client.get(url).json()["state"] == "complete"
    ingest_upload.call(tus.upload_id(url))
    status = client.get(url).json()
    assert status["state"] == "ingested"
    assert status["evidence"]["sha256"] == sha256_of(media.video)
    assert status["evidence"]["sm3"] == sm3_of(media.video)
    assert status["evidence"]["size"] == len(data)
    upload = Upload.objects.get()
    assert not upload.path.exists()  # the store holds the bytes now
    acquisition = Acquisition.objects.get()
    assert acquisition.upload == upload and acquisition.source == "tus"
    assert acquisition.device_serial == "DSJ-001" and acquisition.notice_given is True
    assert Binding.objects.get().matter == matter
    evidence = client.get(f"/api/v1/evidence/{status['evidence']['id']}").json()
    assert evidence["kind"] == "video" and evidence["binding"]["matter"]["number"] == matter.number


def test_running_the_job_again_changes_nothing(client: Client, media: Media) -> None:
    tus = Tus(client)
    data = media.photo.read_bytes()
    url = tus.start(len(data), filename="scene.jpg")
    tus.send(url, data, len(data))
    ingest_upload.call(tus.upload_id(url))
    after_first = counts()
    ingest_upload.call(tus.upload_id(url))
    assert counts() == after_first


def test_an_incomplete_upload_is_never_evidence(client: Client, media: Media) -> None:
    tus = Tus(client)
    data = media.video.read_bytes()
    url = tus.start(len(data), filename="bodycam.mp4")
    tus.patch(url, 0, data[: len(data) // 2])
    ingest_upload.call(tus.upload_id(url))  # a job run too early does nothing
    assert Evidence.objects.count() == 0
    assert client.get("/api/v1/evidence").json()["items"] == []
    assert "evidence" not in client.get(url).json()
    assert list(Upload.objects.values_list("state", flat=True)) == ["receiving"]


def test_an_empty_upload_is_complete_at_creation(client: Client) -> None:
    tus = Tus(client)
    response = tus.create(0, {"filename": "empty.mp4"})
    assert response.status_code == 201
    upload = Upload.objects.get()
    assert upload.state == Upload.State.COMPLETE
    ingest_upload.call(str(upload.pk))
    evidence = Evidence.objects.get()
    assert (evidence.size, evidence.readable) == (0, False)


def test_the_job_is_queued_when_the_last_byte_is_committed(
    client: Client, django_capture_on_commit_callbacks: object
) -> None:
    tus = Tus(client)
    url = tus.start(4)
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        tus.patch(url, 0, b"abcd")
    assert len(callbacks) == 1


def test_a_matter_the_uploader_lost_leaves_the_evidence_in_the_inbox(
    province: Province, client: Client, media: Media
) -> None:
    """Permission is checked again at ingest; if binding is refused by then, the recording is
    still evidence (第十九条: nothing dropped) and the refusal is an event."""
    from lawtrail.matters.models import Handler

    matter = open_matter(province, handlers=[province.officer_a.pk, province.officer_a2.pk])
    tus = Tus(client)
    data = media.photo.read_bytes()
    url = tus.start(len(data), filename="scene.jpg", matter=matter.number)
    tus.send(url, data, len(data))
    Handler.objects.filter(matter=matter, officer=province.officer_a).delete()
    ingest_upload.call(tus.upload_id(url))
    evidence = Evidence.objects.get()
    assert Binding.objects.count() == 0
    assert client.get("/api/v1/evidence?unbound=true").json()["items"][0]["id"] == evidence.pk
    from lawtrail.ledger.models import Event

    assert Event.objects.filter(action="evidence.binding_refused").count() == 1
