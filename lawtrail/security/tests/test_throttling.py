"""Login throttling: five failures in fifteen minutes per username or address lock it out."""

from __future__ import annotations

import datetime

from django.test import Client
from django.utils import timezone

from lawtrail.ledger.models import Event
from lawtrail.security.models import LoginFailure
from lawtrail.testing import PASSWORD, Province


def fail(client: Client, username: str, address: str = "10.61.0.5") -> int:
    response = client.post(
        "/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address
    )
    return response.status_code


def test_five_failures_lock_the_username_out(client: Client, province: Province) -> None:
    assert [fail(client, "officer_a", f"10.61.0.{n}") for n in range(4)] == [200] * 4
    assert fail(client, "officer_a", "10.61.0.9") == 429
    response = client.post("/login/", {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Too many failed logins" in response.content.decode() or "登录失败" in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_one_ledger_event(client: Client, province: Province) -> None:
    for _ in range(8):
        fail(client, "officer_a")
    events = Event.objects.filter(action="login.locked")
    assert events.count() == 1
    body = bytes(events[0].body).decode()
    assert "officer_a" in body and "10.61.0.5" in body


def test_an_address_is_locked_out_across_usernames(client: Client, province: Province) -> None:
    for name in ("a1", "a2", "a3", "a4", "a5"):
        fail(client, name, "10.61.9.9")
    response = client.post(
        "/login/", {"username": "officer_a", "password": PASSWORD}, REMOTE_ADDR="10.61.9.9"
    )
    assert response.status_code == 429
    other = client.post(
        "/login/", {"username": "officer_a", "password": PASSWORD}, REMOTE_ADDR="10.61.9.10"
    )
    assert other.status_code == 302


def test_the_lock_ends_when_the_failures_leave_the_window(
    client: Client, province: Province
) -> None:
    for _ in range(5):
        fail(client, "officer_a")
    LoginFailure.objects.update(at=timezone.now() - datetime.timedelta(minutes=16))
    response = client.post("/login/", {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 302


def test_a_good_login_clears_the_usernames_failures(client: Client, province: Province) -> None:
    for _ in range(3):
        fail(client, "officer_a")
    assert (
        client.post("/login/", {"username": "officer_a", "password": PASSWORD}).status_code == 302
    )
    assert not LoginFailure.objects.filter(username="officer_a").exists()


def test_the_admin_login_is_throttled_too(client: Client, province: Province) -> None:
    for _ in range(5):
        fail(client, "officer_a")
    assert not client.login(username="officer_a", password=PASSWORD)
