"""第十条: only established officers with a valid certificate sign as 执法人员.

Other staff (协助人员) may help record: an assistant who handles the matter writes and corrects
its records and takes down the party's signature, but never signs in an officer-side role. An
officer whose certificate has lapsed, been suspended or revoked no longer signs as 执法人员.
"""

from __future__ import annotations

import datetime
from base64 import b64encode

import pytest
from django.utils import timezone

from lawtrail.agencies.models import Certificate, Officer
from lawtrail.errors import Forbidden
from lawtrail.ledger.models import Event
from lawtrail.matters import actions as matter_actions
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.models import Record, RecordVersion, Signature
from lawtrail.records.tests.api import JsonClient
from lawtrail.records.tests.helpers import fields, png, write
from lawtrail.testing import Province

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Signature.objects.count(),
        Record.objects.count(),
        RecordVersion.objects.count(),
        Event.objects.count(),
    )


def as_signer(role: str, officer: Officer) -> actions.SignatureInput:
    return actions.SignatureInput(role, officer.name, "signed", png())


def join(p: Province, matter: Matter) -> Matter:
    """assistant_a joins the team of officer_a and officer_a2 (added by the lead)."""
    matter_actions.add_handler(p.officer_a.user, matter, p.assistant_a.pk)
    return matter


def lapse(officer: Officer, how: str) -> None:
    """A test arrangement: the certificate expired yesterday, or was suspended or revoked."""
    certificates = Certificate.objects.filter(officer=officer)
    if how == "expired":
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        certificates.update(valid_from=yesterday - datetime.timedelta(days=365), valid_to=yesterday)
    else:
        certificates.update(status=how)


@pytest.mark.parametrize("role,code", [("officer", "inquiry"), ("recorder", "hearing_record")])
def test_an_assistant_handling_the_matter_does_not_sign_as_an_officer(
    province: Province, matter: Matter, role: str, code: str
) -> None:
    record = write(province, join(province, matter), code)
    before = counts()
    with pytest.raises(Forbidden):
        actions.sign_record(
            province.assistant_a.user, record, as_signer(role, province.assistant_a)
        )
    assert counts() == before


@pytest.mark.parametrize(
    "how", ["expired", Certificate.Status.SUSPENDED, Certificate.Status.REVOKED]
)
def test_an_officer_without_a_valid_certificate_does_not_sign_as_an_officer(
    province: Province, matter: Matter, how: str
) -> None:
    record = write(province, matter, "inquiry")
    lapse(province.officer_a2, how)
    before = counts()
    with pytest.raises(Forbidden):
        actions.sign_record(
            province.officer_a2.user, record, as_signer("officer", province.officer_a2)
        )
    assert counts() == before
    # The colleague whose certificate is valid still signs.
    signed = actions.sign_record(
        province.officer_a.user, record, as_signer("officer", province.officer_a)
    )
    assert signed.signer_officer == province.officer_a


def test_an_assistant_helps_record(province: Province, matter: Matter) -> None:
    """第十条: 其他工作人员可以协助行政执法人员进行执法记录."""
    assistant = province.assistant_a.user
    record = actions.create_record(assistant, join(province, matter), "inquiry", fields("inquiry"))
    actions.correct_record(assistant, record, fields("inquiry", place="询问室二"), "地点笔误")
    assert record.versions.count() == 2
    taken = actions.sign_record(
        assistant, record, actions.SignatureInput("interviewee", "赵某", "signed", png())
    )
    assert taken.recorded_by == province.assistant_a


def test_an_assistant_does_not_host_a_hearing(province: Province, matter: Matter) -> None:
    """行政处罚法 第六十四条(四) with 第十条: the host is an officer who did not investigate."""
    record = write(province, matter, "hearing_record")
    before = counts()
    with pytest.raises(Forbidden):
        actions.sign_record(
            province.assistant_a.user, record, as_signer("hearing_host", province.assistant_a)
        )
    assert counts() == before


def test_the_api_refuses_the_assistant_signing_as_an_officer(
    province: Province, matter: Matter
) -> None:
    record = write(province, join(province, matter), "inquiry")
    client = JsonClient(province.assistant_a)
    before = counts()
    response = client.post(
        f"/records/{record.pk}/signatures",
        {
            "signer_role": "officer",
            "status": "signed",
            "image_png": b64encode(png()).decode(),
        },
    )
    assert response.status_code == 403, response.content
    assert counts() == before
