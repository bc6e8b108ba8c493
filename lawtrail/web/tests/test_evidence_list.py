"""The evidence list: the officer's inbox first, the filters (matter, officer, device, kind,
dates, unbound, the 48-hour status of 第十九条), keyset pages, and only visible evidence."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from lawtrail.evidence import derivatives
from lawtrail.evidence.models import Acquisition, Evidence
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.web.tests.evidence_fixtures import (  # noqa: F401
    bound_video_fixture,
    bring_in_fixture,
    broken_file_fixture,
    evidence_home,
    inbox_photo_fixture,
    media,
    own_store_fixture,
)


def listed(client: Client, **params: str) -> list[int]:
    response = client.get("/evidence/", params)
    assert response.status_code == 200, response.content[:800]
    return [row.evidence.pk for row in response.context["rows"]]


@pytest.fixture
def both(bound_video: Evidence, inbox_photo: Evidence) -> tuple[Evidence, Evidence]:
    return bound_video, inbox_photo


def test_an_officer_lands_on_the_inbox(
    login: Callable[[str], Client], both: tuple[Evidence, Evidence]
) -> None:
    video, photo = both
    client = login("officer_a")
    response = client.get("/evidence/")
    assert response.context["tab"] == "yes"
    assert [r.evidence.pk for r in response.context["rows"]] == [photo.pk]
    assert listed(client, unbound="all") == [photo.pk, video.pk]  # newest first
    assert listed(client, unbound="no") == [video.pk]


def test_without_an_inbox_it_lands_on_all(
    login: Callable[[str], Client],
    bound_video: Evidence,
) -> None:
    response = login("officer_a2").get("/evidence/")
    assert response.context["tab"] == "all"
    assert [r.evidence.pk for r in response.context["rows"]] == [bound_video.pk]


@pytest.mark.parametrize(
    ("who", "sees_video", "sees_photo"),
    [
        ("officer_a", True, True),
        ("head_a", True, False),  # another officer's inbox is theirs alone
        ("head_city", True, False),
        ("officer_b", False, False),
        ("admin", False, False),
    ],
)
def test_it_lists_only_visible_evidence(
    login: Callable[[str], Client],
    both: tuple[Evidence, Evidence],
    who: str,
    sees_video: bool,
    sees_photo: bool,
) -> None:
    video, photo = both
    shown = listed(login(who), unbound="all")
    assert (video.pk in shown, photo.pk in shown) == (sees_video, sees_photo)


def test_each_row_shows_what_it_is(
    login: Callable[[str], Client], both: tuple[Evidence, Evidence], matter_a: Matter
) -> None:
    _video, photo = both
    derivatives.make_derivatives(photo.pk, None)  # the inbox photo gets its thumbnail
    body = login("officer_a").get("/evidence/", {"unbound": "all"}).content.decode()
    assert f'src="/api/v1/evidence/{photo.pk}/thumbnail"' in body
    assert "bodycam.mp4" in body and "scene.jpg" in body
    assert f'href="/matters/{matter_a.pk}/">{matter_a.number}</a>' in body
    assert 'data-deadline="late"' in body and 'data-deadline="on_time"' in body
    assert "34.258300, 108.928600" in body  # where the video was captured


def test_it_filters(
    login: Callable[[str], Client],
    both: tuple[Evidence, Evidence],
    matter_a: Matter,
) -> None:
    video, photo = both
    client = login("officer_a")
    assert listed(client, unbound="all", kind="photo") == [photo.pk]
    assert listed(client, unbound="all", matter=matter_a.number) == [video.pk]
    assert listed(client, unbound="all", device="BC-0001") == [video.pk]
    assert listed(client, unbound="all", device="PH-7") == [photo.pk]
    assert listed(client, unbound="all", officer="officer_a") == [photo.pk, video.pk]
    assert listed(client, unbound="all", officer="61010200001") == [photo.pk, video.pk]
    assert listed(client, unbound="all", officer="officer_a2") == []
    assert listed(client, unbound="all", acquired_from="2999-01-01") == []
    assert listed(client, unbound="all", acquired_to="2000-01-01") == []
    assert listed(client, unbound="yes") == [photo.pk]


def test_it_filters_by_the_48_hour_status(
    login: Callable[[str], Client], both: tuple[Evidence, Evidence]
) -> None:
    """第十九条: late, on time, or the end of the recording not stated."""
    video, photo = both
    client = login("officer_a")
    assert listed(client, unbound="all", deadline="late") == [photo.pk]
    assert listed(client, unbound="all", deadline="on_time") == [video.pk]
    assert listed(client, unbound="all", deadline="unknown") == []


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "hologram"},
        {"deadline": "soon"},
        {"unbound": "maybe"},
        {"acquired_from": "not-a-date"},
        {"acquired_from": "2025-03-02", "acquired_to": "2025-03-01"},
        {"matter": "x" * 65},
    ],
)
def test_a_bad_filter_is_named_and_lists_nothing(
    login: Callable[[str], Client], both: tuple[Evidence, Evidence], params: dict[str, str]
) -> None:
    before = Event.objects.count()
    response = login("officer_a").get("/evidence/", params)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="error"' in body
    assert response.context["rows"] == []
    assert Event.objects.count() == before


def test_it_pages_by_keyset(
    login: Callable[[str], Client],
    bring_in: Callable[..., Acquisition],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = []
    for i in range(5):
        note = tmp_path / f"note-{i}.txt"
        note.write_bytes(f"现场记录 {i}\n".encode())
        made.append(bring_in("officer_a", note).evidence.pk)
    monkeypatch.setattr("lawtrail.web.paging.PAGE_SIZE", 2)
    client = login("officer_a")
    first = client.get("/evidence/").context["page"]
    assert [e.pk for e in first.items] == [made[4], made[3]]
    second = client.get("/evidence/", {"unbound": "yes", "after": first.older}).context["page"]
    assert [e.pk for e in second.items] == [made[2], made[1]]
    back = client.get("/evidence/", {"unbound": "yes", "before": second.newer}).context["page"]
    assert [e.pk for e in back.items] == [made[4], made[3]]
    assert back.is_first
    last = client.get("/evidence/", {"unbound": "yes", "after": second.older}).context["page"]
    assert [e.pk for e in last.items] == [made[0]]
    assert last.older is None
    body = client.get("/evidence/", {"unbound": "yes", "after": first.older}).content.decode()
    assert "unbound=yes" in body.split('rel="next"')[1].split(">")[0]  # the tab is kept


def test_the_nav_links_to_evidence_and_the_48_hour_record(
    login: Callable[[str], Client],
) -> None:
    body = login("officer_a").get("/").content.decode()
    assert 'href="/evidence/"' in body
    assert 'href="/evidence/deadlines/"' in body
