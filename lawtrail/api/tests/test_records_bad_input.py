"""Invariant 8: bad input gets a clear error and changes nothing — no record, no event."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings

from lawtrail.matters.models import Matter
from lawtrail.records.signatures import MAX_IMAGE_BYTES
from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient, counts, png_base64
from lawtrail.records.tests.helpers import fields, png, write
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter


@pytest.fixture
def client(province: Province) -> JsonClient:
    return JsonClient(province.officer_a)


def records_of(matter: Matter) -> str:
    return f"/matters/{matter.pk}/records"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    ['{"record_type": "inquiry", "fields": {', "not json at all", '{"record_type": "inquiry",}'],
)
def test_malformed_json_is_refused(client: JsonClient, matter: Matter, body: str) -> None:
    before = counts()
    response = client.post_raw(records_of(matter), body, "application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("record_type=inquiry", "application/x-www-form-urlencoded"),
        (json.dumps({"record_type": "inquiry", "fields": fields("inquiry")}), "text/plain"),
    ],
)
def test_a_body_that_is_not_sent_as_json_is_refused(
    client: JsonClient, matter: Matter, data: str, content_type: str
) -> None:
    before = counts()
    response = client.post_raw(records_of(matter), data, content_type)
    assert response.status_code == 415
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"record_type": "inquiry"},
        {"record_type": "inquiry", "fields": ["a", "list"]},
        {"record_type": 7, "fields": {}},
        {"record_type": "inquiry", "fields": {}, "number": "新卫罚〔2026〕1号"},
        [],
        "inquiry",
    ],
)
def test_json_of_the_wrong_shape_is_refused(
    client: JsonClient, matter: Matter, body: object
) -> None:
    before = counts()
    response = client.post(records_of(matter), body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert counts() == before


@pytest.mark.django_db
def test_an_oversized_body_is_refused(client: JsonClient, matter: Matter) -> None:
    before = counts()
    huge = "字" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        records_of(matter), {"record_type": "inquiry", "fields": fields("inquiry", content=huge)}
    )
    assert response.status_code == 413
    assert counts() == before


@pytest.mark.django_db
def test_an_overlong_field_is_refused(client: JsonClient, matter: Matter) -> None:
    before = counts()
    response = client.post(
        records_of(matter),
        {"record_type": "inquiry", "fields": fields("inquiry", interviewee="赵" * 501)},
    )
    assert response.status_code == 422
    assert "fields.interviewee" in response.json()["fields"]
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "image",
    [
        base64.b64encode(b"GIF89a" + b"\x00" * 64).decode(),
        base64.b64encode(png()[:-12] + b"\x00" * MAX_IMAGE_BYTES + png()[-12:]).decode(),
        "%%% not base64 %%%",
        "data:image/svg+xml;base64," + png_base64(),
    ],
)
def test_a_signature_image_that_is_not_a_small_png_is_refused(
    province: Province, client: JsonClient, matter: Matter, image: str
) -> None:
    record = write(province, matter, "inquiry")
    before = counts()
    response = client.post(
        f"/records/{record.pk}/signatures",
        {
            "signer_role": "interviewee",
            "signer_name": "赵某",
            "status": "signed",
            "image_png": image,
        },
    )
    assert response.status_code == 422
    assert "image_png" in response.json()["fields"]
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"method": "lodged", "served_at": "soon", "recipient": "赵某"},
        {
            "method": "lodged",
            "served_at": "2026-03-02T10:00:00+08:00",
            "recipient": "赵某",
            "proof": "a photo",
        },
        {
            "method": "lodged",
            "served_at": "2026-03-02T10:00:00+08:00",
            "recipient": "赵某",
            "proof": {"circumstances": "留置", "evidence": [{"kind": "photo", "sha256": "xyz"}]},
        },
    ],
)
def test_a_malformed_service_is_refused(
    province: Province, client: JsonClient, matter: Matter, body: dict[str, object]
) -> None:
    record = write(province, matter, "decision")
    before = counts()
    response = client.post(f"/records/{record.pk}/services", body)
    assert response.status_code == 422
    assert counts() == before


@pytest.mark.django_db
def test_ids_that_are_not_numbers_are_refused(client: JsonClient) -> None:
    before = counts()
    assert client.get("/records/abc").status_code in (404, 422)
    assert client.post("/matters/abc/records", {}).status_code in (404, 422)
    assert counts() == before
