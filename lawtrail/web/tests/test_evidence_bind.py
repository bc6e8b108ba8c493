"""Binding evidence to a matter from its page: from the inbox, moving it (with a reason), and
refusals that change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lawtrail.evidence import derivatives
from lawtrail.evidence.models import Binding, Evidence
from lawtrail.evidence.tests.fixtures import counts
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter as factory_open
from lawtrail.testing import Province
from lawtrail.web.tests.conftest import open_matter
from lawtrail.web.tests.evidence_fixtures import (  # noqa: F401
    bound_video_fixture,
    bring_in_fixture,
    broken_file_fixture,
    evidence_home,
    inbox_photo_fixture,
    media,
    own_store_fixture,
)


def bind(client: Client, evidence: Evidence, number: str, reason: str = "") -> Any:
    return client.post(
        f"/evidence/{evidence.pk}/bind/", {"matter_number": number, "reason": reason}
    )


def test_evidence_in_the_inbox_is_bound(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
    matter_a: Matter,
) -> None:
    client = login("officer_a")
    body = client.get(f"/evidence/{inbox_photo.pk}/").content.decode()
    assert f'action="/evidence/{inbox_photo.pk}/bind/"' in body
    assert f'<option value="{matter_a.number}">' in body  # suggested
    response = bind(client, inbox_photo, matter_a.number)
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/{inbox_photo.pk}/#binding"
    assert Binding.objects.get(evidence=inbox_photo).matter == matter_a
    page = client.get(f"/evidence/{inbox_photo.pk}/").content.decode()
    assert matter_a.number in page
    # Bound, it is the matter's now: its head sees it too.
    assert login("head_a").get(f"/evidence/{inbox_photo.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("", 422),  # required
        ("XX-0000-9999", 404),  # no such matter
        ("x" * 65, 422),  # longer than any number
    ],
)
def test_a_bad_matter_number_is_refused_and_changes_nothing(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
    number: str,
    status: int,
) -> None:
    before = counts()
    response = bind(login("officer_a"), inbox_photo, number)
    assert response.status_code == status
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "<details open>" in body  # the form stays open with the error
    assert counts() == before


def test_a_matter_out_of_scope_is_refused(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
    province: Province,
) -> None:
    other = factory_open(
        province,
        by=province.officer_b,
        handlers=[province.officer_b.pk, province.officer_b2.pk],
        lead=province.officer_b.pk,
    )
    before = counts()
    assert bind(login("officer_a"), inbox_photo, other.number).status_code == 404
    assert counts() == before


def test_moving_needs_a_reason(
    login: Callable[[str], Client],
    bound_video: Evidence,
    province: Province,
) -> None:
    client = login("officer_a")
    other = open_matter(province, title="另一家餐馆检查")
    before = counts()
    response = bind(client, bound_video, other.number)
    assert response.status_code == 422
    assert counts() == before
    response = bind(client, bound_video, other.number, reason="录入时选错了案件")
    assert response.status_code == 302
    history = list(Binding.objects.filter(evidence=bound_video).order_by("bound_at", "id"))
    assert [b.matter_id for b in history][-1] == other.pk
    assert len(history) == 2  # the earlier binding is kept
    body = client.get(f"/evidence/{bound_video.pk}/").content.decode()
    assert "录入时选错了案件" in body


def test_binding_to_the_same_matter_again_is_refused(
    login: Callable[[str], Client],
    bound_video: Evidence,
    matter_a: Matter,
) -> None:
    before = counts()
    response = bind(login("officer_a"), bound_video, matter_a.number)
    assert response.status_code == 422
    assert counts() == before


@pytest.mark.parametrize("who", ["head_city", "supervisor"])
def test_those_who_may_not_change_the_matter_get_no_form(
    login: Callable[[str], Client],
    bound_video: Evidence,
    matter_a: Matter,
    who: str,
) -> None:
    client = login(who)
    body = client.get(f"/evidence/{bound_video.pk}/").content.decode()
    assert "/bind/" not in body
    before = counts()
    response = bind(client, bound_video, matter_a.number, reason="试试")
    assert response.status_code in (403, 404, 422)
    assert counts() == before


def test_out_of_scope_evidence_cannot_be_bound(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
    matter_a: Matter,
) -> None:
    before = counts()
    assert bind(login("officer_b"), inbox_photo, matter_a.number).status_code == 404
    assert bind(login("head_a"), inbox_photo, matter_a.number).status_code == 404
    assert counts() == before


def test_the_form_needs_its_csrf_token(
    province: Province,
    inbox_photo: Evidence,
    matter_a: Matter,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(province.officer_a.user)
    before = counts()
    assert bind(client, inbox_photo, matter_a.number).status_code == 403
    assert counts() == before


def test_it_is_post_only(
    login: Callable[[str], Client],
    inbox_photo: Evidence,
) -> None:
    assert login("officer_a").get(f"/evidence/{inbox_photo.pk}/bind/").status_code == 405


def test_after_binding_the_page_says_the_new_working_copy_is_coming(
    login: Callable[[str], Client], inbox_photo: Evidence, matter_a: Matter
) -> None:
    """第十九条: the watermark names the matter, so a new binding needs a new working copy; until
    it is made the page plays the earlier one and says so."""
    derivatives.make_derivatives(inbox_photo.pk, None)
    client = login("officer_a")
    body = client.get(f"/evidence/{inbox_photo.pk}/").content.decode()
    assert "data-working-copy-earlier" not in body
    bind(client, inbox_photo, matter_a.number)
    body = client.get(f"/evidence/{inbox_photo.pk}/").content.decode()
    assert "data-working-copy-earlier" in body
    derivatives.make_derivatives(inbox_photo.pk, Binding.objects.get(evidence=inbox_photo).pk)
    body = client.get(f"/evidence/{inbox_photo.pk}/").content.decode()
    assert "data-working-copy-earlier" not in body
    assert f'src="/api/v1/evidence/{inbox_photo.pk}/working-copy"' in body
