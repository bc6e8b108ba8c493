"""第十三条(五)1: direct service is proved by a 送达回执 signed by the recipient."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records.tests.helpers import (
    open_matter,
    receipt_for,
    refused_service,
    serve,
    sign,
    write,
)
from lawtrail.testing import Province


@pytest.mark.django_db
def test_a_signed_receipt_proves_direct_service(province: Province, matter: Matter) -> None:
    notice = write(province, matter, "statement_notice")
    receipt = receipt_for(province, matter, notice)
    service = serve(province, notice, "direct", receipt_id=receipt.pk)
    assert service.receipt == receipt and service.version == notice.current_version()
    body = bytes(Event.objects.get(action="record.served").body).decode()
    assert notice.number in body and receipt.current_version().digest in body


@pytest.mark.django_db
def test_direct_service_without_a_receipt_is_refused(province: Province, matter: Matter) -> None:
    notice = write(province, matter, "statement_notice")
    error = refused_service(province, notice, "direct", Invalid)
    assert "receipt_id" in error.fields


@pytest.mark.django_db
def test_a_receipt_the_recipient_has_not_signed_is_refused(
    province: Province, matter: Matter
) -> None:
    notice = write(province, matter, "statement_notice")
    receipt = write(province, matter, "service_receipt", served_documents=[notice.number])
    refused_service(province, notice, "direct", Invalid, receipt_id=receipt.pk)
    sign(
        province,
        receipt,
        "recipient",
        status="refused",
        circumstances="拒收",
        witnesses=[province.officer_a2.pk],
    )
    error = refused_service(province, notice, "direct", Invalid, receipt_id=receipt.pk)
    assert "receipt_id" in error.fields


@pytest.mark.django_db
def test_a_receipt_for_another_document_is_refused(province: Province, matter: Matter) -> None:
    notice = write(province, matter, "statement_notice")
    other = write(province, matter, "statement_notice")
    receipt = receipt_for(province, matter, other)
    error = refused_service(province, notice, "direct", Invalid, receipt_id=receipt.pk)
    assert notice.number in error.message


@pytest.mark.django_db
def test_a_receipt_of_another_matter_is_refused(province: Province, matter: Matter) -> None:
    notice = write(province, matter, "statement_notice")
    elsewhere = open_matter(province)
    receipt = receipt_for(province, elsewhere, notice)
    refused_service(province, notice, "direct", Invalid, receipt_id=receipt.pk)


@pytest.mark.django_db
def test_a_record_that_is_not_a_receipt_is_refused(province: Province, matter: Matter) -> None:
    notice = write(province, matter, "statement_notice")
    inquiry = write(province, matter, "inquiry")
    sign(province, inquiry, "interviewee")
    refused_service(province, notice, "direct", Invalid, receipt_id=inquiry.pk)


@pytest.mark.django_db
def test_a_receipt_recording_entrusted_service_does_not_prove_direct_service(
    province: Province, matter: Matter
) -> None:
    notice = write(province, matter, "statement_notice")
    receipt = receipt_for(province, matter, notice, method="委托送达", entrusted_person="钱某")
    refused_service(province, notice, "direct", Invalid, receipt_id=receipt.pk)
