"""第十三条(五)4: fax and e-mail are recorded by recording, SMS, screenshot or screen recording;
a fax also notes its time and number; a decision is never served this way."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid, Refused
from lawtrail.matters.models import Matter
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import ref, refused_service, serve, sign, write
from lawtrail.testing import Province

FAX = {
    "evidence": [ref("recording")],
    "fax_time": "2026-03-02T15:00:00+08:00",
    "fax_number": "029-87654321",
}
EMAIL = {"evidence": [ref("screenshot")], "address": "owner@example.cn"}


def consent(p: Province, matter: Matter, channel: str = "电子邮件") -> Record:
    """行政处罚法 第六十一条: the party agreed to electronic service in writing."""
    record = write(p, matter, "electronic_service_consent", channel=channel)
    sign(p, record, "party")
    return record


@pytest.mark.django_db
@pytest.mark.parametrize(("channel", "proof"), [("fax", FAX), ("email", EMAIL)])
@pytest.mark.parametrize("code", ["decision", "seizure_decision"])
def test_a_decision_is_never_served_by_fax_or_email(
    province: Province, matter: Matter, channel: str, proof: dict[str, object], code: str
) -> None:
    consent(province, matter, "传真")
    consent(province, matter, "电子邮件")
    decision = write(province, matter, code)
    error = refused_service(province, decision, "electronic", Refused, channel=channel, proof=proof)
    assert [u.code for u in error.unmet] == ["service.electronic_decision"]
    assert error.unmet[0].article == "第十三条(五)4"


@pytest.mark.django_db
def test_email_with_a_screenshot_proves_service_of_a_notice(
    province: Province, matter: Matter
) -> None:
    consent(province, matter)
    notice = write(province, matter, "statement_notice")
    service = serve(province, notice, "electronic", channel="email", proof=EMAIL)
    assert service.channel == "email" and service.proof["evidence"][0]["kind"] == "screenshot"


@pytest.mark.django_db
def test_a_fax_notes_its_time_and_the_recipients_number(province: Province, matter: Matter) -> None:
    consent(province, matter, "传真")
    notice = write(province, matter, "statement_notice")
    service = serve(province, notice, "electronic", channel="fax", proof=FAX)
    assert service.proof["fax_number"] == "029-87654321"
    assert service.proof["fax_time"] == "2026-03-02T15:00:00+08:00"
    for missing in ("fax_time", "fax_number"):
        proof = {k: v for k, v in FAX.items() if k != missing}
        error = refused_service(province, notice, "electronic", Invalid, channel="fax", proof=proof)
        assert f"proof.{missing}" in error.fields


@pytest.mark.django_db
def test_electronic_service_needs_a_recording_sms_screenshot_or_screen_recording(
    province: Province, matter: Matter
) -> None:
    consent(province, matter)
    notice = write(province, matter, "statement_notice")
    error = refused_service(province, notice, "electronic", Invalid, channel="email", proof={})
    assert "proof.evidence" in error.fields
    error = refused_service(
        province, notice, "electronic", Invalid, channel="email", proof={"evidence": [ref("photo")]}
    )
    assert "proof.evidence[0].kind" in error.fields


@pytest.mark.django_db
def test_electronic_service_goes_by_fax_or_email(province: Province, matter: Matter) -> None:
    consent(province, matter)
    notice = write(province, matter, "statement_notice")
    for channel in ("", "wechat"):
        error = refused_service(
            province, notice, "electronic", Invalid, channel=channel, proof=EMAIL
        )
        assert "channel" in error.fields


@pytest.mark.django_db
def test_electronic_service_needs_the_partys_signed_consent(
    province: Province, matter: Matter
) -> None:
    notice = write(province, matter, "statement_notice")
    error = refused_service(province, notice, "electronic", Refused, channel="email", proof=EMAIL)
    assert [u.code for u in error.unmet] == ["service.electronic_consent"]
    unsigned = write(province, matter, "electronic_service_consent")
    refused_service(province, notice, "electronic", Refused, channel="email", proof=EMAIL)
    sign(province, unsigned, "party")
    refused_service(province, notice, "electronic", Refused, channel="fax", proof=FAX)
    assert serve(province, notice, "electronic", channel="email", proof=EMAIL)
