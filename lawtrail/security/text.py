"""No NUL characters in what a request asks for.

PostgreSQL refuses NUL (0x00) in text, so a query parameter carrying one would reach the
database and fail there with a 500 (found by schemathesis). Every page and API call is refused
with a clear 400 before anything runs; JSON bodies are checked by the API's input schemas.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            message = _("Text may not contain NUL (0x00) characters.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
