"""第十三条(五)2: lodged service (留置送达) notes the circumstances, with photo, video or audio."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.matters.models import Matter
from lawtrail.records.tests.helpers import ref, refused_service, serve, write
from lawtrail.testing import Province

CIRCUMSTANCES = "受送达人拒绝签收，送达人将文书留置于其经营场所，并拍照、录像。"


@pytest.mark.django_db
def test_circumstances_and_a_photo_prove_lodged_service(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    service = serve(
        province,
        decision,
        "lodged",
        proof={"circumstances": CIRCUMSTANCES, "evidence": [ref("photo"), ref("video", "b" * 64)]},
    )
    assert service.proof["evidence"][1] == {"kind": "video", "sha256": "b" * 64, "description": ""}


@pytest.mark.django_db
def test_lodged_service_needs_the_circumstances(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(
        province, decision, "lodged", Invalid, proof={"evidence": [ref("photo")]}
    )
    assert "proof.circumstances" in error.fields


@pytest.mark.django_db
def test_lodged_service_needs_photo_video_or_audio(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(
        province, decision, "lodged", Invalid, proof={"circumstances": CIRCUMSTANCES}
    )
    assert "proof.evidence" in error.fields
    error = refused_service(
        province,
        decision,
        "lodged",
        Invalid,
        proof={"circumstances": CIRCUMSTANCES, "evidence": [ref("sms")]},
    )
    assert "proof.evidence[0].kind" in error.fields
