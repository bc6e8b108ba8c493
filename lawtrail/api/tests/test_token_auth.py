"""Bearer tokens: ``Authorization: Bearer <token>`` from ``lawtrail token create``.

A valid token of an active login works; a revoked token, one of a deactivated login, an
unknown one and a garbled header get 401 with a sentence — and never fall back to a session.
"""

from __future__ import annotations

import pytest
from django.test import Client

from lawtrail.api.models import ApiToken, hash_token
from lawtrail.api.tokens import create_token, revoke_token
from lawtrail.matters.tests.factories import fast_password_hashing  # noqa: F401
from lawtrail.testing import Province


def me(client: Client, header: str | None) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/me", headers=headers)
    return response.status_code, response.json()


def test_a_valid_token_authenticates(province: Province) -> None:
    token = create_token(province.officer_a.user)
    status, body = me(Client(), f"Bearer {token}")
    assert status == 200
    assert body["username"] == "officer_a"


def test_the_scheme_is_case_insensitive(province: Province) -> None:
    token = create_token(province.officer_a.user)
    assert me(Client(), f"bearer {token}")[0] == 200


def test_using_a_token_notes_when_it_was_last_used(province: Province) -> None:
    token = create_token(province.officer_a.user)
    me(Client(), f"Bearer {token}")
    assert ApiToken.objects.get(digest=hash_token(token)).last_used_at is not None


def test_a_revoked_token_is_refused(province: Province) -> None:
    token = create_token(province.officer_a.user)
    revoke_token(ApiToken.objects.get(digest=hash_token(token)))
    status, body = me(Client(), f"Bearer {token}")
    assert status == 401
    assert body["detail"]


def test_a_token_of_a_deactivated_login_is_refused(province: Province) -> None:
    token = create_token(province.officer_a.user)
    user = province.officer_a.user
    user.is_active = False
    user.save()
    assert me(Client(), f"Bearer {token}")[0] == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer lt_not-a-token-we-issued",
        "Bearer ",
        "Bearer",
        "Basic b2ZmaWNlcl9hOnBhc3M=",
        "garbage",
        "Bearer lt_a lt_b",
        "Bearer \u4e2d\u6587",
        "",
    ],
)
def test_a_garbled_or_unknown_header_is_refused_with_a_sentence(
    province: Province, header: str
) -> None:
    status, body = me(Client(), header)
    assert status == 401
    assert isinstance(body["detail"], str) and body["detail"].endswith((".", "。"))


def test_no_credentials_at_all_is_refused(province: Province) -> None:
    assert me(Client(), None)[0] == 401


def test_a_bad_token_does_not_fall_back_to_the_session(province: Province) -> None:
    client = Client()
    client.force_login(province.officer_a.user)
    assert me(client, None)[0] == 200
    assert me(client, "Bearer lt_wrong")[0] == 401


def test_a_token_write_needs_no_csrf_token(province: Province) -> None:
    token = create_token(province.officer_a.user)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
    response = client.post(
        "/api/v1/matters/1/stage", {"stage": "review"}, content_type="application/json"
    )
    assert response.status_code == 404  # authenticated, and no such matter
