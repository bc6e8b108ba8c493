"""tus Upload-Metadata (issue 4 §3): stock clients such as Uppy send keys of their own
(``filename``, ``filetype``, ``name``, ``type``, ``relativePath``); they are accepted and kept,
within bounds. The keys we know (matter, device, officer, capture times, 第十七条 notice) are
still checked before a byte flows, and a malformed header is refused with 400 and a sentence,
creating nothing (invariant 8)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from lawtrail.evidence import uploads
from lawtrail.evidence.models import Acquisition, Upload
from lawtrail.evidence.tasks import ingest_upload
from lawtrail.evidence.tests.fixtures import TUS, Tus, counts, metadata_header
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province

UPPY = {
    "filename": "执法记录仪-0301.jpg",
    "filetype": "image/jpeg",
    "name": "执法记录仪-0301.jpg",
    "type": "image/jpeg",
    "relativePath": "null",
}


@pytest.fixture
def tus(province: Province) -> Tus:
    return Tus(api_client(province.officer_a))


def post(tus: Tus, header: str) -> Any:
    return tus.client.generic(
        "POST",
        tus.base,
        b"",
        headers={
            **TUS,
            "Upload-Length": "10",
            "Upload-Metadata": header,
            "Accept-Language": "en",  # the sentences are checked in English
        },
    )


def test_the_keys_uppy_sends_are_accepted_and_kept(tus: Tus) -> None:
    response = tus.create(10, {**UPPY, "device": "DSJ-1", "caption": ""})
    assert response.status_code == 201, response.content
    upload = Upload.objects.get()
    assert upload.metadata == {**UPPY, "device": "DSJ-1", "caption": ""}
    echoed = tus.head(response["Location"])["Upload-Metadata"]
    decoded = {
        key: base64.b64decode(value).decode()
        for key, _sep, value in (pair.partition(" ") for pair in echoed.split(","))
    }
    assert decoded == upload.metadata


def test_unknown_keys_do_not_reach_ingest_and_the_recording_is_evidence(
    province: Province, media: Media
) -> None:
    tus = Tus(api_client(province.officer_a))
    data = media.photo.read_bytes()
    url = tus.start(len(data), **UPPY, device="DSJ-7")
    tus.send(url, data, len(data))
    ingest_upload.call(tus.upload_id(url))
    assert Upload.objects.get().state == Upload.State.INGESTED
    acquisition = Acquisition.objects.get()
    assert acquisition.filename == UPPY["filename"]
    assert acquisition.device_serial == "DSJ-7"


def test_a_client_that_sends_only_name_gets_it_as_the_filename(
    province: Province, media: Media
) -> None:
    tus = Tus(api_client(province.officer_a))
    data = media.photo.read_bytes()
    url = tus.start(len(data), name="scene.jpg", type="image/jpeg")
    tus.send(url, data, len(data))
    ingest_upload.call(tus.upload_id(url))
    assert Acquisition.objects.get().filename == "scene.jpg"


def test_a_key_we_know_is_still_checked(tus: Tus) -> None:
    before = counts()
    bad_time = metadata_header({**UPPY, "recorded_to": "2025-02-30T10:00"})
    response = post(tus, bad_time)
    assert response.status_code == 422
    assert b"recorded_to" in response.content
    unknown_matter = metadata_header({**UPPY, "matter": "不存在的案号"})
    assert post(tus, unknown_matter).status_code == 404
    assert counts() == before


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ("filename not*base64", "not base64"),
        ("filename " + base64.b64encode(b"\xff\xfe").decode(), "not base64 of UTF-8"),
        ("filename YQ==,filename Yg==", "repeats filename"),
        ("file\u00e9name YQ==", "is not allowed"),
        ("", ""),  # an empty header is no metadata at all: accepted
    ],
)
def test_a_malformed_header_is_refused_with_400_and_a_sentence(
    tus: Tus, header: str, words: str
) -> None:
    before = counts()
    response = post(tus, header)
    if not words:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert words in response.content.decode()
    assert counts() == before


def test_too_many_keys_are_refused_with_400(tus: Tus) -> None:
    before = counts()
    many = {f"k{i}": "v" for i in range(uploads.MAX_METADATA_KEYS + 1)}
    response = post(tus, metadata_header(many))
    assert response.status_code == 400
    assert f"at most {uploads.MAX_METADATA_KEYS}" in response.content.decode()
    assert counts() == before
    enough = {f"k{i}": "v" for i in range(uploads.MAX_METADATA_KEYS)}
    assert post(tus, metadata_header(enough)).status_code == 201


def test_a_header_over_the_size_limit_is_refused_with_400(tus: Tus) -> None:
    before = counts()
    huge = metadata_header({"note": "证" * (uploads.MAX_METADATA_BYTES // 3)})
    assert len(huge) > uploads.MAX_METADATA_BYTES
    response = post(tus, huge)
    assert response.status_code == 400
    assert "longer than" in response.content.decode()
    assert counts() == before


def test_keys_may_use_any_printable_ascii_but_no_comma_or_space() -> None:
    parsed = uploads.parse_metadata("relativePath bnVsbA==,x-client:v2 MQ==,flag")
    assert parsed == {"relativePath": "null", "x-client:v2": "1", "flag": ""}
    with pytest.raises(uploads.Malformed):
        uploads.parse_metadata("a" * 65 + " MQ==")
