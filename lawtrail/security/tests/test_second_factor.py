"""The TOTP second factor (RFC 6238) for heads, legal reviewers, custodians and admins."""

from __future__ import annotations

import base64
import time
from typing import Any

import pyotp
import pytest
from django.test import Client

from lawtrail.ledger.models import Event
from lawtrail.security.models import SecondFactor
from lawtrail.testing import PASSWORD, Province

# RFC 6238 appendix B, SHA-1: the seed is the ASCII string "12345678901234567890".
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("at", "code"), RFC_VECTORS)
def test_the_rfc_6238_test_vectors(at: int, code: str) -> None:
    assert pyotp.TOTP(RFC_SECRET, digits=8).at(at) == code


def log_in(client: Client, username: str) -> Any:
    return client.post("/login/", {"username": username, "password": PASSWORD})


def enrol(client: Client) -> str:
    """Log in as head_a the first time and set up the second factor; returns the secret."""
    assert log_in(client, "head_a").status_code == 302
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/security/second-factor/enrol/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    secret: str = page.context["secret"]
    assert secret in page.content.decode()
    assert page.context["uri"].startswith("otpauth://totp/lawtrail:head_a?secret=")
    done = client.post(response["Location"], {"code": pyotp.TOTP(secret).now(), "next": "/"})
    assert done.status_code == 302 and done["Location"] == "/"
    return secret


def test_a_head_enrols_after_the_password_and_is_let_in(client: Client, province: Province) -> None:
    secret = enrol(client)
    assert client.get("/").status_code == 200
    factor = SecondFactor.objects.get(user=province.head_a.user)
    assert factor.confirmed_at is not None
    assert secret.encode() not in bytes(factor.encrypted_secret)
    events = Event.objects.filter(action="second_factor.enrolled")
    assert events.count() == 1
    assert not any(secret.encode() in bytes(e.body) for e in Event.objects.all())


def test_the_next_login_asks_for_the_code_and_refuses_a_wrong_one(
    client: Client, province: Province
) -> None:
    secret = enrol(client)
    client.post("/logout/")
    assert log_in(client, "head_a").status_code == 302
    response = client.get("/matters/")
    assert response["Location"].startswith("/security/second-factor/?")
    wrong = client.post("/security/second-factor/", {"code": "000000", "next": "/matters/"})
    assert wrong.status_code == 422
    assert client.get("/matters/").status_code == 302
    # The code of the enrolment was used; the next time step's code is accepted once.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    right = client.post("/security/second-factor/", {"code": code, "next": "/matters/"})
    assert right.status_code == 302 and right["Location"] == "/matters/"
    assert client.get("/matters/").status_code == 200


def test_a_code_is_accepted_only_once(client: Client, province: Province) -> None:
    secret = enrol(client)
    client.post("/logout/")
    log_in(client, "head_a")
    used = pyotp.TOTP(secret).now()  # the enrolment used this step already
    assert client.post("/security/second-factor/", {"code": used}).status_code == 422


def test_the_api_refuses_a_session_waiting_for_its_code(client: Client, province: Province) -> None:
    log_in(client, "head_a")
    response = client.get("/api/v1/matters")
    assert response.status_code == 403
    assert "双因素认证" in response.json()["detail"]  # the second factor, in zh-hans


def test_officers_need_no_second_factor(client: Client, province: Province) -> None:
    assert log_in(client, "officer_a").status_code == 302
    assert client.get("/").status_code == 200


def test_force_login_sessions_are_not_asked(client: Client, province: Province) -> None:
    """Tests log in with force_login; only a login through a real request is asked."""
    client.force_login(province.head_a.user)
    assert client.get("/").status_code == 200


def test_the_setting_turns_it_off(client: Client, province: Province, settings: Any) -> None:
    settings.LAWTRAIL_REQUIRE_2FA = False
    log_in(client, "head_a")
    assert client.get("/").status_code == 200


def test_an_administrator_resets_a_second_factor(client: Client, province: Province) -> None:
    enrol(client)
    admin = Client()
    admin.force_login(province.admin.user)
    url = f"/security/people/{province.head_a.pk}/second-factor/reset/"
    response = admin.post(url, {"reason": "手机丢失"})
    assert response.status_code == 302
    assert not SecondFactor.objects.filter(user=province.head_a.user).exists()
    event = Event.objects.get(action="second_factor.reset")
    assert event.actor == "admin"
    assert "手机丢失" in bytes(event.body).decode()


def test_only_administrators_reset(client: Client, province: Province) -> None:
    client.force_login(province.head_a.user)
    url = f"/security/people/{province.officer_a.pk}/second-factor/reset/"
    assert client.post(url).status_code == 403
