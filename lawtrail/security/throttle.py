"""Login throttling: after LAWTRAIL_LOGIN_ATTEMPTS failures within LAWTRAIL_LOGIN_WINDOW_MINUTES
for one username or from one address, that username or address is refused until the window has
passed. Counted in the database so every process agrees; each lockout is a ledger event."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from lawtrail.ledger import events
from lawtrail.security.models import LoginFailure
from lawtrail.security.network import client_address


def window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LAWTRAIL_LOGIN_WINDOW_MINUTES)


def retry_after(username: str, address: str) -> int:
    """Seconds until ``username`` from ``address`` may try again; 0 when not locked out."""
    since = timezone.now() - window()
    limit = settings.LAWTRAIL_LOGIN_ATTEMPTS
    longest = 0
    for field, value in (("username", username.lower()), ("address", address)):
        if not value:
            continue
        recent = LoginFailure.objects.filter(**{field: value, "at__gt": since})
        times = list(recent.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            # Locked until the oldest failure that still counts leaves the window.
            seconds = int((times[-1] + window() - timezone.now()).total_seconds()) + 1
            longest = max(longest, seconds)
    return longest


def record_failure(username: str, address: str) -> None:
    """Count one failure; the failure that reaches the limit writes a ``login.locked`` event."""
    now = timezone.now()
    username = username.lower()[:150]
    with transaction.atomic():
        LoginFailure.objects.filter(at__lte=now - window()).delete()
        LoginFailure.objects.create(username=username, address=address[:45], at=now)
        since = now - window()
        limit = settings.LAWTRAIL_LOGIN_ATTEMPTS
        by_user = LoginFailure.objects.filter(username=username, at__gt=since).count()
        by_address = LoginFailure.objects.filter(address=address, at__gt=since).count()
        if by_user == limit or (address and by_address == limit):
            events.append(
                events.SYSTEM,
                "login.locked",
                ("login", username),
                {
                    "username": username,
                    "address": address,
                    "failures_by_username": by_user,
                    "failures_by_address": by_address,
                    "minutes": settings.LAWTRAIL_LOGIN_WINDOW_MINUTES,
                },
            )


def clear_failures(username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()


def request_address(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None else ""


class ThrottledModelBackend(ModelBackend):
    """The model backend, refusing a username or address that is locked out, whatever the
    password: the lockout holds on the pages, the admin and any password-based API path."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is not None and retry_after(username, request_address(request)) > 0:
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def count_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    address = request_address(request)
    if not username and not address:
        return
    if retry_after(username, address) > 0:
        return  # already locked out: refused attempts don't extend the lock
    record_failure(username, address)
