"""文号 (卫生部令第87号 第四条): 地区简称 + 卫 + 执法性质 + 〔年份〕 + 序号, never issued twice."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from lawtrail.errors import Invalid
from lawtrail.matters.models import Matter
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import fields, open_matter, write
from lawtrail.testing import Province


def year() -> int:
    return timezone.localdate().year


@pytest.mark.django_db
def test_a_decision_gets_the_agencys_number(province: Province, matter: Matter) -> None:
    record = write(province, matter, "decision")
    assert record.number == f"新卫罚〔{year()}〕1号"
    assert record.agency == province.county_a


@pytest.mark.django_db
def test_numbers_count_up_per_nature(province: Province, matter: Matter) -> None:
    numbers = [write(province, matter, "statement_notice").number for _ in range(3)]
    assert numbers == [f"新卫告〔{year()}〕{n}号" for n in (1, 2, 3)]
    assert write(province, matter, "reminder").number == f"新卫催〔{year()}〕1号"
    assert write(province, matter, "hearing_notice").number == f"新卫听通〔{year()}〕1号"
    assert write(province, matter, "enforcement_application").number == f"新卫强申〔{year()}〕1号"


@pytest.mark.django_db
def test_seizure_and_sealing_are_numbered_apart(province: Province, matter: Matter) -> None:
    assert write(province, matter, "seizure_decision", measure="查封").number == (
        f"新卫封〔{year()}〕1号"
    )
    assert write(province, matter, "seizure_decision", measure="扣押").number == (
        f"新卫扣〔{year()}〕1号"
    )


@pytest.mark.django_db
def test_each_agency_has_its_own_sequence(province: Province, matter: Matter) -> None:
    from lawtrail.matters import actions as matter_actions
    from lawtrail.records import actions
    from lawtrail.records.tests.helpers import PARTY_USCC

    other = matter_actions.open_matter(
        province.officer_b.user,
        province.county_b,
        matter_actions.MatterInput(
            kind="inspection",
            title="检查",
            place="碑林区",
            parties=[
                matter_actions.PartyInput(type="organisation", name="某店", credit_code=PARTY_USCC)
            ],
            handlers=[province.officer_b.pk, province.officer_b2.pk],
        ),
    )
    write(province, matter, "statement_notice")
    record = actions.create_record(
        province.officer_b.user, other, "statement_notice", fields("statement_notice")
    )
    assert record.number == f"碑卫告〔{year()}〕1号"


@pytest.mark.django_db
def test_a_license_decision_is_not_numbered_as_a_penalty(province: Province) -> None:
    license_matter = open_matter(province, kind="license")
    assert write(province, license_matter, "decision").number == f"新卫许决〔{year()}〕1号"


@pytest.mark.django_db
def test_unnumbered_types_have_no_number(province: Province, matter: Matter) -> None:
    assert write(province, matter, "inquiry").number == ""
    assert write(province, matter, "inquiry").number == ""


@pytest.mark.django_db
def test_a_refused_record_uses_up_no_number(province: Province, matter: Matter) -> None:
    with pytest.raises(Invalid):
        write(province, matter, "decision", remedies="")
    assert write(province, matter, "decision").number == f"新卫罚〔{year()}〕1号"


@pytest.mark.django_db
def test_the_database_refuses_a_number_twice_in_one_agency(
    province: Province, matter: Matter
) -> None:
    record = write(province, matter, "decision")
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.create(
            matter=matter,
            agency=province.county_a,
            record_type="decision",
            number=record.number,
            created_by=province.officer_a,
            created_at=timezone.now(),
        )
