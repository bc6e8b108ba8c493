"""Session expiry and the second-factor gate, both after AuthenticationMiddleware."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from lawtrail.security import totp

STARTED = "lawtrail.session.started"
SEEN = "lawtrail.session.seen"
# "pending" between the password and the code; absent when no code is asked for.
SECOND_FACTOR = "lawtrail.second_factor"
PENDING = "pending"


class SessionExpiryMiddleware:
    """Logs a session out after LAWTRAIL_SESSION_IDLE_MINUTES without a request, and
    LAWTRAIL_SESSION_MAX_HOURS after it began, whatever it did meanwhile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = float(request.session.get(STARTED, now))
            seen = float(request.session.get(SEEN, now))
            idle = settings.LAWTRAIL_SESSION_IDLE_MINUTES * 60
            if now - seen > idle or now - started > settings.LAWTRAIL_SESSION_MAX_HOURS * 3600:
                logout(request)
                return expired(request)
            if STARTED not in request.session:
                request.session[STARTED] = now
            # Written at most once a minute, so that every request does not save the session.
            if now - seen > 60 or SEEN not in request.session:
                request.session[SEEN] = now
        return self.get_response(request)


def expired(request: HttpRequest) -> HttpResponse:
    message = _("Your session has expired; log in again.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=401)
    return redirect_to(request, "web:login")


def redirect_to(request: HttpRequest, name: str) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


@receiver(user_logged_in)
def ask_for_second_factor(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A login through a real request (the login page, the admin's) of a role that needs a
    second factor waits for its code. ``Client.login``/``force_login`` in tests build a bare
    request that no URL resolved, so their sessions are not asked (docs/operations.md)."""
    if not hasattr(request, "session"):
        return
    request.session[STARTED] = request.session[SEEN] = time.time()
    if getattr(request, "resolver_match", None) is not None and totp.requires_second_factor(user):
        request.session[SECOND_FACTOR] = PENDING


# Paths a session waiting for its code may still reach.
OPEN_PREFIXES = ("/security/", "/logout/", "/login/", "/static/", "/i18n/", "/healthz")


class SecondFactorMiddleware:
    """Until the code is given, a pending session reaches only the code and enrolment pages;
    the API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and hasattr(request, "session")
            and request.session.get(SECOND_FACTOR) == PENDING
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                message = _("Enter the code of your second factor on the web page first.")
                return JsonResponse({"detail": message}, status=403)
            if totp.enrolled(request.user) is None:
                return redirect_to(request, "security:enrol")
            return redirect_to(request, "security:verify")
        return self.get_response(request)
