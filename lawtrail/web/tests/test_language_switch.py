"""Simplified Chinese first; English through the language switch (/i18n/setlang/)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client


def test_pages_are_chinese_by_default(login: Callable[[str], Client]) -> None:
    body = login("officer_a").get("/").content.decode()
    assert "我的工作" in body
    assert 'lang="zh-CN"' in body


def test_the_switch_turns_the_pages_english_and_back(login: Callable[[str], Client]) -> None:
    client = login("officer_a")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/matters/"})
    assert response.status_code == 302
    assert response["Location"] == "/matters/"
    body = client.get("/").content.decode()
    assert "My work" in body
    assert "我的工作" not in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的工作" in client.get("/").content.decode()


def test_the_switch_is_on_every_page(login: Callable[[str], Client]) -> None:
    body = login("officer_a").get("/matters/").content.decode()
    assert 'action="/i18n/setlang/"' in body
    assert 'value="en"' in body


def test_domain_labels_are_translated_too(login: Callable[[str], Client]) -> None:
    client = login("officer_a")
    assert "行政检查" in client.get("/matters/new/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Administrative inspection" in client.get("/matters/new/").content.decode()
