"""第二十六条: a record is never overwritten; a correction is a new version that says why."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.fields import digest
from lawtrail.records.tests.helpers import fields, sign, write
from lawtrail.testing import Province


@pytest.mark.django_db
def test_a_correction_keeps_every_version(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    first = record.current_version()
    second = actions.correct_record(
        province.officer_a.user, record, fields("inquiry", place="询问室二"), "地点笔误"
    )
    third = actions.correct_record(
        province.officer_a2.user, record, fields("inquiry", place="询问室三"), "再次更正"
    )
    versions = list(record.versions.order_by("version"))
    assert [v.version for v in versions] == [1, 2, 3]
    assert [v.fields["place"] for v in versions] == [
        "新城区卫生健康局询问室",
        "询问室二",
        "询问室三",
    ]
    assert second.corrects == first and third.corrects == second
    assert third.reason == "再次更正" and third.created_by == province.officer_a2
    assert record.current_version() == third
    first.refresh_from_db()
    assert first.fields == fields("inquiry") and first.digest == digest(first.fields)


@pytest.mark.django_db
def test_the_digest_is_taken_over_the_canonical_fields(province: Province, matter: Matter) -> None:
    version = write(province, matter, "inquiry").current_version()
    assert version.digest == digest(fields("inquiry"))
    assert len(version.digest) == 64


@pytest.mark.django_db
def test_a_correction_needs_a_reason(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    with pytest.raises(Invalid) as error:
        actions.correct_record(province.officer_a.user, record, fields("inquiry", place="X"), " ")
    assert "reason" in error.value.fields
    assert record.versions.count() == 1


@pytest.mark.django_db
def test_a_correction_that_changes_nothing_is_refused(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    with pytest.raises(Invalid) as error:
        actions.correct_record(province.officer_a.user, record, fields("inquiry"), "无")
    assert "fields" in error.value.fields and record.versions.count() == 1


@pytest.mark.django_db
def test_a_correction_is_checked_like_a_new_record(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    data = fields("inquiry")
    del data["content"]
    with pytest.raises(Invalid) as error:
        actions.correct_record(province.officer_a.user, record, data, "删去问答")
    assert "fields.content" in error.value.fields


@pytest.mark.django_db
def test_a_correction_keeps_the_document_number(province: Province, matter: Matter) -> None:
    record = write(province, matter, "statement_notice")
    actions.correct_record(
        province.officer_a.user, record, fields("statement_notice", facts="更正后的事实"), "更正"
    )
    record.refresh_from_db()
    assert record.number.startswith("新卫告〔")


@pytest.mark.django_db
def test_a_correction_cannot_change_what_the_number_says(
    province: Province, matter: Matter
) -> None:
    record = write(province, matter, "seizure_decision", measure="扣押")
    with pytest.raises(Invalid) as error:
        actions.correct_record(
            province.officer_a.user, record, fields("seizure_decision", measure="查封"), "改为查封"
        )
    assert "fields.measure" in error.value.fields


@pytest.mark.django_db
def test_signatures_stay_with_the_version_that_was_signed(
    province: Province, matter: Matter
) -> None:
    record = write(province, matter, "inquiry")
    signature = sign(province, record, "interviewee")
    new = actions.correct_record(
        province.officer_a.user, record, fields("inquiry", place="询问室二"), "更正地点"
    )
    assert signature.version.version == 1
    assert not new.signatures.exists()


@pytest.mark.django_db
def test_the_ledger_commits_to_each_versions_digest(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    version = actions.correct_record(
        province.officer_a.user, record, fields("inquiry", place="询问室二"), "更正地点"
    )
    created, corrected = Event.objects.filter(
        context=matter.context, action__in=["record.created", "record.corrected"]
    ).order_by("seq")
    assert record.versions.get(version=1).digest in bytes(created.body).decode()
    body = bytes(corrected.body).decode()
    assert version.digest in body and '"reason":"更正地点"' in body
