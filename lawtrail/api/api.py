"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json). Thin: it calls the actions.

Every error answer is JSON with a ``detail`` sentence: an action's error keeps its status
(422 names the fields, 409 lists the unmet conditions), a body that is not JSON is 415 or 400,
one over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413, no valid credentials 401.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from lawtrail.api.tokens import token_for_secret
from lawtrail.errors import ActionError
from lawtrail.ledger.canonical import CanonicalError

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``. A token that is unknown, revoked or belongs to a
    deactivated login is refused outright, rather than falling back to the session; a
    read-only token is refused (403) on anything but GET, HEAD and OPTIONS."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_for_secret(token.strip())
        if found is None:
            raise AuthenticationError()
        if found.read_only and request.method not in READ_METHODS:
            message = _("This API token is read-only; create a read-write token to change data.")
            raise HttpError(403, message)
        request.user = found.user
        return found.user


class Session(SessionAuth):
    """The browser session; its writes need the CSRF token (``X-CSRFToken``). A request
    without a logged-in session is left to answer 401, not a CSRF 403."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class NotJson(Exception):
    """A request body sent as something other than JSON."""


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = request.content_type or ""
        if content_type != "application/json" and not (
            content_type.startswith("application/") and content_type.endswith("+json")
        ):
            raise NotJson(content_type)
        data: dict[str, Any] = json.loads(request.body)
        return data


api = NinjaAPI(
    title="lawtrail API",
    version="1",
    description=(
        "The JSON API of lawtrail, the whole-process recording system for health-supervision "
        "law enforcement. Authenticate with `Authorization: Bearer <token>` "
        "(`lawtrail token create USERNAME`) or a browser session (writes need `X-CSRFToken`). "
        "Errors are JSON with a `detail` sentence; 422 names the `fields` at fault and 409 "
        "lists every `unmet` condition with its article."
    ),
    auth=[BearerToken(), Session()],
    parser=JsonParser(),
    urls_namespace="api",
)


def caller(request: HttpRequest) -> Any:
    """The user the request authenticated as (bearer token or session)."""
    return getattr(request, "auth", None)


@api.exception_handler(ActionError)
def action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(OverflowError)
def out_of_range(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An id or count past what the database stores (SQLite: 64-bit integers)."""
    return api.create_response(
        request, {"detail": _("A number in the request is out of range.")}, status=422
    )


@api.exception_handler(CanonicalError)
def not_canonical(request: HttpRequest, exc: CanonicalError) -> HttpResponse:
    """A value the ledger cannot write as canonical bytes (an integer past ±(2^53−1), a lone
    surrogate): the action's transaction rolled back, so nothing changed."""
    return api.create_response(
        request,
        {"detail": _("A value in the request cannot be recorded: %(reason)s") % {"reason": exc}},
        status=422,
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": _("The request body is too large.")}, status=413)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps whatever the parser raised; say which of the two went wrong.
    cause = exc.__cause__
    if isinstance(cause, NotJson):
        message = _("Send the request body as JSON with Content-Type: application/json.")
        return api.create_response(request, {"detail": message}, status=415)
    if isinstance(cause, ValueError):
        message = _("The request body is not valid JSON: %(error)s") % {"error": cause}
        return api.create_response(request, {"detail": message}, status=400)
    if exc.status_code == 403 and "CSRF" in exc.message:
        message = _("The CSRF token is missing or wrong; send it in the X-CSRFToken header.")
        return api.create_response(request, {"detail": message}, status=403)
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


# pydantic's messages for the common mistakes, in words the catalogue translates.
INPUT_MESSAGES = {
    "missing": lambda e: _("This field is required."),
    "extra_forbidden": lambda e: _("Unknown field."),
    "string_type": lambda e: _("Must be a string."),
    "int_type": lambda e: _("Must be a whole number."),
    "int_parsing": lambda e: _("Must be a whole number."),
    "float_type": lambda e: _("Must be a number."),
    "float_parsing": lambda e: _("Must be a number."),
    "bool_type": lambda e: _("Must be true or false."),
    "bool_parsing": lambda e: _("Must be true or false."),
    "list_type": lambda e: _("Must be a list."),
    "model_type": lambda e: _("Must be an object."),
    "model_attributes_type": lambda e: _("Must be an object."),
    "dict_type": lambda e: _("Must be an object."),
    "date_type": lambda e: _("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda e: _("Must be a date (YYYY-MM-DD)."),
    "date_parsing": lambda e: _("Must be a date (YYYY-MM-DD)."),
    "string_too_long": lambda e: _("At most %(n)s characters.") % {"n": e["ctx"]["max_length"]},
    "greater_than_equal": lambda e: _("At least %(n)s.") % {"n": e["ctx"]["ge"]},
    "less_than_equal": lambda e: _("At most %(n)s.") % {"n": e["ctx"]["le"]},
}


def field_name(loc: tuple[Any, ...]) -> str:
    """``("body", "data", "parties", 0, "name")`` → ``parties[0].name``, as actions name them."""
    parts = list(loc[1:])
    if loc and loc[0] == "body" and parts:
        parts = parts[1:]  # the view's parameter name
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or str(loc[0] if loc else "body")


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        describe = INPUT_MESSAGES.get(str(error.get("type", "")))
        try:
            message = describe(error) if describe else str(error.get("msg", ""))
        except (KeyError, TypeError):
            message = str(error.get("msg", ""))
        fields.setdefault(field_name(tuple(error.get("loc", ()))), []).append(message)
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
    api.add_router("/people", agencies.people_router)
    api.add_router("/me", agencies.me_router)
    api.add_router("/matters", matters.router)
    api.add_router("/evidence", "lawtrail.api.evidence.router")
    api.add_router("/devices", "lawtrail.api.devices.router")
    api.add_router("/stations/me", "lawtrail.api.stations.me_router")
    api.add_router("/stations", "lawtrail.api.stations.router")
    api.add_router("/", records.router)
    api.add_router("/", "lawtrail.api.documents.router")
    api.add_router("/ledger", ledger.router)
    api.add_router("/witness", ledger.witness_router)
    api.add_router("/access", "lawtrail.api.access.router")
    api.add_router("/compliance", "lawtrail.api.compliance.router")
    api.add_router("/assessment", "lawtrail.api.assessment.router")
    api.add_router("/archive", "lawtrail.api.archive.router")
