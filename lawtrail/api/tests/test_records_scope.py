"""Invariant 7: records of a matter outside the caller's scope do not exist for them (404)."""

from __future__ import annotations

import pytest

from lawtrail.matters.models import Matter
from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient, counts, png_base64
from lawtrail.records.tests.helpers import fields, sign, write
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter


@pytest.mark.django_db
def test_officer_b_gets_404_for_everything_of_county_a(province: Province, matter: Matter) -> None:
    record = write(province, matter, "decision")
    client = JsonClient(province.officer_b)
    before = counts()
    assert client.get(f"/matters/{matter.pk}/records").status_code == 404
    assert client.get(f"/records/{record.pk}").status_code == 404
    assert (
        client.post(
            f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": fields("inquiry")}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/records/{record.pk}/versions",
            {"fields": fields("decision", amount=1), "reason": "x"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/records/{record.pk}/signatures",
            {
                "signer_role": "party",
                "signer_name": "赵某",
                "status": "signed",
                "image_png": png_base64(),
            },
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/records/{record.pk}/services",
            {
                "method": "lodged",
                "served_at": "2026-03-02T10:00:00+08:00",
                "recipient": "赵某",
                "proof": {},
            },
        ).status_code
        == 404
    )
    assert counts() == before


@pytest.mark.django_db
def test_a_signature_image_is_hidden_outside_the_scope(province: Province, matter: Matter) -> None:
    signature = sign(province, write(province, matter, "inquiry"), "interviewee")
    record_id = signature.version.record_id
    path = f"/records/{record_id}/signatures/{signature.pk}/image"
    assert JsonClient(province.officer_b).get(path).status_code == 404
    response = JsonClient(province.officer_a2).get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == bytes(signature.image)


@pytest.mark.django_db
def test_the_city_head_reads_but_does_not_write(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    client = JsonClient(province.head_city)
    assert client.get(f"/matters/{matter.pk}/records").status_code == 200
    assert client.get(f"/records/{record.pk}").status_code == 200
    response = client.post(
        f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": fields("inquiry")}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_assistant_may_not_write(province: Province, matter: Matter) -> None:
    """第十条: assistants help record but are not the matter's handlers."""
    response = JsonClient(province.assistant_a).post(
        f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": fields("inquiry")}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_nobody_reads_without_logging_in(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    assert JsonClient(None).get(f"/records/{record.pk}").status_code == 401
    assert JsonClient(None).get(f"/matters/{matter.pk}/records").status_code == 401
