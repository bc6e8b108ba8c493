"""Adding a record of a catalogue type with a form generated from the type's FieldSpecs."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.records.models import Record
from lawtrail.web.tests.conftest import inspection_post


def test_the_form_has_every_field_of_the_type(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    body = (
        login("officer_a")
        .get(f"/matters/{matter_a.pk}/records/new/?type=on_site_inspection")
        .content.decode()
    )
    for label in ("被检查人", "检查开始时间", "执法人员及执法证件号", "现场检查（勘验）情况"):
        assert label in body
    assert 'type="datetime-local"' in body


def test_a_list_of_objects_becomes_a_table(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    body = (
        login("officer_a")
        .get(f"/matters/{matter_a.pk}/records/new/?type=sampling_list")
        .content.decode()
    )
    assert "data-itemtable" in body
    assert 'name="f_items-0-name"' in body


def test_a_record_is_saved_and_shown(login: Callable[[str], Client], matter_a: Matter) -> None:
    client = login("officer_a")
    response = client.post(f"/matters/{matter_a.pk}/records/new/", inspection_post())
    assert response.status_code == 302
    record = Record.objects.get()
    assert response["Location"] == f"/matters/{matter_a.pk}/records/{record.pk}/"
    fields = record.current_version().fields
    assert fields["officers"] == ["张明 61010200001", "李华 61010200002"]
    assert fields["started_at"].startswith("2025-03-01T09:00:00+08:00")


def test_sampled_items_are_saved_as_objects(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/records/new/",
        {
            "record_type": "sampling_list",
            "f_sampled_party": "某公司",
            "f_sampled_at": "2025-03-01T09:00",
            "f_place": "仓库",
            "f_sealing": "已封样",
            "f_officers": "张明\n李华",
            "f_items-0-name": "瓶装水",
            "f_items-0-quantity": "6瓶",
            "f_items-1-name": "",
            "f_items-1-quantity": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    items = Record.objects.get().current_version().fields["items"]
    assert items == [{"name": "瓶装水", "quantity": "6瓶"}]


def test_a_missing_required_field_is_shown_and_nothing_changes(
    login: Callable[[str], Client], matter_a: Matter, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/records/new/", inspection_post(f_findings="")
    )
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert event_count() == before
    assert not Record.objects.exists()


def test_an_unknown_type_is_422(login: Callable[[str], Client], matter_a: Matter) -> None:
    response = login("officer_a").get(f"/matters/{matter_a.pk}/records/new/?type=nonsense")
    assert response.status_code == 422


def test_officer_b_cannot_write_into_county_a(
    login: Callable[[str], Client], matter_a: Matter, event_count: Callable[[], int]
) -> None:
    before = event_count()
    client = login("officer_b")
    assert (
        client.get(f"/matters/{matter_a.pk}/records/new/?type=on_site_inspection").status_code
        == 404
    )
    response = client.post(f"/matters/{matter_a.pk}/records/new/", inspection_post())
    assert response.status_code == 404
    assert event_count() == before


def test_a_colleague_who_does_not_handle_it_gets_403(
    login: Callable[[str], Client], matter_a: Matter, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("assistant_a").post(f"/matters/{matter_a.pk}/records/new/", inspection_post())
    assert response.status_code == 403
    assert event_count() == before
