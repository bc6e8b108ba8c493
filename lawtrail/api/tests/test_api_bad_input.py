"""Bad input gets a clear 4xx with a sentence and changes nothing (invariant 8).

Each case sends a request that must fail, then checks that no matter, event or other row
was written.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import (  # noqa: F401
    api_client,
    fast_password_hashing,
    matter_json,
    open_matter,
    snapshot,
)
from lawtrail.testing import Province

JSON = "application/json"


@pytest.fixture
def client(province: Province) -> Client:
    return api_client(province.officer_a)


@pytest.fixture
def matter(province: Province) -> Matter:
    return open_matter(province)


def refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str) and len(body["detail"]) > 5
    return body


def test_malformed_json_is_400(province: Province, client: Client) -> None:
    before = snapshot()
    body = refused(client.post("/api/v1/matters", '{"kind": "inspection",', content_type=JSON), 400)
    assert "JSON" in body["detail"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "application/xml"]
)
def test_a_body_that_is_not_json_is_415(
    province: Province, client: Client, content_type: str
) -> None:
    import json

    before = snapshot()
    response = client.post(
        "/api/v1/matters", json.dumps(matter_json(province)), content_type=content_type
    )
    body = refused(response, 415)
    assert "application/json" in body["detail"]
    assert snapshot() == before


def test_json_with_a_charset_is_fine(province: Province, client: Client) -> None:
    response = client.post(
        "/api/v1/matters", matter_json(province), content_type="application/json; charset=utf-8"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("drop", "field"),
    [("kind", "kind"), ("title", "title"), ("parties", "parties"), ("handlers", "handlers")],
)
def test_missing_fields_are_named(
    province: Province, client: Client, drop: str, field: str
) -> None:
    data = matter_json(province)
    del data[drop]
    before = snapshot()
    body = refused(client.post("/api/v1/matters", data, content_type=JSON), 422)
    assert field in body["fields"]
    assert snapshot() == before


def test_an_empty_body_is_422(province: Province, client: Client) -> None:
    before = snapshot()
    refused(client.post("/api/v1/matters", "", content_type=JSON), 422)
    refused(client.post("/api/v1/matters", [1, 2], content_type=JSON), 422)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"kind": "coercion"}, 422, "kind"),
        ({"kind": 7}, 422, "kind"),
        (
            {"parties": [{"type": "person", "name": "张三", "id_number": "110105194912310021"}]},
            422,
            "parties[0].id_number",
        ),
        (
            {"parties": [{"type": "person", "name": "张三", "id_number": "11010519491331002X"}]},
            422,
            "parties[0].id_number",
        ),
        (
            {
                "parties": [
                    {"type": "organisation", "name": "某", "credit_code": "91350100M000100Y44"}
                ]
            },
            422,
            "parties[0].credit_code",
        ),
        ({"gis_points": [{"latitude": 95, "longitude": 108}]}, 422, "gis_points[0].latitude"),
        ({"gis_points": [{"latitude": 34, "longitude": -190}]}, 422, "gis_points[0].longitude"),
        (
            {"gis_points": [{"latitude": 34, "longitude": 108, "datum": "BD-09"}]},
            422,
            "gis_points[0].datum",
        ),
        ({"handlers": ["one"]}, 422, "handlers[0]"),
        ({"flags": {"av_everything": True}}, 422, "flags.av_everything"),
        ({"surprise": 1}, 422, "surprise"),
        ({"title": "长" * 300}, 422, "title"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(
    province: Province, client: Client, overrides: dict[str, Any], status: int, field: str
) -> None:
    before = snapshot()
    body = refused(
        client.post("/api/v1/matters", matter_json(province, **overrides), content_type=JSON),
        status,
    )
    assert field in body["fields"], body
    assert snapshot() == before


def test_a_gis_point_out_of_range_on_an_existing_matter(
    province: Province, client: Client, matter: Matter
) -> None:
    before = snapshot()
    body = refused(
        client.post(
            f"/api/v1/matters/{matter.pk}/gis-points",
            {"latitude": 34.2, "longitude": 181},
            content_type=JSON,
        ),
        422,
    )
    assert list(body["fields"]) == ["longitude"]
    assert snapshot() == before


def test_a_skipped_stage_is_409_with_the_condition(
    province: Province, client: Client, matter: Matter
) -> None:
    before = snapshot()
    body = refused(
        client.post(
            f"/api/v1/matters/{matter.pk}/stage", {"stage": "archiving"}, content_type=JSON
        ),
        409,
    )
    assert [(u["code"], u["article"]) for u in body["unmet"]] == [("stage.order", "第三条")]
    assert snapshot() == before
    matter.refresh_from_db()
    assert matter.stage == "initiation"


def test_an_oversized_body_is_413(province: Province, client: Client) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    padding = "x" * (limit + 1)
    before = snapshot()
    refused(
        client.post("/api/v1/matters", matter_json(province, summary=padding), content_type=JSON),
        413,
    )
    assert snapshot() == before


def test_a_bad_pagination_cursor_is_refused(province: Province, client: Client) -> None:
    import base64

    forged = base64.urlsafe_b64encode(b'["yesterday", "one"]').decode()
    for cursor in ("%%%", "bm90IGpzb24", forged, "WzFd"):
        body = refused(client.get(f"/api/v1/matters?after={cursor}"), 422)
        assert "after" in body["fields"]


def test_a_malformed_matter_id_is_refused(province: Province, client: Client) -> None:
    refused(client.get("/api/v1/matters/abc"), 422)
    refused(client.get("/api/v1/matters/99999999999999999999999999"), 404)
    refused(client.get("/api/v1/matters/0"), 404)


@pytest.mark.parametrize(
    "path", ["/api/v1/matters/99999999999999999999", "/api/v1/evidence/99999999999999999999"]
)
def test_an_id_past_what_the_database_holds_is_a_clear_4xx(province: Province, path: str) -> None:
    """Found by schemathesis: SQLite refused the number and the API answered 500."""
    response = api_client(province.officer_a).get(path)
    assert response.status_code in (404, 422)
    assert response.json()["detail"]


def test_a_nul_character_is_refused_in_bodies_and_queries(province: Province) -> None:
    """Found by schemathesis on PostgreSQL, which refuses NUL in text: 500 before, 422 now."""
    client = api_client(province.officer_a)
    body = client.post(
        "/api/v1/matters",
        {"kind": "inspection", "title": "a\x00b", "place": "p", "parties": [], "handlers": []},
        content_type="application/json",
    )
    assert body.status_code == 422
    assert "NUL" in body.content.decode()
    query = client.get("/api/v1/evidence", {"matter": "x\x00y"})
    assert query.status_code == 400
    assert "NUL" in query.json()["detail"]
