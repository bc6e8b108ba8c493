"""Production transport: HTTPS only (HSTS, secure cookies, redirect) behind the TLS terminator."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from lawtrail.tests.conftest import REPO, child_env

GOOD_KEY = "k" * 40
SHOW = (
    "import lawtrail.settings as s; print(getattr(s, 'SECURE_HSTS_SECONDS', 0), "
    "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, getattr(s, 'SECURE_SSL_REDIRECT', False), "
    "s.LAWTRAIL_ALLOWED_NETWORKS)"
)


def settings_of(home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=REPO,
        env=child_env(home, LAWTRAIL_SECRET_KEY=GOOD_KEY, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_requiring_https_turns_on_hsts_secure_cookies_and_the_redirect(tmp_path: Path) -> None:
    result = settings_of(
        tmp_path,
        LAWTRAIL_REQUIRE_HTTPS="True",
        LAWTRAIL_BEHIND_TLS_PROXY="True",
        LAWTRAIL_ALLOWED_NETWORKS="10.61.0.0/16, 10.62.0.1/16",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 4)[:4] == ["31536000", "True", "True", "True"]
    assert "['10.61.0.0/16', '10.62.0.0/16']" in result.stdout


def test_the_default_runs_on_plain_http(tmp_path: Path) -> None:
    result = settings_of(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0 False False False []")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LAWTRAIL_REQUIRE_HTTPS": "yes"}, "LAWTRAIL_REQUIRE_HTTPS='yes'"),
        ({"LAWTRAIL_REQUIRE_HTTPS": "True"}, "needs LAWTRAIL_BEHIND_TLS_PROXY=True"),
        ({"LAWTRAIL_ALLOWED_NETWORKS": "10.61.0.0/33"}, "LAWTRAIL_ALLOWED_NETWORKS"),
        ({"LAWTRAIL_TRUSTED_PROXIES": "proxy.internal"}, "LAWTRAIL_TRUSTED_PROXIES"),
        ({"LAWTRAIL_LOGIN_ATTEMPTS": "0"}, "LAWTRAIL_LOGIN_ATTEMPTS='0'"),
        ({"LAWTRAIL_SESSION_IDLE_MINUTES": "half"}, "LAWTRAIL_SESSION_IDLE_MINUTES='half'"),
        ({"LAWTRAIL_REQUIRE_2FA": "no"}, "LAWTRAIL_REQUIRE_2FA='no'"),
    ],
)
def test_bad_values_are_refused_naming_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = settings_of(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.fixture
def https_required(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.django_db
def test_the_hsts_header_is_sent_over_https(client: Client, https_required: None) -> None:
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_plain_http_is_redirected_but_the_health_check_is_not(
    client: Client, https_required: None
) -> None:
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200
