"""A chunked body outside the upload endpoints is refused with 411 and changes nothing.

gunicorn hands Django a chunked body with no CONTENT_LENGTH; Django would read it as empty and
answer a misleading "body required". ``lawtrail.security.bodies`` says what is wrong instead.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from lawtrail.matters.tests.factories import (  # noqa: F401
    api_client,
    fast_password_hashing,
    matter_json,
    snapshot,
)
from lawtrail.security.bodies import LengthRequiredMiddleware
from lawtrail.testing import Province


def chunked_post(client: Client, path: str, body: bytes, content_type: str) -> object:
    return client.generic(
        "POST",
        path,
        body,
        content_type=content_type,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )


def test_a_chunked_json_body_is_411_and_nothing_changes(province: Province) -> None:
    client = api_client(province.officer_a)
    before = snapshot()
    body = json.dumps(matter_json(province)).encode()
    response = chunked_post(client, "/api/v1/matters", body, "application/json")
    assert response.status_code == 411  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("application/json")  # type: ignore[index]
    assert response.json()["detail"]  # type: ignore[attr-defined]
    assert snapshot() == before


def test_a_chunked_page_form_is_411(province: Province, client: Client) -> None:
    client.force_login(province.officer_a.user)
    response = chunked_post(client, "/matters/new/", b"kind=inspection", "text/plain")
    assert response.status_code == 411  # type: ignore[attr-defined]


def test_the_same_body_with_its_length_is_read(province: Province) -> None:
    client = api_client(province.officer_a)
    response = client.post(
        "/api/v1/matters", matter_json(province), content_type="application/json"
    )
    assert response.status_code == 201, response.content


def test_the_tus_endpoints_still_take_chunked_bodies() -> None:
    """They read chunked bodies themselves (``lawtrail.api.uploads.request_body``)."""
    passed: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        passed.append(request.path)
        return HttpResponse(status=204)

    middleware = LengthRequiredMiddleware(view)
    for path in ("/api/v1/uploads", "/api/v1/uploads/3f2a"):
        request = RequestFactory().generic(
            "PATCH", path, b"", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
        )
        assert middleware(request).status_code == 204
    request = RequestFactory().generic(
        "POST", "/api/v1/matters", b"", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked"
    )
    assert middleware(request).status_code == 411
    assert passed == ["/api/v1/uploads", "/api/v1/uploads/3f2a"]
