"""``lawtrail serve`` really serves (gunicorn in a subprocess, DEBUG off, SQLite; see conftest)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from lawtrail.tests.conftest import Demo, Served, lawtrail, serve, stop


@pytest.mark.parametrize("port", ["0", "99999", "-1"])
def test_serve_refuses_a_port_out_of_range(tmp_path: Path, port: str) -> None:
    result = lawtrail(tmp_path, "serve", "--port", port, timeout=60)
    assert result.returncode == 2
    assert "--port must be between 1 and 65535" in result.stderr


@pytest.mark.parametrize(("option", "value"), [("--workers", "0"), ("--task-workers", "65")])
def test_serve_refuses_a_worker_count_out_of_range(tmp_path: Path, option: str, value: str) -> None:
    result = lawtrail(tmp_path, "serve", option, value, timeout=60)
    assert result.returncode == 2
    assert f"{option} must be between 1 and 64" in result.stderr


def test_serve_refuses_a_port_that_is_not_a_number(tmp_path: Path) -> None:
    result = lawtrail(tmp_path, "serve", "--port", "http", timeout=60)
    assert result.returncode == 2
    assert "invalid int value" in result.stderr


def test_healthz_reports_the_database_and_the_data_folder(served: Served) -> None:
    status, headers, body = served.get("/healthz")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"status": "ok", "database": "ok", "data_folder": "ok"}


def test_static_files_are_served_with_debug_off(served: Served) -> None:
    status, headers, body = served.get("/static/admin/css/base.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"body" in body


def test_the_login_page_renders_with_debug_off(served: Served) -> None:
    status, _, body = served.get("/login/")
    assert status == 200, body[:2000]
    assert b"csrfmiddlewaretoken" in body


def test_an_unknown_page_is_a_plain_404_without_a_debug_page(served: Served) -> None:
    status, _, body = served.get("/no-such-page")
    assert status in (302, 404)
    assert b"Traceback" not in body and b"URLconf" not in body


def test_the_openapi_spec_is_served(served: Served) -> None:
    status, spec = served.get_json("/api/v1/openapi.json")
    assert status == 200
    assert isinstance(spec, dict) and spec["openapi"].startswith("3.")


def test_serve_stops_cleanly_with_its_worker_on_sigterm(demo: Demo, tmp_path: Path) -> None:
    """The default serve (with the task worker) stops on SIGTERM, leaving no child behind."""
    servers = serve(demo.home, "--workers", "1")
    server = next(servers)
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        assert response.status == 200
    assert stop(server.process) == 0
    servers.close()
    log = server.log.read_text()
    assert "lawtrail is serving on http://127.0.0.1:" in log
    assert "Traceback" not in log
