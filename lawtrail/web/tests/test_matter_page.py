"""The matter page: who sees it, and what its header, flags and handlers say."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.testing import Province
from lawtrail.web.tests.conftest import open_matter


@pytest.mark.parametrize(
    "persona", ["officer_a", "officer_a2", "head_a", "head_city", "supervisor"]
)
def test_it_renders_for_people_in_scope(
    login: Callable[[str], Client], matter_a: Matter, persona: str
) -> None:
    response = login(persona).get(f"/matters/{matter_a.pk}/")
    assert response.status_code == 200
    assert matter_a.number in response.content.decode()


@pytest.mark.parametrize("persona", ["officer_b", "officer_b2", "admin"])
def test_it_is_404_outside_scope(
    login: Callable[[str], Client], matter_a: Matter, persona: str
) -> None:
    response = login(persona).get(f"/matters/{matter_a.pk}/")
    assert response.status_code == 404
    assert matter_a.title not in response.content.decode()


def test_an_unknown_matter_is_404(
    login: Callable[[str], Client], db: None, province: Province
) -> None:
    assert login("officer_a").get("/matters/999999/").status_code == 404


def test_it_shows_the_five_stages_with_the_current_one(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    body = login("officer_a").get(f"/matters/{matter_a.pk}/").content.decode()
    for label in ("程序启动", "调查取证", "审查决定", "送达执行", "归档管理"):
        assert label in body
    assert 'aria-current="step"' in body


def test_it_says_clearly_when_audio_video_is_mandatory(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    body = login("officer_a").get(f"/matters/{matter_a.pk}/").content.decode()
    assert "本事项必须进行音视频记录" in body
    quiet = open_matter(province, flags={})
    body = login("officer_a").get(f"/matters/{quiet.pk}/").content.decode()
    assert "本事项必须进行音视频记录" not in body
    assert "第十五条" in body


def test_it_shows_parties_handlers_with_certificates_and_gis(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    body = login("officer_a").get(f"/matters/{matter_a.pk}/").content.decode()
    assert "西安某餐饮有限公司" in body
    assert "61010200001" in body  # officer_a's certificate
    assert "34.266000" in body


def test_change_forms_are_offered_only_to_who_may_change(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    assert "/stage/" in login("officer_a").get(f"/matters/{matter_a.pk}/").content.decode()
    assert "/stage/" not in login("head_city").get(f"/matters/{matter_a.pk}/").content.decode()
