"""tus 1.0 discovery and creation under /api/v1/uploads/ (issue 4 §3): stock clients find the
extensions, and a refused POST creates nothing (invariant 8)."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from lawtrail.evidence.models import Upload
from lawtrail.evidence.tests.fixtures import TUS, Tus, counts
from lawtrail.matters.tests.factories import api_client, open_matter
from lawtrail.testing import Province


@pytest.fixture
def tus(province: Province) -> Tus:
    return Tus(api_client(province.officer_a))


def test_options_names_the_version_extensions_and_limits(tus: Tus, settings: object) -> None:
    response = tus.options()
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) >= {
        "creation",
        "checksum",
        "expiration",
        "termination",
    }
    assert "sha256" in response["Tus-Checksum-Algorithm"].split(",")
    assert int(response["Tus-Max-Size"]) > 0


def test_a_post_with_metadata_creates_an_upload(province: Province, tus: Tus) -> None:
    matter = open_matter(province)
    response = tus.create(
        1000,
        {"filename": "执法记录.mp4", "matter": matter.number, "device": "DSJ-1"},
    )
    assert response.status_code == 201, response.content
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Location"].startswith("http://testserver/api/v1/uploads/")
    assert response["Upload-Offset"] == "0"
    assert "Upload-Expires" in response
    upload = Upload.objects.get()
    assert (upload.length, upload.offset, upload.state) == (1000, 0, "receiving")
    assert upload.metadata["filename"] == "执法记录.mp4"
    assert upload.path.exists() and upload.path.stat().st_size == 0
    head = tus.head(response["Location"])
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("0", "1000")
    assert head["Cache-Control"] == "no-store"


def test_a_post_may_carry_the_first_bytes(tus: Tus) -> None:
    response = tus.create(10, body=b"0123")
    assert response.status_code == 201
    assert response["Upload-Offset"] == "4"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Upload-Metadata": "filename not*base64"}, 400),
        ({"Upload-Metadata": "filename " + base64.b64encode(b"\xff\xfe").decode()}, 400),
        ({"Upload-Metadata": "filename YQ==,filename Yg=="}, 400),  # a key twice
        ({"Upload-Metadata": "matter " + base64.b64encode("不存在".encode()).decode()}, 404),
        ({"Upload-Metadata": "recorded_to " + base64.b64encode(b"2025-02-30T10:00").decode()}, 422),
        ({"Upload-Length": "-5"}, 422),
        ({"Upload-Length": "ten"}, 422),
        ({"Upload-Length": "\u00b2"}, 422),  # a digit to str.isdigit(), not to int()
        ({"Upload-Defer-Length": "1"}, 422),
    ],
)
def test_bad_creation_requests_create_nothing(
    tus: Tus, headers: dict[str, str], status: int
) -> None:
    before = counts()
    sent = {"Upload-Length": "100", **headers}
    response = tus.client.generic("POST", tus.base, b"", headers={**TUS, **sent})
    assert response.status_code == status, response.content
    assert response.content.strip()  # a sentence, not an empty answer
    assert counts() == before


def test_a_post_without_a_length_is_refused(tus: Tus) -> None:
    before = counts()
    assert tus.create(None).status_code == 422
    assert counts() == before


def test_an_oversized_upload_is_refused_with_413(tus: Tus, settings: object) -> None:
    settings.LAWTRAIL_UPLOAD_MAX_BYTES = 1000  # type: ignore[attr-defined]
    before = counts()
    assert tus.create(1001).status_code == 413
    assert counts() == before
    assert tus.create(1000).status_code == 201


def test_first_bytes_of_the_wrong_type_create_nothing(tus: Tus) -> None:
    before = counts()
    response = tus.client.post(
        tus.base, b"0123", content_type="text/plain", headers={**TUS, "Upload-Length": "10"}
    )
    assert response.status_code == 415
    assert counts() == before


def test_a_post_without_tus_resumable_is_refused_with_412(tus: Tus) -> None:
    response = tus.client.generic("POST", tus.base, b"", headers={"Upload-Length": "10"})
    assert response.status_code == 412
    assert response["Tus-Version"] == "1.0.0"
    assert Upload.objects.count() == 0


def test_nobody_uploads_without_credentials(province: Province) -> None:
    tus = Tus(Client())
    assert tus.create(10).status_code == 401
    bad = Tus(Client(headers={"Authorization": "Bearer not-a-token"}))
    assert bad.create(10).status_code == 401
    assert Upload.objects.count() == 0


def test_a_browser_session_needs_its_csrf_token(province: Province) -> None:
    from lawtrail.testing import PASSWORD

    client = Client(enforce_csrf_checks=True)
    assert client.login(username="officer_a", password=PASSWORD)
    assert Tus(client).create(10).status_code == 403
    assert Upload.objects.count() == 0


def test_a_login_without_an_officer_profile_cannot_upload(province: Province) -> None:
    from django.contrib.auth import get_user_model

    robot = get_user_model().objects.create_user(username="robot")
    tus = Tus(api_client(user=robot))
    before = counts()
    assert tus.create(10).status_code == 403
    assert counts() == before


def test_the_endpoint_without_its_slash_creates_an_upload_too(tus: Tus) -> None:
    """A client configured with .../uploads must not be redirected: the POST would be lost."""
    response = tus.client.generic(
        "POST", "/api/v1/uploads", b"", headers={**TUS, "Upload-Length": "5"}
    )
    assert response.status_code == 201, response.content
    assert "/api/v1/uploads/" in response["Location"]
    assert Upload.objects.count() == 1
