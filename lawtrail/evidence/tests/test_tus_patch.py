"""tus PATCH: bytes land at the acknowledged offset and only there; a chunk that fails its
Upload-Checksum is discarded (issue 4 §3, invariant 2)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from lawtrail.evidence.models import Upload
from lawtrail.evidence.tests.fixtures import Tus
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.tests.factories import api_client
from lawtrail.testing import Province


@pytest.fixture
def tus(province: Province) -> Tus:
    return Tus(api_client(province.officer_a))


def checksum(data: bytes, algorithm: str = "sha256") -> dict[str, str]:
    digest = hashlib.new(algorithm, data).digest()
    return {"Upload-Checksum": f"{algorithm} {base64.b64encode(digest).decode()}"}


def test_a_recording_arrives_in_several_chunks(tus: Tus, media: Media) -> None:
    data = media.video.read_bytes()
    url = tus.start(len(data), filename="bodycam.mp4")
    last = tus.send(url, data, 7000)
    assert int(last["Upload-Offset"]) == len(data)
    upload = Upload.objects.get()
    assert (upload.offset, upload.state) == (len(data), Upload.State.COMPLETE)
    assert upload.path.read_bytes() == data
    assert upload.completed_at is not None


def test_a_wrong_offset_is_a_conflict_and_writes_nothing(tus: Tus) -> None:
    url = tus.start(100)
    assert tus.patch(url, 0, b"a" * 10).status_code == 204
    for wrong in (0, 5, 11, 100):
        response = tus.patch(url, wrong, b"b" * 10)
        assert response.status_code == 409, wrong
    upload = Upload.objects.get()
    assert upload.offset == 10 and upload.path.read_bytes() == b"a" * 10
    assert tus.patch(url, 10, b"c" * 10).status_code == 204


def test_a_patch_without_an_offset_or_with_a_bad_one_is_refused(tus: Tus) -> None:
    url = tus.start(100)
    response = tus.client.generic(
        "PATCH",
        url,
        b"x",
        content_type="application/offset+octet-stream",
        headers={"Tus-Resumable": "1.0.0"},
    )
    assert response.status_code == 422
    assert tus.patch(url, 0, b"x", headers={"Upload-Offset": "\u0661"}).status_code == 422


def test_a_matching_checksum_is_accepted(tus: Tus) -> None:
    url = tus.start(20)
    chunk = b"0123456789"
    assert tus.patch(url, 0, chunk, headers=checksum(chunk)).status_code == 204
    assert tus.patch(url, 10, chunk, headers=checksum(chunk, "sha1")).status_code == 204
    assert Upload.objects.get().state == Upload.State.COMPLETE


def test_a_chunk_with_a_wrong_checksum_is_discarded_with_460(tus: Tus) -> None:
    url = tus.start(20)
    assert tus.patch(url, 0, b"0123456789").status_code == 204
    response = tus.patch(url, 10, b"XXXXXXXXXX", headers=checksum(b"abcdefghij"))
    assert response.status_code == 460
    upload = Upload.objects.get()
    assert upload.offset == 10 and upload.path.read_bytes() == b"0123456789"
    assert tus.head(url)["Upload-Offset"] == "10"
    assert tus.patch(url, 10, b"abcdefghij", headers=checksum(b"abcdefghij")).status_code == 204


def test_an_unknown_checksum_algorithm_is_refused(tus: Tus) -> None:
    url = tus.start(10)
    response = tus.patch(url, 0, b"0123456789", headers={"Upload-Checksum": "crc32 AAAA"})
    assert response.status_code == 422
    assert Upload.objects.get().offset == 0


def test_the_wrong_content_type_is_refused_with_415(tus: Tus) -> None:
    url = tus.start(10)
    response = tus.patch(url, 0, b"0123456789", content_type="application/octet-stream")
    assert response.status_code == 415
    assert Upload.objects.get().offset == 0


def test_a_patch_without_tus_resumable_is_refused_with_412(tus: Tus) -> None:
    url = tus.start(10)
    response = tus.client.generic(
        "PATCH",
        url,
        b"0123456789",
        content_type="application/offset+octet-stream",
        headers={"Upload-Offset": "0"},
    )
    assert response.status_code == 412
    assert tus.head(url, headers={"Tus-Resumable": ""}).status_code == 412
    assert Upload.objects.get().offset == 0


def test_a_body_longer_than_the_rest_is_refused_with_413(tus: Tus) -> None:
    url = tus.start(10)
    assert tus.patch(url, 0, b"x" * 11).status_code == 413
    assert Upload.objects.get().offset == 0


def test_another_officers_upload_is_not_found(tus: Tus, province: Province) -> None:
    url = tus.start(10)
    other = Tus(api_client(province.officer_a2))
    assert other.head(url).status_code == 404
    assert other.patch(url, 0, b"x" * 10).status_code == 404
    assert other.delete(url).status_code == 404
    assert other.client.get(url).status_code == 404
    assert Upload.objects.get().offset == 0


def test_an_unknown_upload_is_not_found(tus: Tus) -> None:
    assert tus.head("/api/v1/uploads/7b5b1f86-4c1b-4dc3-9d1e-7c1f2b7d0f00").status_code == 404
    assert tus.head("/api/v1/uploads/not-a-uuid").status_code == 404


def test_a_complete_upload_takes_no_more_bytes(tus: Tus) -> None:
    url = tus.start(4)
    assert tus.patch(url, 0, b"abcd").status_code == 204
    assert tus.patch(url, 4, b"e").status_code == 403
    assert Upload.objects.get().path.read_bytes() == b"abcd"


def test_bytes_past_the_acknowledged_offset_are_cut_off(tus: Tus) -> None:
    """What a crash left after the last acknowledged byte was never acknowledged."""
    url = tus.start(10)
    assert tus.patch(url, 0, b"01234").status_code == 204
    upload = Upload.objects.get()
    with upload.path.open("ab") as f:
        f.write(b"GARBAGE")
    assert tus.head(url)["Upload-Offset"] == "5"
    assert tus.patch(url, 5, b"56789").status_code == 204
    assert upload.path.read_bytes() == b"0123456789"
