"""A tus body sent with ``Transfer-Encoding: chunked`` and no Content-Length (curl with that
header, a proxy forwarding HTTP/2) is read to its end, not as empty (issue 4 §3).

Here through Django's test client, with ``wsgi.input`` a stream that ends where the body does,
as gunicorn's is (it decodes the chunks and sets ``wsgi.input_terminated``); the live test in
``test_live_uploads.py`` sends real chunks to the real server with curl.
"""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import pytest

from lawtrail.evidence.models import Upload
from lawtrail.evidence.tests.fixtures import OFFSET_STREAM, TUS, Tus, counts
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province


@pytest.fixture
def tus(province: Province) -> Tus:
    return Tus(api_client(province.officer_a))


def chunked(
    tus: Tus,
    method: str,
    url: str,
    data: bytes,
    headers: dict[str, str],
    *,
    terminated: bool = True,
) -> Any:
    """A request whose body has no length: the environ gunicorn builds for a chunked one."""
    environ: dict[str, Any] = {"wsgi.input": io.BytesIO(data)}
    if terminated:
        environ["wsgi.input_terminated"] = True
    sent = {
        **TUS,
        "Content-Type": OFFSET_STREAM,
        "Transfer-Encoding": "chunked",
        "Accept-Language": "en",
        **headers,
    }
    return tus.client.generic(method, url, b"", headers=sent, **environ)


def test_a_chunked_patch_lands_every_byte(tus: Tus, media: Media) -> None:
    data = media.video.read_bytes()
    url = tus.start(len(data), filename="bodycam.mp4")
    half = len(data) // 2
    first = chunked(tus, "PATCH", url, data[:half], {"Upload-Offset": "0"})
    assert first.status_code == 204, first.content
    assert first["Upload-Offset"] == str(half)
    second = chunked(tus, "PATCH", url, data[half:], {"Upload-Offset": str(half)})
    assert second.status_code == 204, second.content
    upload = Upload.objects.get()
    assert (upload.offset, upload.state) == (len(data), Upload.State.COMPLETE)
    assert upload.path.read_bytes() == data


def test_a_chunked_post_carries_the_first_bytes(tus: Tus) -> None:
    response = chunked(tus, "POST", tus.base, b"0123", {"Upload-Length": "10"})
    assert response.status_code == 201, response.content
    assert response["Upload-Offset"] == "4"
    assert Upload.objects.get().path.read_bytes() == b"0123"


def test_a_chunked_chunk_with_a_checksum_may_be_shorter_than_the_rest(tus: Tus) -> None:
    url = tus.start(20)
    chunk = b"0123456789"
    digest = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
    response = chunked(
        tus, "PATCH", url, chunk, {"Upload-Offset": "0", "Upload-Checksum": f"sha256 {digest}"}
    )
    assert response.status_code == 204, response.content
    assert Upload.objects.get().offset == 10
    wrong = chunked(
        tus, "PATCH", url, b"X" * 10, {"Upload-Offset": "10", "Upload-Checksum": f"sha256 {digest}"}
    )
    assert wrong.status_code == 460
    upload = Upload.objects.get()
    assert upload.offset == 10 and upload.path.read_bytes() == chunk


def test_a_chunked_body_longer_than_the_rest_is_refused_and_discarded(tus: Tus) -> None:
    url = tus.start(10)
    assert chunked(tus, "PATCH", url, b"0123", {"Upload-Offset": "0"}).status_code == 204
    response = chunked(tus, "PATCH", url, b"456789" + b"extra", {"Upload-Offset": "4"})
    assert response.status_code == 413
    assert b"longer than the rest" in response.content
    upload = Upload.objects.get()
    assert (upload.offset, upload.state) == (4, Upload.State.RECEIVING)
    assert upload.path.read_bytes() == b"0123"
    assert chunked(tus, "PATCH", url, b"456789", {"Upload-Offset": "4"}).status_code == 204
    assert Upload.objects.get().state == Upload.State.COMPLETE


def test_an_empty_chunked_body_moves_nothing(tus: Tus) -> None:
    url = tus.start(10)
    response = chunked(tus, "PATCH", url, b"", {"Upload-Offset": "0"})
    assert response.status_code == 204 and response["Upload-Offset"] == "0"


def test_a_server_that_does_not_decode_chunks_refuses_them_with_411(tus: Tus) -> None:
    """Django's runserver hands the chunk framing to the application: it must not be stored."""
    url = tus.start(10)
    framed = b"4\r\n0123\r\n0\r\n\r\n"
    response = chunked(tus, "PATCH", url, framed, {"Upload-Offset": "0"}, terminated=False)
    assert response.status_code == 411
    assert b"Content-Length" in response.content
    upload = Upload.objects.get()
    assert upload.offset == 0 and upload.path.read_bytes() == b""
    before = counts()
    refused = chunked(tus, "POST", tus.base, framed, {"Upload-Length": "10"}, terminated=False)
    assert refused.status_code == 411
    assert counts() == before


def test_a_patch_with_a_length_reads_only_that_many_bytes(tus: Tus) -> None:
    """Content-Length wins: the stream past it is not read (Django's LimitedStream)."""
    url = tus.start(10)
    response = tus.client.generic(
        "PATCH",
        url,
        b"0123",
        content_type=OFFSET_STREAM,
        headers={**TUS, "Upload-Offset": "0"},
    )
    assert response.status_code == 204 and response["Upload-Offset"] == "4"
