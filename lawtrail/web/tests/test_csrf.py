"""A form sent after its CSRF token expired gets a clear page (403) and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from lawtrail.testing import Province


def test_an_expired_form_is_explained(province: Province, event_count: Callable[[], int]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(province.officer_a.user)
    before = event_count()
    response = client.post("/matters/new/", {"title": "x"})
    assert response.status_code == 403
    assert "表单已失效" in response.content.decode()
    assert event_count() == before
