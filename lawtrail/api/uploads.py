"""tus 1.0 under /api/v1/uploads/ (core, creation, checksum, expiration, termination).

Plain Django views rather than django-ninja: a PATCH body must stream from ``wsgi.input`` to
disk without being read into memory, and tus speaks in headers and status codes (204, 409,
460) more than in JSON. The state changes are the actions in ``lawtrail.evidence.uploads``.
A body comes with Content-Length or ``Transfer-Encoding: chunked`` (``request_body``).
Deferred lengths (creation-defer-length) are not offered; docs/contracts.md says why.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from lawtrail.api.tokens import token_for_secret
from lawtrail.errors import ActionError, Invalid
from lawtrail.evidence import uploads
from lawtrail.evidence.models import Acquisition, Upload

TUS_VERSION = "1.0.0"
DIGITS = re.compile(r"[0-9]{1,19}")
EXTENSIONS = "creation,creation-with-upload,checksum,expiration,termination"
View = Callable[..., HttpResponse]


def tus_response(
    status: int, headers: dict[str, str] | None = None, body: str = ""
) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(error: ActionError) -> HttpResponse:
    return tus_response(error.status, body=error.message + "\n")


def authenticate(request: HttpRequest) -> tuple[Any, HttpResponse | None]:
    """Bearer token (stations, scripts) or a browser session with its CSRF token."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = token_for_secret(header.removeprefix("Bearer ").strip())
        if token is None:
            return None, tus_response(401, body=_("The bearer token is not valid.") + "\n")
        if token.read_only and request.method not in ("GET", "HEAD", "OPTIONS"):
            message = _("This API token is read-only; create a read-write token to change data.")
            return None, tus_response(403, body=message + "\n")
        return token.user, None
    if not request.user.is_authenticated:
        return None, tus_response(401, body=_("Log in or send a valid bearer token.") + "\n")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
            request, lambda r: HttpResponse(), (), {}
        )
        if refused is not None:
            return None, tus_response(403, body=_("CSRF check failed.") + "\n")
    return request.user, None


def check_version(request: HttpRequest) -> HttpResponse | None:
    if request.method == "OPTIONS":
        return None
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return tus_response(
            412, {"Tus-Version": TUS_VERSION}, _("Send Tus-Resumable: 1.0.0.") + "\n"
        )
    return None


def int_header(request: HttpRequest, name: str) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        return None
    # Not str.isdigit(): it accepts "²" and other digits int() refuses.
    if not DIGITS.fullmatch(raw):
        raise Invalid(_("%(name)s must be a non-negative integer.") % {"name": name}, {name: []})
    return int(raw)


def upload_headers(upload: Upload) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Upload-Expires": http_date(upload.expires_at.timestamp()),
    }
    if upload.metadata:
        headers["Upload-Metadata"] = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in upload.metadata.items()
        )
    return headers


