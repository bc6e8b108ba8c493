"""Settings refuse bad environment values with a sentence that names the variable.

Each case imports ``lawtrail.settings`` in a fresh interpreter, because the values are read at
import time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lawtrail.tests.conftest import REPO, child_env

GOOD_KEY = "k" * 40


def import_settings(home: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import lawtrail.settings"],
        cwd=REPO,
        env=child_env(home, **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_good_values_import_cleanly(tmp_path: Path) -> None:
    result = import_settings(tmp_path, LAWTRAIL_SECRET_KEY=GOOD_KEY, LAWTRAIL_DEBUG="False")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LAWTRAIL_DEBUG": "yes"}, "Unexpected value LAWTRAIL_DEBUG='yes', use 'True' or 'False'"),
        ({"LAWTRAIL_SECURE_COOKIES": "1"}, "LAWTRAIL_SECURE_COOKIES='1'"),
        ({"LAWTRAIL_BEHIND_TLS_PROXY": "on"}, "LAWTRAIL_BEHIND_TLS_PROXY='on'"),
        ({"DATABASE_URL": "mysql://u:p@db/lawtrail"}, "Unexpected DATABASE_URL scheme"),
        ({"LAWTRAIL_SECRET_KEY": "short"}, "LAWTRAIL_SECRET_KEY must be at least 32 characters"),
        ({"LAWTRAIL_MAX_JSON_BYTES": "2MB"}, "LAWTRAIL_MAX_JSON_BYTES='2MB', use a whole number"),
        ({"LAWTRAIL_MAX_JSON_BYTES": "-5"}, "LAWTRAIL_MAX_JSON_BYTES='-5', use a whole number of"),
        ({"LAWTRAIL_CHECKPOINT_EVENTS": "0"}, "LAWTRAIL_CHECKPOINT_EVENTS='0'"),
        ({"LAWTRAIL_CHECKPOINT_SECONDS": "-1"}, "LAWTRAIL_CHECKPOINT_SECONDS='-1'"),
        ({"LAWTRAIL_UPLOAD_MAX_BYTES": "0"}, "LAWTRAIL_UPLOAD_MAX_BYTES='0'"),
        ({"LAWTRAIL_LOG_LEVEL": "LOUD"}, "LAWTRAIL_LOG_LEVEL='LOUD', use one of: DEBUG"),
        ({"LAWTRAIL_REPLICA_SCOPE": "some"}, "LAWTRAIL_REPLICA_SCOPE='some', use one of"),
        ({"LAWTRAIL_ALLOWED_HOSTS": ","}, "LAWTRAIL_ALLOWED_HOSTS is set but names no host"),
        (
            {"LAWTRAIL_ALLOWED_HOSTS": "localhost,http://example.com/x"},
            "'http://example.com/x' is not a host name",
        ),
        ({"LAWTRAIL_ALLOWED_HOSTS": "example.com:8000"}, "'example.com:8000' is not a host"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = import_settings(tmp_path, **{"LAWTRAIL_SECRET_KEY": GOOD_KEY, **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "hosts", ["lawtrail.example.cn", ".example.cn", "*", "10.0.0.5,[::1],localhost", "a-b.c"]
)
def test_allowed_hosts_take_names_suffixes_and_addresses(tmp_path: Path, hosts: str) -> None:
    result = import_settings(tmp_path, LAWTRAIL_SECRET_KEY=GOOD_KEY, LAWTRAIL_ALLOWED_HOSTS=hosts)
    assert result.returncode == 0, result.stderr


def test_a_data_folder_inside_the_package_is_refused(tmp_path: Path) -> None:
    result = import_settings(
        tmp_path, LAWTRAIL_SECRET_KEY=GOOD_KEY, LAWTRAIL_HOME=str(REPO / "lawtrail" / "var")
    )
    assert result.returncode != 0
    assert "inside the lawtrail package" in result.stderr


def test_a_missing_secret_key_says_how_to_get_one(tmp_path: Path) -> None:
    result = import_settings(tmp_path)
    assert result.returncode != 0
    assert "run `lawtrail init`" in result.stderr
