"""Writing, reading and correcting records over the API (第八条, 第十三条, 第二十六条)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient, counts
from lawtrail.records.tests.helpers import fields
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter


@pytest.mark.django_db
def test_a_handler_writes_a_numbered_record(province: Province, matter: Matter) -> None:
    client = JsonClient(province.officer_a)
    response = client.post(
        f"/matters/{matter.pk}/records",
        {"record_type": "statement_notice", "fields": fields("statement_notice")},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == f"新卫告〔{timezone.localdate().year}〕1号"
    assert body["matter_id"] == matter.pk and body["version"] == 1
    assert body["type_name"] == "陈述申辩告知书"
    [version] = body["versions"]
    assert version["fields"] == fields("statement_notice")
    assert version["digest"] == body["digest"] and version["corrects"] is None
    assert body["created_by"]["username"] == "officer_a"


@pytest.mark.django_db
def test_a_correction_keeps_every_version_readable(province: Province, matter: Matter) -> None:
    client = JsonClient(province.officer_a)
    record = client.post(
        f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": fields("inquiry")}
    ).json()
    response = client.post(
        f"/records/{record['id']}/versions",
        {"fields": fields("inquiry", place="询问室二"), "reason": "地点笔误"},
    )
    assert response.status_code == 201
    assert response.json()["version"] == 2 and response.json()["corrects"] == 1
    detail = client.get(f"/records/{record['id']}").json()
    assert [v["fields"]["place"] for v in detail["versions"]] == [
        "新城区卫生健康局询问室",
        "询问室二",
    ]
    assert detail["versions"][1]["reason"] == "地点笔误" and detail["version"] == 2


@pytest.mark.django_db
def test_reading_a_record_is_written_to_the_ledger_first(
    province: Province, matter: Matter
) -> None:
    """第二十条: reading is an event too."""
    client = JsonClient(province.officer_a)
    record = client.post(
        f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": fields("inquiry")}
    ).json()
    JsonClient(province.head_city).get(f"/records/{record['id']}")
    viewed = Event.objects.get(action="record.viewed")
    assert viewed.actor == "head_city" and viewed.context == matter.context


@pytest.mark.django_db
def test_a_missing_field_is_named(province: Province, matter: Matter) -> None:
    data = fields("inquiry")
    del data["content"]
    client = JsonClient(province.officer_a)
    before = counts()
    response = client.post(
        f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": data}
    )
    assert response.status_code == 422
    assert "fields.content" in response.json()["fields"]
    assert counts() == before


@pytest.mark.django_db
def test_an_unknown_type_is_refused(province: Province, matter: Matter) -> None:
    client = JsonClient(province.officer_a)
    before = counts()
    response = client.post(f"/matters/{matter.pk}/records", {"record_type": "diary", "fields": {}})
    assert response.status_code == 422
    assert "record_type" in response.json()["fields"]
    assert counts() == before


@pytest.mark.django_db
def test_an_archived_matter_refuses_new_records_and_corrections(
    province: Province, matter: Matter
) -> None:
    """第十八条: the case file is closed."""
    client = JsonClient(province.officer_a)
    record = client.post(
        f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": fields("inquiry")}
    ).json()
    Matter.objects.filter(pk=matter.pk).update(stage="archiving")
    before = counts()
    response = client.post(
        f"/matters/{matter.pk}/records", {"record_type": "inquiry", "fields": fields("inquiry")}
    )
    assert response.status_code == 409
    assert [u["code"] for u in response.json()["unmet"]] == ["records.matter_archived"]
    response = client.post(
        f"/records/{record['id']}/versions",
        {"fields": fields("inquiry", place="X"), "reason": "更正"},
    )
    assert response.status_code == 409
    assert counts() == before
