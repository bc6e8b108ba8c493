"""tus termination (of incomplete uploads only) and expiration (issue 4 §3). A complete upload
is evidence-to-be: nobody can take it back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lawtrail.evidence.models import Upload
from lawtrail.evidence.tests.fixtures import Tus
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province


@pytest.fixture
def tus(province: Province) -> Tus:
    return Tus(api_client(province.officer_a))


def test_an_incomplete_upload_can_be_terminated_and_is_gone_afterwards(tus: Tus) -> None:
    url = tus.start(10)
    assert tus.patch(url, 0, b"01234").status_code == 204
    upload = Upload.objects.get()
    assert tus.delete(url).status_code == 204
    assert not upload.path.exists()
    assert tus.head(url).status_code == 410
    assert tus.patch(url, 5, b"56789").status_code == 410
    assert tus.delete(url).status_code == 410
    assert Upload.objects.get().state == Upload.State.TERMINATED  # the row stays, as history
    assert Event.objects.filter(action="upload.terminated").count() == 1


def test_a_complete_upload_cannot_be_terminated(tus: Tus) -> None:
    url = tus.start(5)
    assert tus.patch(url, 0, b"01234").status_code == 204
    assert tus.delete(url).status_code == 403
    upload = Upload.objects.get()
    assert upload.state == Upload.State.COMPLETE and upload.path.read_bytes() == b"01234"


def test_an_expired_upload_is_gone(tus: Tus) -> None:
    url = tus.start(10)
    assert tus.patch(url, 0, b"01234").status_code == 204
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tus.head(url).status_code == 410
    assert tus.patch(url, 5, b"56789").status_code == 410
    assert Upload.objects.get().offset == 5


def test_the_expiry_is_announced(tus: Tus, settings: object) -> None:
    response = tus.create(10)
    expires = response["Upload-Expires"]
    assert expires.endswith("GMT")
    upload = Upload.objects.get()
    hours = (upload.expires_at - upload.created_at) / timedelta(hours=1)
    assert hours == settings.LAWTRAIL_UPLOAD_EXPIRY_HOURS  # type: ignore[attr-defined]
