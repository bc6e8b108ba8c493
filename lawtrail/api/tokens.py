"""Creating, checking and revoking API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from lawtrail.api.models import ApiToken, hash_token
from lawtrail.ledger import events


@transaction.atomic
def create_token(user: Any, name: str = "", *, actor: Any = None, read_only: bool = False) -> str:
    """Create a token for ``user`` and return it; only its digest is kept. A read-only token
    may only read (GET, HEAD, OPTIONS)."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name, digest=hash_token(secret), read_only=read_only
    )
    events.append(
        events.Actor.of(actor) if actor is not None else events.SYSTEM,
        "api_token.created",
        token,
        {"user": user.get_username(), "name": name, "read_only": read_only},
    )
    return secret


def user_for_token(secret: str) -> AbstractBaseUser | None:
    token = token_for_secret(secret)
    return token.user if token is not None else None


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token with this secret (its login active), or None."""
    try:
        token = ApiToken.objects.select_related("user").get(
            digest=hash_token(secret), revoked_at=None
        )
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    # One cheap UPDATE at most a minute apart, so that busy scripts don't write on every call.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: Any = None) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(revoked_at=timezone.now())
    events.append(
        events.Actor.of(actor) if actor is not None else events.SYSTEM,
        "api_token.revoked",
        token,
        {"user": token.user.get_username(), "name": token.name},
    )
