"""Administration pages are for system administrators only (scope.can_administer)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lawtrail.testing import Province

PAGES = [
    "/manage/agencies/",
    "/manage/agencies/new/",
    "/manage/agencies/610102/",
    "/manage/people/",
    "/manage/people/new/",
]


@pytest.mark.parametrize("page", PAGES)
def test_the_admin_sees_them(login: Callable[[str], Client], page: str) -> None:
    assert login("admin").get(page).status_code == 200


@pytest.mark.parametrize("persona", ["officer_a", "head_a", "head_city", "supervisor"])
@pytest.mark.parametrize("page", PAGES)
def test_everyone_else_gets_403(login: Callable[[str], Client], page: str, persona: str) -> None:
    response = login(persona).get(page)
    assert response.status_code == 403
    assert "只有系统管理员" in response.content.decode()


def test_posts_from_others_change_nothing(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    before = event_count()
    client = login("head_a")
    assert (
        client.post(f"/manage/people/{province.officer_a.pk}/active/", {"active": "0"}).status_code
        == 403
    )
    assert (
        client.post(
            "/manage/agencies/new/",
            {
                "name": "x",
                "level": "county",
                "region_code": "610104",
                "short_name": "x",
                "parent_code": "610100",
            },
        ).status_code
        == 403
    )
    assert event_count() == before
    province.officer_a.user.refresh_from_db()
    assert province.officer_a.user.is_active


def test_the_admin_link_is_shown_only_to_admins(login: Callable[[str], Client]) -> None:
    assert "/manage/agencies/" in login("admin").get("/").content.decode()
    assert "/manage/agencies/" not in login("officer_a").get("/").content.decode()
