"""第十三条(五)6: public notice records its reason, method and process, keeps the notice, and a
screenshot, photo or video of it."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.matters.models import Matter
from lawtrail.records.tests.helpers import ref, refused_service, serve, write
from lawtrail.testing import Province

PROOF = {
    "reason": "受送达人下落不明。",
    "method": "在本局门户网站及公告栏公告。",
    "process": "2026年3月2日在门户网站发布，同日在公告栏张贴。",
    "notice_text": "西安市新城区好味道餐饮店：本局已作出行政处罚决定……",
    "evidence": [ref("screenshot"), ref("photo", "d" * 64, "公告栏照片")],
}


@pytest.mark.django_db
def test_a_complete_record_proves_service_by_public_notice(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    service = serve(province, decision, "public_notice", proof=PROOF)
    assert service.proof["evidence"][1]["description"] == "公告栏照片"


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["reason", "method", "process", "notice_text", "evidence"])
def test_each_part_of_a_public_notice_is_required(
    province: Province, matter: Matter, missing: str
) -> None:
    decision = write(province, matter, "decision")
    proof = {k: v for k, v in PROOF.items() if k != missing}
    error = refused_service(province, decision, "public_notice", Invalid, proof=proof)
    assert f"proof.{missing}" in error.fields


@pytest.mark.django_db
def test_a_public_notice_is_pictured_not_merely_heard(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    error = refused_service(
        province, decision, "public_notice", Invalid, proof={**PROOF, "evidence": [ref("audio")]}
    )
    assert "proof.evidence[0].kind" in error.fields
