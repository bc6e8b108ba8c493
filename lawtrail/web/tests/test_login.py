"""Logging in and out through the styled Django auth views."""

from __future__ import annotations

import pytest
from django.test import Client

from lawtrail.testing import PASSWORD


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_renders_in_chinese(client: Client, province: object) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_officer_logs_in_and_out(client: Client, province: object) -> None:
    response = client.post("/login/", {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client: Client, province: object) -> None:
    response = client.post("/login/", {"username": "officer_a", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
