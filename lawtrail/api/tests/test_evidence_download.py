"""GET /api/v1/evidence/{id}/original: the permission-checked download of the original (issue 4
§5). Until the access issue lands: the bound matter's handlers and the head of its agency, or
the acquirer while unbound. Every download is a ledger event committed before the first byte
(第二十条, invariant 4); every refusal is one too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection

from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client, fast_password_hashing, open_matter  # noqa: F401
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def own_store(evidence_home: Any) -> None:  # noqa: F811
    pass


@pytest.fixture
def bound(province: Province, media: Media) -> tuple[int, bytes]:  # noqa: F811
    matter = open_matter(province)  # handlers officer_a and officer_a2
    evidence_id = ingest(province.officer_a.user, media.video, matter=matter.number).evidence_id
    return evidence_id, media.video.read_bytes()


def payload(action: str) -> dict[str, Any]:
    event = Event.objects.filter(action=action).order_by("-seq").first()
    assert event is not None, action
    body: dict[str, Any] = json.loads(bytes(event.body))["payload"]
    return body


def fetch(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_handler_downloads_the_original_byte_for_byte(
    province: Province, bound: tuple[int, bytes]
) -> None:
    evidence_id, data = bound
    response = api_client(province.officer_a2).get(f"/api/v1/evidence/{evidence_id}/original")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(data))
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert "attachment" in response["Content-Disposition"]
    assert "bodycam.mp4" in response["Content-Disposition"]
    assert fetch(response) == data
    logged = payload("evidence.original_downloaded")
    assert (logged["user"], logged["range"], logged["bytes"]) == ("officer_a2", "full", len(data))


def test_the_event_is_committed_before_the_first_byte(
    province: Province, bound: tuple[int, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the moment the store hands out the first byte, the event is written and its
    transaction closed (no savepoint of the action is still open)."""
    from lawtrail.storage import default_store

    evidence_id, data = bound
    client = api_client(province.officer_a)
    store = default_store()
    real = store.read_range
    seen: dict[str, Any] = {}

    def watched(sha256: str, start: int, end: int) -> Any:
        chunks = real(sha256, start, end)

        def first_byte_watch() -> Any:
            for index, chunk in enumerate(chunks):
                if index == 0:
                    seen["events"] = Event.objects.filter(
                        action="evidence.original_downloaded"
                    ).count()
                    seen["open_savepoints"] = list(connection.savepoint_ids)
                yield chunk

        return first_byte_watch()

    monkeypatch.setattr(store, "read_range", watched)
    response = client.get(f"/api/v1/evidence/{evidence_id}/original")
    assert fetch(response) == data
    assert seen == {"events": 1, "open_savepoints": []}


@pytest.mark.parametrize(
    ("asked", "start", "end"),
    [
        ("bytes=0-99", 0, 100),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-10", 10, 11),
        ("bytes=0-999999999", 0, None),
    ],
)
def test_ranges_are_served_as_206(
    province: Province, bound: tuple[int, bytes], asked: str, start: int, end: int | None
) -> None:
    evidence_id, data = bound
    response = api_client(province.head_a).get(
        f"/api/v1/evidence/{evidence_id}/original", headers={"Range": asked}
    )
    assert response.status_code == 206
    expected = data[start:end]
    assert fetch(response) == expected
    first = start if start >= 0 else len(data) + start
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response["Content-Length"] == str(len(expected))
    assert payload("evidence.original_downloaded")["range"] == (
        f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    )


@pytest.mark.parametrize(
    "asked", ["bytes=999999999-", "bytes=5-2", "bytes=abc", "bytes=-0", "bytes=\u0661-\u0662"]
)
def test_bad_ranges_are_416_and_serve_nothing(
    province: Province, bound: tuple[int, bytes], asked: str
) -> None:
    evidence_id, data = bound
    client = api_client(province.officer_a)
    before = Event.objects.count()
    response = client.get(f"/api/v1/evidence/{evidence_id}/original", headers={"Range": asked})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"
    assert Event.objects.count() == before  # nothing was served, so nothing was downloaded


def test_a_list_of_ranges_gets_the_whole_original(
    province: Province, bound: tuple[int, bytes]
) -> None:
    evidence_id, data = bound
    response = api_client(province.officer_a).get(
        f"/api/v1/evidence/{evidence_id}/original", headers={"Range": "bytes=0-1,5-6"}
    )
    assert response.status_code == 200 and fetch(response) == data


def test_a_colleague_who_is_not_a_handler_is_refused_and_logged(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    matter = open_matter(province, handlers=[province.officer_a.pk, province.head_a.pk])
    evidence_id = ingest(province.officer_a.user, media.photo, matter=matter.number).evidence_id
    client = api_client(province.officer_a2)  # sees the county's matters, handles not this one
    assert client.get(f"/api/v1/evidence/{evidence_id}").status_code == 200
    response = client.get(f"/api/v1/evidence/{evidence_id}/original")
    assert response.status_code == 403
    logged = payload("evidence.original_download_refused")
    assert (logged["user"], logged["status"]) == ("officer_a2", 403)
    assert not Event.objects.filter(action="evidence.original_downloaded").exists()


def test_another_county_gets_404_and_the_attempt_is_logged(
    province: Province, bound: tuple[int, bytes]
) -> None:
    evidence_id, _data = bound
    response = api_client(province.officer_b).get(f"/api/v1/evidence/{evidence_id}/original")
    assert response.status_code == 404
    assert payload("evidence.original_download_refused")["user"] == "officer_b"


def test_the_city_head_sees_it_but_may_not_download_it(
    province: Province, bound: tuple[int, bytes]
) -> None:
    evidence_id, _data = bound
    client = api_client(province.head_city)
    assert client.get(f"/api/v1/evidence/{evidence_id}").status_code == 200
    assert client.get(f"/api/v1/evidence/{evidence_id}/original").status_code == 403


def test_the_acquirer_downloads_unbound_evidence_and_nobody_else(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    evidence_id = ingest(province.officer_a.user, media.audio_m4a).evidence_id
    mine = api_client(province.officer_a).get(f"/api/v1/evidence/{evidence_id}/original")
    assert mine.status_code == 200 and fetch(mine) == media.audio_m4a.read_bytes()
    head = api_client(province.head_a).get(f"/api/v1/evidence/{evidence_id}/original")
    assert head.status_code == 404


def test_an_unknown_evidence_is_404(province: Province) -> None:
    assert api_client(province.officer_a).get("/api/v1/evidence/424242/original").status_code == 404


def test_a_missing_blob_is_reported_not_logged_as_served(
    province: Province,
    bound: tuple[int, bytes],
    evidence_home: Any,  # noqa: F811
) -> None:
    from lawtrail.evidence.models import Evidence
    from lawtrail.evidence.tests.fixtures import store

    evidence_id, _data = bound
    path = store().path(Evidence.objects.get(pk=evidence_id).sha256)
    path.chmod(0o644)
    path.unlink()
    response = api_client(province.officer_a).get(f"/api/v1/evidence/{evidence_id}/original")
    assert response.status_code == 500
    assert "verify" in response.json()["detail"]
    assert not Event.objects.filter(action="evidence.original_downloaded").exists()
