"""Sessions end after 30 idle minutes and 12 hours in all."""

from __future__ import annotations

import time

from django.test import Client

from lawtrail.security.middleware import SEEN, STARTED
from lawtrail.testing import Province


def age(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_an_idle_session_is_logged_out(client: Client, province: Province) -> None:
    client.force_login(province.officer_a.user)
    assert client.get("/").status_code == 200
    age(client, SEEN, 29 * 60)
    assert client.get("/").status_code == 200  # and this request counts as activity
    age(client, SEEN, 31 * 60)
    response = client.get("/matters/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/").status_code == 302


def test_the_api_answers_401_to_an_expired_session(client: Client, province: Province) -> None:
    client.force_login(province.officer_a.user)
    assert client.get("/api/v1/matters").status_code == 200
    age(client, SEEN, 31 * 60)
    response = client.get("/api/v1/matters")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"] or "过期" in response.json()["detail"]


def test_a_busy_session_ends_after_twelve_hours(client: Client, province: Province) -> None:
    client.force_login(province.officer_a.user)
    client.get("/")
    age(client, STARTED, 12 * 3600 + 1)
    age(client, SEEN, 10)
    assert client.get("/").status_code == 302
