"""A request body is read only when its length is known.

Behind gunicorn, a body sent with ``Transfer-Encoding: chunked`` reaches Django with no
CONTENT_LENGTH, and Django then reads it as empty: a JSON call would be answered "body
required", which misleads the caller. Outside the tus upload endpoints (which read chunked
bodies themselves, ``lawtrail.api.uploads.request_body``) such a request is refused with 411
Length Required before any view runs, so nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

#: Paths that read chunked bodies themselves.
CHUNKED_ALLOWED = ("/api/v1/uploads",)


class LengthRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        if (
            chunked
            and not request.META.get("CONTENT_LENGTH")
            and not request.path.startswith(CHUNKED_ALLOWED)
        ):
            message = _(
                "Send the body with a Content-Length header; chunked bodies are not read here."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=411)
            return HttpResponse(message, status=411, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
