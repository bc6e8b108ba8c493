"""Invariant 7: a record is seen only within the matter scope and written by the matter's people."""

from __future__ import annotations

import pytest

from lawtrail.errors import Forbidden, NotFound
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.permissions import get_visible_record, visible_records
from lawtrail.records.tests.helpers import fields, write
from lawtrail.testing import Province


@pytest.mark.django_db
def test_officer_b_does_not_see_county_as_records(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    with pytest.raises(NotFound):
        get_visible_record(province.officer_b.user, record.pk)
    assert not visible_records(province.officer_b.user).exists()


@pytest.mark.django_db
def test_the_agency_and_the_heads_above_see_the_record(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    for person in (
        province.officer_a2,
        province.head_a,
        province.head_city,
        province.supervisor,
        province.assistant_a,
    ):
        assert get_visible_record(person.user, record.pk) == record


@pytest.mark.django_db
def test_a_missing_record_and_a_hidden_one_look_the_same(province: Province) -> None:
    with pytest.raises(NotFound):
        get_visible_record(province.officer_b.user, 999_999)
    with pytest.raises(NotFound):
        get_visible_record(province.officer_b.user, "not a number")


@pytest.mark.django_db
def test_only_handlers_and_the_head_write_records(province: Province, matter: Matter) -> None:
    assert actions.create_record(province.head_a.user, matter, "inquiry", fields("inquiry"))
    for person in (province.assistant_a, province.head_city, province.supervisor):
        with pytest.raises(Forbidden):
            actions.create_record(person.user, matter, "inquiry", fields("inquiry"))
    with pytest.raises(NotFound):
        actions.create_record(province.officer_b.user, matter, "inquiry", fields("inquiry"))


@pytest.mark.django_db
def test_the_legal_reviewer_writes_only_the_review_opinion(
    province: Province, matter: Matter
) -> None:
    """第十三条(四): 法制审核意见书 is the reviewer's."""
    reviewer = province.reviewer_a.user
    assert actions.create_record(
        reviewer, matter, "legal_review_opinion", fields("legal_review_opinion")
    )
    with pytest.raises(Forbidden):
        actions.create_record(reviewer, matter, "decision", fields("decision"))


@pytest.mark.django_db
def test_outsiders_cannot_correct(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    with pytest.raises(NotFound):
        actions.correct_record(province.officer_b.user, record, fields("inquiry", place="X"), "x")
    with pytest.raises(Forbidden):
        actions.correct_record(province.assistant_a.user, record, fields("inquiry", place="X"), "x")
    assert record.versions.count() == 1
