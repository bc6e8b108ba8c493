"""Browser sessions work for the API too; their writes need the CSRF token (``X-CSRFToken``),
since a cookie is sent by any page that posts to us."""

from __future__ import annotations

from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import fast_password_hashing, matter_json  # noqa: F401
from lawtrail.testing import PASSWORD, Province

CSRF = "k" * 32


def logged_in(username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=username, password=PASSWORD)
    return client


def test_a_session_reads_without_a_csrf_token(province: Province) -> None:
    response = logged_in("officer_a").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "officer_a"


def test_a_session_write_without_the_csrf_token_is_refused(province: Province) -> None:
    response = logged_in("officer_a").post(
        "/api/v1/matters", matter_json(province), content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Matter.objects.count() == 0


def test_a_session_write_with_a_wrong_csrf_token_is_refused(province: Province) -> None:
    client = logged_in("officer_a")
    client.cookies["csrftoken"] = CSRF
    response = client.post(
        "/api/v1/matters",
        matter_json(province),
        content_type="application/json",
        headers={"X-CSRFToken": "w" * 32},
    )
    assert response.status_code == 403
    assert Matter.objects.count() == 0


def test_a_session_write_with_the_csrf_token_goes_through(province: Province) -> None:
    client = logged_in("officer_a")
    client.cookies["csrftoken"] = CSRF
    response = client.post(
        "/api/v1/matters",
        matter_json(province),
        content_type="application/json",
        headers={"X-CSRFToken": CSRF},
    )
    assert response.status_code == 201
    assert Matter.objects.count() == 1


def test_an_anonymous_write_is_unauthenticated_not_a_csrf_failure(province: Province) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/matters", matter_json(province), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["detail"]


def test_after_logging_out_the_session_is_gone(province: Province) -> None:
    client = logged_in("officer_a")
    client.logout()
    assert client.get("/api/v1/me").status_code == 401
