"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json). Thin: it calls the actions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from lawtrail.api.tokens import user_for_token
from lawtrail.errors import ActionError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


api = NinjaAPI(
    title="lawtrail API",
    version="1",
    description=(
        "The JSON API of lawtrail, the whole-process recording system for health-supervision "
        "law enforcement. Authenticate with `Authorization: Bearer <token>` "
        "(`lawtrail token create USERNAME`) or a browser session."
    ),
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(ActionError)
def action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": _("The request body is too large.")}, status=413)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = ".".join(str(part) for part in error.get("loc", ())[1:]) or "body"
        fields.setdefault(loc, []).append(str(error.get("msg", "")))
    first = next(iter(fields.items()), ("body", [_("Invalid input.")]))
    return api.create_response(
        request, {"detail": f"{first[0]}: {first[1][0]}", "fields": fields}, status=422
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Log in or send a valid bearer token.")}, status=401
    )


def mount_routers() -> None:
    """Attach every app's router; called once from ``lawtrail.urls``."""
    from lawtrail.api import agencies, ledger, matters, records

    api.add_router("/agencies", agencies.router)
    api.add_router("/matters", matters.router)
    api.add_router("/", records.router)
    api.add_router("/ledger", ledger.router)
    api.add_router("/witness", ledger.witness_router)
