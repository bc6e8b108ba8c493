"""第十三条(五)3: service by mail keeps the postage voucher and the return receipt, or records
why the post office returned it."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.matters.models import Matter
from lawtrail.records.tests.helpers import ref, refused_service, serve, write
from lawtrail.testing import Province


@pytest.mark.django_db
def test_voucher_and_return_receipt_prove_service_by_mail(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    service = serve(
        province,
        decision,
        "mail",
        proof={
            "postage_voucher": ref("scan"),
            "return_receipt": ref("scan", "c" * 64),
        },
    )
    assert service.proof["return_receipt"]["sha256"] == "c" * 64


@pytest.mark.django_db
def test_a_returned_letter_is_recorded_with_its_circumstances(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    service = serve(
        province,
        decision,
        "mail",
        proof={
            "postage_voucher": ref("photo"),
            "returned": True,
            "return_circumstances": "邮政企业以查无此人为由退回。",
        },
    )
    assert service.proof["returned"] is True


@pytest.mark.django_db
def test_service_by_mail_needs_the_postage_voucher(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(
        province, decision, "mail", Invalid, proof={"return_receipt": ref("scan")}
    )
    assert "proof.postage_voucher" in error.fields


@pytest.mark.django_db
def test_service_by_mail_needs_the_receipt_or_the_return(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(
        province, decision, "mail", Invalid, proof={"postage_voucher": ref("scan")}
    )
    assert "proof.return_receipt" in error.fields
    error = refused_service(
        province,
        decision,
        "mail",
        Invalid,
        proof={"postage_voucher": ref("scan"), "returned": True},
    )
    assert "proof.return_circumstances" in error.fields
    error = refused_service(
        province,
        decision,
        "mail",
        Invalid,
        proof={
            "postage_voucher": ref("scan"),
            "returned": "yes",
            "return_circumstances": "退回",
        },
    )
    assert "proof.returned" in error.fields


@pytest.mark.django_db
def test_a_returned_letter_has_no_return_receipt(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(
        province,
        decision,
        "mail",
        Invalid,
        proof={
            "postage_voucher": ref("scan"),
            "return_receipt": ref("scan"),
            "returned": True,
            "return_circumstances": "退回",
        },
    )
    assert "proof.return_receipt" in error.fields
