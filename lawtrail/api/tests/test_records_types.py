"""GET /api/v1/record-types: the catalogue of 文书/笔录 (第十三条), as data."""

from __future__ import annotations

import pytest

from lawtrail.records.tests import fixtures
from lawtrail.records.tests.api import JsonClient
from lawtrail.testing import Province

fast_password_hashing = fixtures.fast_password_hashing


@pytest.mark.django_db
def test_it_lists_every_type_with_its_fields_and_signers(province: Province) -> None:
    response = JsonClient(province.officer_a).get("/record-types")
    assert response.status_code == 200
    types = {t["code"]: t for t in response.json()}
    inquiry = types["inquiry"]
    assert inquiry["name"] == "询问（调查）笔录" and inquiry["touches_party_rights"] is True
    assert inquiry["article"].startswith("第十三条")
    content = next(f for f in inquiry["fields"] if f["name"] == "content")
    assert content == {
        "name": "content",
        "label": "询问内容（问答）",
        "type": "textarea",
        "required": True,
        "choices": [],
        "items": [],
    }
    assert {"role": "interviewee", "label": "被询问人", "side": "party"} in inquiry["signers"]
    assert types["decision"]["is_decision"] and types["decision"]["number_nature"] == "罚"
    items = next(f for f in types["sampling_list"]["fields"] if f["name"] == "items")
    assert {i["name"] for i in items["items"]} >= {"name", "quantity"}


@pytest.mark.django_db
def test_it_needs_a_login(province: Province) -> None:
    assert JsonClient(None).get("/record-types").status_code == 401
