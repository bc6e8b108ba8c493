"""What every service needs, whatever its method (第十三条(五))."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lawtrail.errors import Forbidden, Invalid, NotFound, Refused
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.tests.helpers import EVIDENCE, ref, refused_service, write
from lawtrail.testing import Province

LODGED = {"circumstances": "拒收，留置。", "evidence": [ref("photo")]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "digest",
    ["A" * 64, "a" * 63, "a" * 65, "g" * 64, "", 64],
)
def test_an_evidence_reference_needs_a_sha256_digest(
    province: Province, matter: Matter, digest: object
) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(
        province,
        decision,
        "lodged",
        Invalid,
        proof={**LODGED, "evidence": [{"kind": "photo", "sha256": digest}]},
    )
    assert "proof.evidence[0].sha256" in error.fields


@pytest.mark.django_db
def test_an_evidence_reference_has_only_kind_digest_and_description(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    reference = {**ref("photo"), "url": "http://example.com/x.jpg"}
    error = refused_service(
        province, decision, "lodged", Invalid, proof={**LODGED, "evidence": [reference]}
    )
    assert "proof.evidence[0].url" in error.fields
    error = refused_service(
        province, decision, "lodged", Invalid, proof={**LODGED, "evidence": [EVIDENCE]}
    )
    assert "proof.evidence[0]" in error.fields


@pytest.mark.django_db
def test_a_record_that_is_not_served_has_no_service(province: Province, matter: Matter) -> None:
    inquiry = write(province, matter, "inquiry")
    error = refused_service(province, inquiry, "lodged", Refused, proof=LODGED)
    assert [u.code for u in error.unmet] == ["service.not_served_type"]


@pytest.mark.django_db
def test_a_service_in_the_future_is_refused(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    error = refused_service(province, decision, "lodged", Invalid, proof=LODGED, served_at=tomorrow)
    assert "served_at" in error.fields


@pytest.mark.django_db
def test_unknown_methods_channels_and_proof_are_refused(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    assert "method" in refused_service(province, decision, "pigeon", Invalid).fields
    assert (
        "channel"
        in refused_service(
            province, decision, "lodged", Invalid, proof=LODGED, channel="fax"
        ).fields
    )
    assert (
        "proof.gps"
        in refused_service(
            province, decision, "lodged", Invalid, proof={**LODGED, "gps": "34.2,108.9"}
        ).fields
    )
    assert (
        "recipient"
        in refused_service(
            province, decision, "lodged", Invalid, proof=LODGED, recipient=" "
        ).fields
    )
    assert (
        "receipt_id"
        in refused_service(
            province, decision, "lodged", Invalid, proof=LODGED, receipt_id=decision.pk
        ).fields
    )


@pytest.mark.django_db
def test_only_the_matters_people_record_a_service(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    data = actions.ServiceInput(
        method="lodged", served_at=timezone.now(), recipient="赵某", proof=LODGED
    )
    with pytest.raises(NotFound):
        actions.record_service(province.officer_b.user, decision, data)
    with pytest.raises(Forbidden):
        actions.record_service(province.assistant_a.user, decision, data)
    with pytest.raises(Forbidden):
        actions.record_service(province.head_city.user, decision, data)
