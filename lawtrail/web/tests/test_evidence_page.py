"""The evidence page (issue 4 §5): plays the working copy, shows metadata, both digests, the
48-hour status (第十九条), where it was captured, acquisitions with the 第十七条 notice,
bindings and derivatives; the original's download button only for those allowed; 404 for
evidence out of scope."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from lawtrail.evidence import derivatives
from lawtrail.evidence.models import Derivative, Evidence
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


def without_tokens(body: bytes) -> str:
    """The page without its CSRF tokens (masked afresh on every response)."""
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", body.decode())


def page_of(client: Client, evidence: Evidence) -> str:
    response = client.get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


@pytest.mark.parametrize("who", ["officer_a", "officer_a2", "head_a", "head_city", "supervisor"])
def test_it_renders_for_those_who_see_the_matter(
    login: Callable[[str], Client],
    bound_video: Evidence,
    who: str,
) -> None:
    body = page_of(login(who), bound_video)
    assert bound_video.sha256 in body


@pytest.mark.parametrize("who", ["officer_b", "admin"])
def test_it_is_404_out_of_scope(
    login: Callable[[str], Client],
    bound_video: Evidence,
    who: str,
) -> None:
    response = login(who).get(f"/evidence/{bound_video.pk}/")
    assert response.status_code == 404
    assert bound_video.sha256 not in response.content.decode()


def test_missing_and_invisible_evidence_look_the_same(
    login: Callable[[str], Client],
    bound_video: Evidence,
) -> None:
    client = login("officer_b")
    hidden = client.get(f"/evidence/{bound_video.pk}/")
    missing = client.get(f"/evidence/{bound_video.pk + 1000}/")
    assert hidden.status_code == missing.status_code == 404
    ours = without_tokens(hidden.content).replace(f"/evidence/{bound_video.pk}/", "/evidence/N/")
    other = without_tokens(missing.content).replace(
        f"/evidence/{bound_video.pk + 1000}/", "/evidence/N/"
    )
    assert ours == other


def test_the_inbox_is_only_its_owners(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
) -> None:
    assert inbox_photo.sha256 in page_of(login("officer_a"), inbox_photo)
    for who in ("officer_a2", "head_a", "officer_b"):
        assert login(who).get(f"/evidence/{inbox_photo.pk}/").status_code == 404


def test_the_player_points_to_the_working_copy(
    login: Callable[[str], Client],
    bound_video: Evidence,
) -> None:
    body = page_of(login("officer_a"), bound_video)
    url = f"/api/v1/evidence/{bound_video.pk}/working-copy"
    assert re.search(rf'<video [^>]*src="{re.escape(url)}"', body)
    # Opening the page fetches nothing: playback (a ledger event) starts when asked.
    assert 'preload="none"' in body
    assert "data-working-copy-pending" not in body


def test_the_working_copy_url_serves_what_the_page_promises(
    login: Callable[[str], Client],
    bound_video: Evidence,
) -> None:
    client = login("officer_a")
    page_of(client, bound_video)
    response = client.get(
        f"/api/v1/evidence/{bound_video.pk}/working-copy", headers={"Range": "bytes=0-99"}
    )
    assert response.status_code == 206
    assert response["Content-Type"] == "video/mp4"


def test_a_clear_note_while_the_working_copy_is_being_made(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
) -> None:
    body = page_of(login("officer_a"), inbox_photo)
    assert "data-working-copy-pending" in body
    assert "/working-copy" not in body
    derivatives.make_derivatives(inbox_photo.pk, None)
    body = page_of(login("officer_a"), inbox_photo)
    assert "data-working-copy-pending" not in body
    assert re.search(rf'<img [^>]*src="/api/v1/evidence/{inbox_photo.pk}/working-copy"', body)


def test_it_shows_metadata_digests_and_where_it_was_captured(
    login: Callable[[str], Client],
    bound_video: Evidence,
) -> None:
    body = page_of(login("officer_a"), bound_video)
    for digest in (bound_video.sha256, bound_video.sm3):
        assert f">{digest}</code>" in body  # in full, not cut short
    for fact in ("h264", "aac", "320 × 240", "25.000 fps", "0:00:02", "2025-03-01T08:00:00"):
        assert fact in body, fact
    assert "34.258300, 108.928600" in body  # the GIS point given at upload, WGS-84
    assert 'href="geo:34.258300,108.928600"' in body
    assert "BC-0001" in body and "ST-XC-01" in body
    assert "口头告知" in body  # 第十七条: how the party was told


def test_it_shows_the_48_hour_clock(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
    bound_video: Evidence,
) -> None:
    client = login("officer_a")
    body = page_of(client, inbox_photo)
    assert 'data-deadline="late"' in body
    assert re.search(r"<dd>50\.0</dd>", body)  # hours taken
    assert re.search(r"<dd><strong>2\.0</strong></dd>", body)  # hours over
    body = page_of(client, bound_video)
    assert 'data-deadline="on_time"' in body
    assert 'data-deadline="late"' not in body


def test_the_derivatives_show_how_they_were_made(
    login: Callable[[str], Client],
    bound_video: Evidence,
) -> None:
    body = page_of(login("officer_a"), bound_video)
    copy = Derivative.objects.get(evidence=bound_video, kind=Derivative.Kind.WORKING_COPY)
    assert f'data-derivative="{copy.pk}"' in body
    assert copy.sha256 in body and copy.sm3 in body
    assert body.count(bound_video.sha256) >= 2  # the original's, and as the copy's source
    assert "drawtext" in body  # the parameters
    assert "<details>" in body


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("officer_a", True),  # handler
        ("officer_a2", True),  # handler
        ("head_a", True),  # head of the matter's agency
        ("head_city", False),  # sees the matter, but is neither
        ("supervisor", False),
    ],
)
def test_the_download_button_only_for_those_allowed(
    login: Callable[[str], Client],
    bound_video: Evidence,
    who: str,
    shown: bool,
) -> None:
    body = page_of(login(who), bound_video)
    assert ("data-download-original" in body) is shown
    assert (f'href="/api/v1/evidence/{bound_video.pk}/original"' in body) is shown


@pytest.mark.parametrize(
    ("who", "plays"),
    [
        ("officer_a", True),  # handler
        ("officer_a2", True),  # handler
        ("head_a", True),  # head of the matter's agency
        ("head_city", False),  # sees the matter, but without a grant (第二十条)
        ("supervisor", False),
    ],
)
def test_the_player_only_for_handlers_their_head_and_grant_holders(
    login: Callable[[str], Client],
    bound_video: Evidence,
    who: str,
    plays: bool,
) -> None:
    """第二十条: without a grant nobody but the handlers and their head sees working copies;
    the others get a note and a link to request access instead of the player."""
    body = page_of(login(who), bound_video)
    assert bool(re.search(r"<video [^>]*data-working-copy", body)) is plays
    assert ("data-working-copy-denied" in body) is not plays
    response = login(who).get(f"/api/v1/evidence/{bound_video.pk}/working-copy")
    assert response.status_code == (200 if plays else 403)


def test_unreadable_media_is_flagged(login: Callable[[str], Client], broken_file: Evidence) -> None:
    evidence = broken_file
    assert not evidence.readable
    body = page_of(login("officer_a"), evidence)
    assert "data-unreadable" in body
    assert "<video" not in body and "data-working-copy-pending" not in body


def test_the_matter_page_lists_its_evidence(
    login: Callable[[str], Client],
    bound_video: Evidence,
    inbox_photo: Evidence,
    matter_a: Matter,
) -> None:
    response = login("head_a").get(f"/matters/{matter_a.pk}/")
    body = response.content.decode()
    assert f'data-evidence="{bound_video.pk}"' in body
    assert f'href="/evidence/{bound_video.pk}/"' in body
    assert f'data-evidence="{inbox_photo.pk}"' not in body
    assert 'data-deadline="on_time"' in body
