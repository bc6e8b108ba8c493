"""API tokens: read-only tokens may only read; tokens are revoked from the command line."""

from __future__ import annotations

import pytest
from django.test import Client

from lawtrail.api.models import ApiToken
from lawtrail.api.tokens import create_token
from lawtrail.cli import main
from lawtrail.testing import Province


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_read_only_token_reads(client: Client, province: Province) -> None:
    token = create_token(province.officer_a.user, "report", read_only=True)
    assert client.get("/api/v1/matters", **bearer(token)).status_code == 200


def test_a_read_only_token_is_refused_on_writes(client: Client, province: Province) -> None:
    token = create_token(province.officer_a.user, "report", read_only=True)
    response = client.post(
        "/api/v1/matters", data={}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"] or "只读" in response.json()["detail"]


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_a_read_only_token_is_refused_on_upload_writes(
    client: Client, province: Province, method: str
) -> None:
    token = create_token(province.officer_a.user, "report", read_only=True)
    path = "/api/v1/uploads/" if method == "post" else "/api/v1/uploads/0123456789abcdef"
    response = getattr(client, method)(
        path, HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH="10", **bearer(token)
    )
    assert response.status_code == 403


def test_a_read_write_token_gets_past_the_scope(client: Client, province: Province) -> None:
    token = create_token(province.officer_a.user, "script")
    response = client.post(
        "/api/v1/matters", data={}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 422  # refused for its input, not its scope


def test_token_create_read_only_and_revoke(
    client: Client, province: Province, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "officer_a", "--read-only", "--name", "报表"]) == 0
    token = capsys.readouterr().out.splitlines()[-1]
    row = ApiToken.objects.get(name="报表")
    assert row.read_only
    assert main(["token", "list", "officer_a"]) == 0
    assert "read-only" in capsys.readouterr().out
    assert client.get("/api/v1/matters", **bearer(token)).status_code == 200
    assert main(["token", "revoke", str(row.pk)]) == 0
    assert client.get("/api/v1/matters", **bearer(token)).status_code == 401


def test_revoke_all_of_a_login(province: Province, capsys: pytest.CaptureFixture[str]) -> None:
    create_token(province.officer_a.user, "one")
    create_token(province.officer_a.user, "two")
    create_token(province.officer_b.user, "other")
    assert main(["token", "revoke", "--all", "officer_a"]) == 0
    assert ApiToken.objects.filter(revoked_at=None).count() == 1


def test_revoking_an_unknown_token_exits_2(
    province: Province, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "revoke", "999"]) == 2
    assert "no live API token" in capsys.readouterr().err
