"""第二十六条: the database itself refuses to alter or delete versions and signatures."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from lawtrail.matters.models import Matter
from lawtrail.records.models import Record, RecordVersion, Service, Signature
from lawtrail.records.tests.helpers import serve_directly, sign, write
from lawtrail.testing import Province


@pytest.mark.django_db
def test_a_version_cannot_be_updated(province: Province, matter: Matter) -> None:
    version = write(province, matter, "inquiry").current_version()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RecordVersion.objects.filter(pk=version.pk).update(fields={"content": "篡改"})
    version.refresh_from_db()
    assert version.fields["content"] != "篡改"


@pytest.mark.django_db
def test_a_version_cannot_be_saved_over(province: Province, matter: Matter) -> None:
    version = write(province, matter, "inquiry").current_version()
    version.reason = "rewritten"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        version.save()


@pytest.mark.django_db
def test_a_version_cannot_be_deleted(province: Province, matter: Matter) -> None:
    version = write(province, matter, "inquiry").current_version()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RecordVersion.objects.filter(pk=version.pk).delete()
    assert RecordVersion.objects.filter(pk=version.pk).exists()


@pytest.mark.django_db
def test_a_signature_cannot_be_updated_or_deleted(province: Province, matter: Matter) -> None:
    signature = sign(province, write(province, matter, "inquiry"), "interviewee")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).update(status="refused")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Signature.objects.filter(pk=signature.pk).delete()
    signature.refresh_from_db()
    assert signature.status == "signed"


@pytest.mark.django_db
def test_the_witnesses_of_a_refusal_cannot_be_removed(province: Province, matter: Matter) -> None:
    signature = sign(
        province,
        write(province, matter, "inquiry"),
        "interviewee",
        status="refused",
        circumstances="拒绝签字",
        witnesses=[province.officer_a2.pk],
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        signature.witnesses.clear()
    assert list(signature.witnesses.all()) == [province.officer_a2]


@pytest.mark.django_db
def test_a_record_and_its_service_cannot_be_rewritten(province: Province, matter: Matter) -> None:
    record = write(province, matter, "decision")
    service = serve_directly(province, matter, record)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Record.objects.filter(pk=record.pk).update(number="新卫罚〔2026〕99号")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Service.objects.filter(pk=service.pk).delete()
    record.refresh_from_db()
    assert record.number != "新卫罚〔2026〕99号"
    assert Service.objects.filter(pk=service.pk).exists()
