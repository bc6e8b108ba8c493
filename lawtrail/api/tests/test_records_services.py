"""POST /api/v1/records/{id}/services: 送达 with its proof (第十三条(五))."""

from __future__ import annotations

import pytest

from lawtrail.matters.models import Matter
from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient, counts
from lawtrail.records.tests.helpers import receipt_for, ref, write
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter


@pytest.mark.django_db
def test_direct_service_is_recorded_and_shown(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    receipt = receipt_for(province, matter, decision)
    client = JsonClient(province.officer_a)
    response = client.post(
        f"/records/{decision.pk}/services",
        {
            "method": "direct",
            "served_at": "2026-03-02T10:00:00+08:00",
            "recipient": "赵某",
            "receipt_id": receipt.pk,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["receipt_id"] == receipt.pk and response.json()["version"] == 1
    [service] = client.get(f"/records/{decision.pk}").json()["services"]
    assert service["method"] == "direct"


@pytest.mark.django_db
def test_a_decision_by_fax_is_refused_with_the_article(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    client = JsonClient(province.officer_a)
    before = counts()
    response = client.post(
        f"/records/{decision.pk}/services",
        {
            "method": "electronic",
            "channel": "fax",
            "served_at": "2026-03-02T10:00:00+08:00",
            "recipient": "赵某",
            "proof": {
                "evidence": [ref("recording")],
                "fax_time": "2026-03-02T10:00:00+08:00",
                "fax_number": "029-87654321",
            },
        },
    )
    assert response.status_code == 409
    [unmet] = response.json()["unmet"]
    assert unmet["code"] == "service.electronic_decision" and unmet["article"] == "第十三条(五)4"
    assert counts() == before


@pytest.mark.django_db
def test_missing_proof_is_named(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    client = JsonClient(province.officer_a)
    before = counts()
    response = client.post(
        f"/records/{decision.pk}/services",
        {
            "method": "public_notice",
            "served_at": "2026-03-02T10:00:00+08:00",
            "recipient": "赵某",
            "proof": {"reason": "下落不明"},
        },
    )
    assert response.status_code == 422
    assert "proof.method" in response.json()["fields"]
    assert counts() == before
