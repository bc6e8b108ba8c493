"""第十三条(五)5: entrusted service notes the entrusted person on the 送达回证."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.matters.models import Matter
from lawtrail.records.tests.helpers import receipt_for, refused_service, serve, write
from lawtrail.testing import Province


@pytest.mark.django_db
def test_a_receipt_naming_the_entrusted_person_proves_entrusted_service(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    receipt = receipt_for(
        province, matter, decision, method="委托送达", entrusted_person="碑林区卫生健康局 钱某"
    )
    assert serve(province, decision, "entrusted", receipt_id=receipt.pk).receipt == receipt


@pytest.mark.django_db
def test_entrusted_service_needs_the_entrusted_person_noted(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    receipt = receipt_for(province, matter, decision, method="委托送达")
    error = refused_service(province, decision, "entrusted", Invalid, receipt_id=receipt.pk)
    assert "receipt_id" in error.fields


@pytest.mark.django_db
def test_entrusted_service_needs_a_receipt(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(province, decision, "entrusted", Invalid)
    assert "receipt_id" in error.fields
