"""文号 (卫生部令第87号 art. 4): 地区简称 + 卫 + 性质 + 〔年份〕 + 序号, never repeated."""

from __future__ import annotations

import pytest
from django.db import transaction

from lawtrail.agencies.numbering import format_number, issue_number
from lawtrail.testing import Province


def test_numbers_follow_the_template_and_count_up_per_agency_nature_and_year(
    province: Province,
) -> None:
    with transaction.atomic():
        first = issue_number(province.county_a, "罚", year=2026)
        second = issue_number(province.county_a, "罚", year=2026)
        other_nature = issue_number(province.county_a, "检", year=2026)
        other_year = issue_number(province.county_a, "罚", year=2027)
        other_agency = issue_number(province.county_b, "罚", year=2026)
    assert (first, second) == ("新卫罚〔2026〕1号", "新卫罚〔2026〕2号")
    assert other_nature == "新卫检〔2026〕1号"
    assert other_year == "新卫罚〔2027〕1号"
    assert other_agency == "碑卫罚〔2026〕1号"


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_the_transaction_that_uses_it(province: Province) -> None:
    with pytest.raises(RuntimeError):
        issue_number(province.county_a, "罚")


def test_the_template_is_data_on_the_agency(province: Province) -> None:
    agency = province.county_a
    agency.number_template = "{short}卫{category}{nature}字〔{year}〕第{seq}号"
    assert format_number(agency, nature="罚", category="监", year=2026, seq=7) == (
        "新卫监罚字〔2026〕第7号"
    )
