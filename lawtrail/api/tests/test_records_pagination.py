"""GET /api/v1/matters/{id}/records: in writing order, one keyset page at a time."""

from __future__ import annotations

import pytest

from lawtrail.matters.models import Matter
from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient
from lawtrail.records.tests.helpers import write
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter


@pytest.mark.django_db
def test_pages_follow_each_other_without_gaps(province: Province, matter: Matter) -> None:
    ids = [
        write(province, matter, code).pk
        for code in ("inquiry", "on_site_inspection", "decision", "inquiry", "reminder")
    ]
    client = JsonClient(province.officer_a)
    seen: list[int] = []
    after = None
    while True:
        params = {"limit": 2, **({"after": after} if after else {})}
        page = client.get(f"/matters/{matter.pk}/records", **params).json()
        seen += [item["id"] for item in page["items"]]
        assert len(page["items"]) <= 2
        after = page["next"]
        if after is None:
            break
    assert seen == ids


@pytest.mark.django_db
def test_the_list_filters_by_type(province: Province, matter: Matter) -> None:
    write(province, matter, "inquiry")
    decision = write(province, matter, "decision")
    client = JsonClient(province.officer_a)
    page = client.get(f"/matters/{matter.pk}/records", record_type="decision").json()
    assert [item["id"] for item in page["items"]] == [decision.pk]
    assert page["items"][0]["number"] == decision.number
    response = client.get(f"/matters/{matter.pk}/records", record_type="diary")
    assert response.status_code == 422


@pytest.mark.django_db
def test_a_cursor_not_given_out_is_refused(province: Province, matter: Matter) -> None:
    client = JsonClient(province.officer_a)
    for bad in ("garbage", "W10", "WyJ4Il0"):
        assert client.get(f"/matters/{matter.pk}/records", after=bad).status_code == 422
    assert client.get(f"/matters/{matter.pk}/records", limit=0).status_code == 422
    assert client.get(f"/matters/{matter.pk}/records", limit=201).status_code == 422
