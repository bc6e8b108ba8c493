"""A small tus 1.0 client (core, creation, checksum, termination) on ``http.client``.

Files are sent with ``sendfile`` and never held in memory (``http.FileRegion``), in chunks of
``chunk_size`` bytes, one PATCH each, with ``Upload-Checksum: sha256`` of the chunk:
the server keeps a chunk only when its bytes match, so a file that changed on the device after
it was hashed is caught chunk by chunk (the digests come from the hashing pass, see
``hashing.py``). A broken PATCH loses at most one chunk; ``offset`` (HEAD) says where to go on.

Upload URLs are kept as paths: the agent always talks to its ``--server``, so a journal
survives a change of address, and a ``Location`` naming another host is not followed.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from lawtrail.station.http import FileRegion, Refused, Server, ServerError

TUS_VERSION = "1.0.0"
COLLECTION = "/api/v1/uploads/"


class UploadGone(ServerError):
    """404 or 410: the upload expired, was terminated, or belongs to another login."""


class OffsetConflict(ServerError):
    """409: our offset is not the server's; ask again with HEAD."""


class ChecksumRefused(ServerError):
    """460: the chunk's bytes did not match the digest we sent."""


@dataclass(frozen=True)
class Offset:
    offset: int
    length: int | None


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in metadata.items()
        if value != ""
    )


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sorted_error(error: Refused) -> ServerError:
    if error.status in (404, 410):
        return UploadGone(str(error), error.status, error.body)
    if error.status == 409:
        return OffsetConflict(str(error), error.status, error.body)
    if error.status == 460:
        return ChecksumRefused(str(error), error.status, error.body)
    return error


class TusClient:
    def __init__(self, server: Server) -> None:
        self.server = server

    def tus(self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        all_headers = {"Tus-Resumable": TUS_VERSION}
        all_headers.update(headers or {})
        try:
            return self.server.request(method, path, headers=all_headers, **kw)
        except Refused as error:
            raise sorted_error(error) from None

    def create(self, length: int, metadata: dict[str, str]) -> str:
        """tus creation; the new upload's path."""
        response = self.tus(
            "POST",
            COLLECTION,
            {"Upload-Length": str(length), "Upload-Metadata": encode_metadata(metadata)},
        )
        location = response.header("location")
        if response.status != 201 or not location:
            raise Refused(f"creation answered {response.status} without a Location", 0)
        return path_of(location)

    def offset(self, path: str) -> Offset:
        """HEAD: how many bytes the server holds (and has fsynced) of the upload."""
        response = self.tus("HEAD", path)
        raw = response.header("upload-offset")
        if raw is None or not raw.isdigit():
            raise Refused(f"HEAD {path} gave no Upload-Offset", response.status)
        length = response.header("upload-length")
        return Offset(int(raw), int(length) if length and length.isdigit() else None)

    def patch(
        self,
        path: str,
        f: BinaryIO,
        offset: int,
        length: int,
        *,
        sha256: bytes | None = None,
        on_sent: Callable[[int], None] | None = None,
    ) -> int:
        """PATCH ``length`` bytes of ``f`` from ``offset``; returns the server's new offset."""
        headers = {
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        }
        if sha256 is not None:
            headers["Upload-Checksum"] = "sha256 " + base64.b64encode(sha256).decode("ascii")
        response = self.tus(
            "PATCH",
            path,
            headers,
            region=FileRegion(f, offset, length),
            on_sent=on_sent,
        )
        raw = response.header("upload-offset")
        if response.status != 204 or raw is None or not raw.isdigit():
            raise Refused(f"PATCH {path} answered {response.status} without an offset", 0)
        return int(raw)

    def status(self, path: str) -> dict[str, Any]:
        """GET on an upload (lawtrail's, not tus): its state and, once ingested, the evidence."""
        try:
            answer = self.server.json("GET", path)
        except Refused as error:
            raise sorted_error(error) from None
        if not isinstance(answer, dict):
            raise Refused(f"GET {path} did not answer a JSON object", 0)
        return answer

    def terminate(self, path: str) -> None:
        self.tus("DELETE", path)
