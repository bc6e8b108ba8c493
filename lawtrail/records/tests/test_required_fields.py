"""卫生部令第87号 第六条: every preset field is filled in; the engine names what is missing."""

from __future__ import annotations

import pytest

from lawtrail.errors import Invalid
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import fields
from lawtrail.testing import Province


def refused(p: Province, matter: Matter, code: str, data: object) -> Invalid:
    records, events = Record.objects.count(), Event.objects.count()
    with pytest.raises(Invalid) as error:
        actions.create_record(p.officer_a.user, matter, code, data)  # type: ignore[arg-type]
    assert (Record.objects.count(), Event.objects.count()) == (records, events)
    return error.value


@pytest.mark.django_db
def test_a_missing_required_field_is_refused_by_name(province: Province, matter: Matter) -> None:
    data = fields("inquiry")
    del data["content"]
    error = refused(province, matter, "inquiry", data)
    assert list(error.fields) == ["fields.content"]
    assert "询问内容" in error.fields["fields.content"][0]


@pytest.mark.django_db
def test_blank_text_counts_as_missing(province: Province, matter: Matter) -> None:
    error = refused(province, matter, "inquiry", fields("inquiry", interviewee="   "))
    assert "fields.interviewee" in error.fields


@pytest.mark.django_db
def test_every_missing_field_is_named_at_once(province: Province, matter: Matter) -> None:
    error = refused(province, matter, "decision", {"party": "某店"})
    assert {"fields.remedies", "fields.facts_and_evidence", "fields.decided_on"} <= set(
        error.fields
    )


@pytest.mark.django_db
def test_an_unknown_record_type_is_refused(province: Province, matter: Matter) -> None:
    error = refused(province, matter, "love_letter", {})
    assert "record_type" in error.fields


@pytest.mark.django_db
def test_a_field_the_type_does_not_have_is_refused(province: Province, matter: Matter) -> None:
    error = refused(province, matter, "inquiry", fields("inquiry", mood="happy"))
    assert list(error.fields) == ["fields.mood"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("interviewee", 42),
        ("started_at", "yesterday"),
        ("started_at", "2026-02-30T09:00:00"),
        ("relation", "路人"),
        ("interviewers", "张明"),
        ("interviewers", ["张明", 7]),
        ("notice_given", True),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(
    province: Province, matter: Matter, name: str, value: object
) -> None:
    error = refused(province, matter, "inquiry", fields("inquiry", **{name: value}))
    assert any(key.startswith(f"fields.{name}") for key in error.fields)


@pytest.mark.django_db
@pytest.mark.parametrize("value", [True, "五千", "1e9", float("nan"), [5000]])
def test_a_number_field_takes_only_numbers(
    province: Province, matter: Matter, value: object
) -> None:
    error = refused(province, matter, "decision", fields("decision", amount=value))
    assert "fields.amount" in error.fields


@pytest.mark.django_db
def test_dates_must_be_real(province: Province, matter: Matter) -> None:
    error = refused(province, matter, "decision", fields("decision", decided_on="2026-02-30"))
    assert "fields.decided_on" in error.fields


@pytest.mark.django_db
def test_the_entries_of_a_list_of_objects_are_checked_too(
    province: Province, matter: Matter
) -> None:
    items = [{"name": "餐具"}, {"name": "砧板", "quantity": "1块", "colour": "红"}]
    error = refused(province, matter, "sampling_list", fields("sampling_list", items=items))
    assert set(error.fields) == {"fields.items[0].quantity", "fields.items[1].colour"}


@pytest.mark.django_db
def test_fields_must_be_an_object(province: Province, matter: Matter) -> None:
    error = refused(province, matter, "inquiry", ["not", "an", "object"])
    assert "fields" in error.fields


@pytest.mark.django_db
def test_values_are_stored_in_one_canonical_form(province: Province, matter: Matter) -> None:
    record = actions.create_record(
        province.officer_a.user,
        matter,
        "decision",
        fields("decision", amount=5000.50, party="  某店  ", decided_on="2026-03-10"),
    )
    stored = record.current_version().fields
    assert stored["amount"] == "5000.5"  # never a float (lawtrail.ledger.canonical)
    assert stored["party"] == "某店"
    inquiry = actions.create_record(
        province.officer_a.user,
        matter,
        "inquiry",
        fields("inquiry", started_at="2026-03-02T01:30:00Z"),
    )
    assert inquiry.current_version().fields["started_at"] == "2026-03-02T09:30:00+08:00"


@pytest.mark.django_db
@pytest.mark.parametrize("value", [{}, [], 0, False])
def test_an_optional_field_of_the_wrong_type_is_refused_too(
    province: Province, matter: Matter, value: object
) -> None:
    error = refused(province, matter, "inquiry", fields("inquiry", interviewee_statement=value))
    assert "fields.interviewee_statement" in error.fields