@csrf_exempt
def collection(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return tus_response(
            204,
            {
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": EXTENSIONS,
                "Tus-Max-Size": str(settings.LAWTRAIL_UPLOAD_MAX_BYTES),
                "Tus-Checksum-Algorithm": ",".join(uploads.CHECKSUM_ALGORITHMS),
            },
        )
    if request.method != "POST":
        return tus_response(405, {"Allow": "OPTIONS, POST"})
    refused = check_version(request)
    if refused:
        return refused
    user, refused = authenticate(request)
    if refused:
        return refused
    try:
        if request.headers.get("Upload-Defer-Length"):
            raise Invalid(_("Deferred lengths are not supported; send Upload-Length."), {})
        length = int_header(request, "Upload-Length")
        if length is None:
            raise Invalid(_("Send Upload-Length."), {"Upload-Length": []})
        metadata = uploads.parse_metadata(request.headers.get("Upload-Metadata", ""))
        # creation-with-upload: the POST may carry the first bytes. Check their type before
        # anything is created, so a refused POST leaves no upload behind.
        body = request_body(request)
        if body.present:
            require_offset_stream(request)
        upload = uploads.create_upload(user, length, metadata)
        headers = {
            "Location": request.build_absolute_uri(reverse("uploads:item", args=[upload.id]))
        }
        if body.present and upload.length:
            upload = patch_body(request, user, upload, 0, body)
        headers.update(upload_headers(upload))
        return tus_response(201, headers)
    except ActionError as error:
        return error_response(error)


@dataclass(frozen=True)
class Body:
    """Where a request body comes from and how long it is (``None``: until it ends)."""

    stream: BinaryIO
    length: int | None

    @property
    def present(self) -> bool:
        return self.length is None or self.length > 0


class LengthRequired(ActionError):
    status = 411


def request_body(request: HttpRequest) -> Body:
    """The body of a POST or PATCH: ``Content-Length`` bytes, or a chunked body to its end.

    Django reads a body through a ``LimitedStream`` of ``CONTENT_LENGTH`` bytes, so a body sent
    with ``Transfer-Encoding: chunked`` (curl with that header, a proxy forwarding HTTP/2
    without a length) would read as empty. gunicorn decodes the chunks itself and says so with
    ``wsgi.input_terminated``: then ``wsgi.input`` is read to its end. A server that does not
    (Django's runserver) would hand us the chunk framing, so the request is refused with 411.
    """
    length = int_header(request, "Content-Length")
    if length is not None:
        # HttpRequest.read streams wsgi.input, limited to the length.
        return Body(request, length)  # type: ignore[arg-type]
    encoding = request.headers.get("Transfer-Encoding", "")
    if "chunked" not in encoding.lower():
        return Body(request, 0)  # type: ignore[arg-type]
    if not request.META.get("wsgi.input_terminated"):
        raise LengthRequired(
            _("This server cannot read a chunked body; send Content-Length instead.")
        )
    stream: BinaryIO = request.META["wsgi.input"]
    return Body(stream, None)


def patch_body(request: HttpRequest, user: Any, upload: Upload, offset: int, body: Body) -> Upload:
    require_offset_stream(request)
    return uploads.receive(
        user,
        upload,
        offset=offset,
        stream=body.stream,
        content_length=body.length,
        checksum=uploads.parse_checksum(request.headers.get("Upload-Checksum", "")),
    )


class UnsupportedMedia(ActionError):
    status = 415


def require_offset_stream(request: HttpRequest) -> None:
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/offset+octet-stream":
        raise UnsupportedMedia(_("Send Content-Type: application/offset+octet-stream."))


@csrf_exempt
def item(request: HttpRequest, upload_id: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return collection(request)
    refused = check_version(request) if request.method != "GET" else None
    if refused:
        return refused
    user, refused = authenticate(request)
    if refused:
        return refused
    try:
        upload = uploads.get_upload(user, upload_id)
        if request.method == "HEAD":
            return tus_response(200, upload_headers(upload))
        if request.method == "GET":
            return JsonResponse(upload_status(upload))
        if request.method == "PATCH":
            offset = int_header(request, "Upload-Offset")
            if offset is None:
                raise Invalid(_("Send Upload-Offset."), {"Upload-Offset": []})
            upload = patch_body(request, user, upload, offset, request_body(request))
            headers = {
                "Upload-Offset": str(upload.offset),
                "Upload-Expires": http_date(upload.expires_at.timestamp()),
            }
            return tus_response(204, headers)
        if request.method == "DELETE":
            uploads.terminate(user, upload)
            return tus_response(204)
        return tus_response(405, {"Allow": "OPTIONS, HEAD, GET, PATCH, DELETE"})
    except ActionError as error:
        return error_response(error)


def upload_status(upload: Upload) -> dict[str, object]:
    """GET on an upload (not part of tus): where it stands and, once ingested, its evidence."""
    status: dict[str, object] = {
        "id": str(upload.id),
        "state": upload.state,
        "offset": upload.offset,
        "length": upload.length,
        "metadata": upload.metadata,
        "error": upload.error,
    }
    acquisition = Acquisition.objects.filter(upload=upload).select_related("evidence").first()
    if acquisition is not None:
        evidence = acquisition.evidence
        status["evidence"] = {
            "id": evidence.pk,
            "sha256": evidence.sha256,
            "sm3": evidence.sm3,
            "size": evidence.size,
            "kind": evidence.kind,
            "readable": evidence.readable,
            "acquisition": acquisition.pk,
        }
    return status
