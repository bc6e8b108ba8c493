"""/api/v1/openapi.json documents every path with typed request and response bodies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lawtrail.matters.tests.factories import fast_password_hashing  # noqa: F401

PATHS = {
    "/api/v1/matters": {"get", "post"},
    "/api/v1/matters/{matter_id}": {"get"},
    "/api/v1/matters/{matter_id}/handlers": {"post"},
    "/api/v1/matters/{matter_id}/parties": {"post"},
    "/api/v1/matters/{matter_id}/gis-points": {"post"},
    "/api/v1/matters/{matter_id}/approvals": {"post"},
    "/api/v1/matters/{matter_id}/approvals/{approval_id}/decision": {"post"},
    "/api/v1/matters/{matter_id}/stage": {"post"},
    "/api/v1/matters/{matter_id}/return": {"post"},
    "/api/v1/matters/{matter_id}/review-requirements": {"post"},
    "/api/v1/matters/{matter_id}/timeline": {"get"},
    "/api/v1/agencies": {"get", "post"},
    "/api/v1/agencies/{region_code}/people": {"get", "post"},
    "/api/v1/people/{username}": {"get"},
    "/api/v1/people/{username}/certificates": {"post"},
    "/api/v1/people/{username}/certificates/{number}/status": {"post"},
    "/api/v1/me": {"get"},
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("path", "methods"), PATHS.items())
def test_the_spec_lists_the_path(spec: dict[str, Any], path: str, methods: set[str]) -> None:
    assert path in spec["paths"]
    assert methods <= set(spec["paths"][path])


def test_it_is_openapi_3_with_both_ways_to_authenticate(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    schemes = spec["components"]["securitySchemes"]
    kinds = {(s["type"], s.get("scheme", s.get("in"))) for s in schemes.values()}
    assert ("http", "bearer") in kinds
    assert ("apiKey", "cookie") in kinds


def test_responses_are_typed(spec: dict[str, Any]) -> None:
    opening = spec["paths"]["/api/v1/matters"]["post"]
    assert {"201", "409", "422"} <= set(opening["responses"])
    created = opening["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/MatterDetail")
    detail = spec["components"]["schemas"]["MatterDetail"]["properties"]
    assert {"parties", "handlers", "gis_points", "approvals", "av_mandatory"} <= set(detail)
    refused = spec["components"]["schemas"]["RefusedOut"]["properties"]
    assert set(refused) == {"detail", "unmet"}


def test_choices_are_listed(spec: dict[str, Any]) -> None:
    kind = spec["components"]["schemas"]["MatterIn"]["properties"]["kind"]
    assert kind["enum"] == ["license", "inspection", "sampling", "penalty"]
    datum = spec["components"]["schemas"]["GisPointIn"]["properties"]["datum"]
    assert datum["enum"] == ["WGS-84", "GCJ-02"]


def test_no_two_schemas_share_a_name() -> None:
    """django-ninja names each schema's OpenAPI component after its class: two classes with
    one name would make the spec describe one body where the other is expected."""
    import inspect

    from ninja import Schema

    import lawtrail.urls  # noqa: F401  (imports every router module)
    from lawtrail.api import (
        access,
        agencies,
        devices,
        evidence,
        ledger,
        matters,
        records,
        schemas,
        stations,
    )

    seen: dict[str, str] = {}
    clashes = []
    for module in (
        access,
        agencies,
        devices,
        evidence,
        ledger,
        matters,
        records,
        schemas,
        stations,
    ):
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Schema)
                and value.__module__ == module.__name__
            ):
                if name in seen and seen[name] != module.__name__:
                    clashes.append(f"{name}: {seen[name]} and {module.__name__}")
                seen.setdefault(name, module.__name__)
    assert not clashes, clashes
