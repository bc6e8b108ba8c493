"""A digest the client declares is compared, never trusted: a mismatch stores and registers
nothing (invariant 1, issue 4 §2)."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.evidence.models import Upload
from lawtrail.evidence.tasks import ingest_upload
from lawtrail.evidence.tests.fixtures import Tus, counts, ingest, sha256_of
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province

WRONG = "0" * 64


def test_a_wrong_declared_sha256_registers_nothing(province: Province, media: Media) -> None:
    before = counts()
    with pytest.raises(Invalid) as refused:
        ingest(province.officer_a.user, media.video, sha256=WRONG)
    assert "sha256" in refused.value.fields
    assert counts() == before  # no evidence, no acquisition, no event, no blob


def test_a_right_declared_sha256_is_kept_with_the_acquisition(
    province: Province, media: Media
) -> None:
    declared = sha256_of(media.video).upper()  # hex is compared without regard to case
    acquisition = ingest(province.officer_a.user, media.video, sha256=declared)
    assert acquisition.declared_sha256 == declared.lower() == acquisition.evidence.sha256


def test_a_declared_sha256_that_is_not_hex_is_refused_before_storing(
    province: Province, media: Media
) -> None:
    before = counts()
    with pytest.raises(Invalid):
        ingest(province.officer_a.user, media.video, sha256="not-a-digest")
    assert counts() == before


def test_a_tus_upload_with_a_wrong_sha256_fails_and_registers_nothing(
    province: Province, media: Media
) -> None:
    tus = Tus(api_client(province.officer_a))
    data = media.photo.read_bytes()
    url = tus.start(len(data), filename="scene.jpg", sha256=WRONG)
    tus.send(url, data, 4096)
    before = counts()
    ingest_upload.call(tus.upload_id(url))
    after = counts()
    upload = Upload.objects.get()
    assert upload.state == Upload.State.FAILED and "sha256" in upload.error
    assert (after["evidence"], after["acquisitions"], after["blobs"]) == (0, 0, 0)
    # The only trace is the failure itself, which is an event like every other.
    assert after["events"] == before["events"] + 1
    assert Event.objects.order_by("-seq").first().action == "upload.ingest_failed"  # type: ignore[union-attr]
    assert upload.path.exists()  # the bytes are kept for whoever investigates
