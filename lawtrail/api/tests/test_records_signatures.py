"""POST /api/v1/records/{id}/signatures: 第十三条(三) over the API, the image as base64 PNG."""

from __future__ import annotations

import hashlib

import pytest

from lawtrail.matters.models import Matter
from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient, counts, png_base64
from lawtrail.records.tests.helpers import png, write
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter


@pytest.mark.django_db
def test_a_party_signature_is_kept_with_its_digest(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    client = JsonClient(province.officer_a)
    response = client.post(
        f"/records/{record.pk}/signatures",
        {
            "signer_role": "interviewee",
            "signer_name": "赵某",
            "status": "signed",
            "image_png": "data:image/png;base64," + png_base64(width=300, height=80),
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["image_sha256"] == hashlib.sha256(png(width=300, height=80)).hexdigest()
    assert body["version"] == 1 and body["recorded_by"]["username"] == "officer_a"
    detail = client.get(f"/records/{record.pk}").json()
    assert detail["versions"][0]["signatures"][0]["id"] == body["id"]


@pytest.mark.django_db
def test_a_refusal_needs_circumstances_and_a_witness(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    client = JsonClient(province.officer_a)
    before = counts()
    base = {"signer_role": "interviewee", "signer_name": "赵某", "status": "refused"}
    response = client.post(f"/records/{record.pk}/signatures", base)
    assert response.status_code == 422 and "circumstances" in response.json()["fields"]
    response = client.post(
        f"/records/{record.pk}/signatures", {**base, "circumstances": "拒绝签字"}
    )
    assert response.status_code == 422 and "witness_ids" in response.json()["fields"]
    assert counts() == before
    response = client.post(
        f"/records/{record.pk}/signatures",
        {**base, "circumstances": "拒绝签字", "witness_ids": [province.officer_a2.pk]},
    )
    assert response.status_code == 201
    assert [w["username"] for w in response.json()["witnesses"]] == ["officer_a2"]


@pytest.mark.django_db
def test_an_officer_cannot_sign_for_another(province: Province, matter: Matter) -> None:
    record = write(province, matter, "decision")
    client = JsonClient(province.officer_a)
    before = counts()
    response = client.post(
        f"/records/{record.pk}/signatures",
        {
            "signer_role": "head",
            "signer_name": "王强",
            "status": "signed",
            "image_png": png_base64(),
        },
    )
    assert response.status_code == 403
    assert counts() == before
