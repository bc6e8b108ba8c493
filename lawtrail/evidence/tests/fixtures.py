"""Fixtures and helpers of the evidence tests (and of the evidence API tests, which import them).

- ``media``: real recordings made once per test session (``media.py``).
- ``evidence_home``: a data folder and a local store of the test's own, so stores, partial
  uploads and orphans never leak from one test into another.
- ``Tus``: the tus 1.0 protocol spoken through Django's test client.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from lawtrail.evidence.ingest import IngestInput, ingest_file
from lawtrail.evidence.models import Acquisition, Binding, Evidence, Upload
from lawtrail.evidence.tests.media import Media, make_all
from lawtrail.ledger.models import Event
from lawtrail.storage import LocalStore, default_store

TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    return make_all(tmp_path_factory.mktemp("media"))


@pytest.fixture
def evidence_home(settings: Any, tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    settings.LAWTRAIL_HOME = home
    settings.LAWTRAIL_STORE = (home / "store").as_uri()
    default_store.cache_clear()
    yield home
    default_store.cache_clear()


def store() -> LocalStore:
    found = default_store()
    assert isinstance(found, LocalStore)
    return found


def metadata_header(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def ingest(user: Any, path: Path, **fields: Any) -> Acquisition:
    """Ingest a file as the CLI would, with the declared facts in ``fields``."""
    fields.setdefault("filename", path.name)
    return ingest_file(user, path, IngestInput(**fields))


def counts() -> dict[str, int]:
    """What a refused request must leave as it was."""
    return {
        "evidence": Evidence.objects.count(),
        "acquisitions": Acquisition.objects.count(),
        "bindings": Binding.objects.count(),
        "events": Event.objects.count(),
        "uploads": Upload.objects.count(),
        "blobs": len(list(default_store().iter_keys())),
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sm3_of(path: Path) -> str:
    digest = hashlib.new("sm3")
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Tus:
    """A tus client over Django's test client (no network)."""

    base = "/api/v1/uploads/"

    def __init__(self, client: Client) -> None:
        self.client = client

    def options(self) -> Any:
        return self.client.options(self.base)

    def create(
        self,
        length: int | None,
        metadata: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Any:
        sent: dict[str, str] = dict(TUS)
        if length is not None:
            sent["Upload-Length"] = str(length)
        if metadata:
            sent["Upload-Metadata"] = metadata_header(metadata)
        sent.update(headers or {})
        if body:
            return self.client.post(self.base, body, content_type=OFFSET_STREAM, headers=sent)
        return self.client.generic("POST", self.base, b"", headers=sent)  # no body at all

    def start(self, length: int, **metadata: str) -> str:
        """POST and return the upload's path."""
        response = self.create(length, metadata)
        assert response.status_code == 201, response.content
        location: str = response["Location"]
        return location.removeprefix("http://testserver")

    def patch(
        self,
        url: str,
        offset: int,
        data: bytes,
        *,
        content_type: str = OFFSET_STREAM,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {**TUS, "Upload-Offset": str(offset), **(headers or {})}
        return self.client.generic("PATCH", url, data, content_type=content_type, headers=sent)

    def head(self, url: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.head(url, headers={**TUS, **(headers or {})})

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=TUS)

    def send(self, url: str, data: bytes, chunk: int) -> Any:
        """PATCH ``data`` in chunks of ``chunk`` bytes; return the last response."""
        response = None
        for offset in range(0, len(data), chunk):
            response = self.patch(url, offset, data[offset : offset + chunk])
            assert response.status_code == 204, response.content
            assert int(response["Upload-Offset"]) == min(offset + chunk, len(data))
        return response

    def upload_id(self, url: str) -> str:
        return url.rstrip("/").rsplit("/", 1)[-1]
