"""The pages' own files: vendored htmx with its licence, and pages that render before
``collectstatic`` has run (a fresh data folder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.test import Client

STATIC = Path(__file__).resolve().parents[1] / "static" / "web"


def test_htmx_is_vendored_with_its_licence() -> None:
    assert (STATIC / "vendor" / "htmx.min.js").read_text().startswith("var htmx=")
    assert "Zero-Clause BSD" in (STATIC / "vendor" / "htmx.LICENSE.txt").read_text()


def test_pages_render_before_collectstatic(login: Callable[[str], Client], settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = login("officer_a").get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/static/web/app.css"' in body
    assert 'src="/static/web/vendor/htmx.min.js"' in body


def test_a_missing_page_is_a_friendly_404(login: Callable[[str], Client]) -> None:
    response = login("officer_a").get("/no-such-page/")
    assert response.status_code == 404
    assert "返回我的工作" in response.content.decode()
