"""``lawtrail init`` and the bare command (run in subprocesses on SQLite; see conftest)."""

from __future__ import annotations

import stat
from pathlib import Path

from lawtrail.tests.conftest import count, lawtrail


def test_init_creates_the_data_folder_database_and_a_private_secret_key(tmp_path: Path) -> None:
    home = tmp_path / "var"
    result = lawtrail(home, "init")
    assert result.returncode == 0, result.stderr
    assert "database migrated" in result.stdout
    key_file = home / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 50
    assert count(home, "django_migrations") > 0


def test_init_is_idempotent_and_keeps_the_secret_key(tmp_path: Path) -> None:
    first = lawtrail(tmp_path, "init")
    key = (tmp_path / "secret_key").read_text()
    migrations = count(tmp_path, "django_migrations")
    second = lawtrail(tmp_path, "init")
    assert (first.returncode, second.returncode) == (0, 0), second.stderr
    assert (tmp_path / "secret_key").read_text() == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert count(tmp_path, "django_migrations") == migrations


def test_init_writes_no_key_file_when_the_key_comes_from_the_environment(tmp_path: Path) -> None:
    result = lawtrail(tmp_path, "init", LAWTRAIL_SECRET_KEY="k" * 40)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_lawtrail_without_a_command_shows_help_and_exits_2(tmp_path: Path) -> None:
    result = lawtrail(tmp_path, timeout=30)
    assert result.returncode == 2
    assert "usage: lawtrail" in result.stdout + result.stderr


def test_an_unknown_command_exits_2(tmp_path: Path) -> None:
    result = lawtrail(tmp_path, "frobnicate", timeout=30)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = lawtrail(tmp_path, "--help", timeout=30)
    assert result.returncode == 0
    for command in ("init", "demo", "serve", "token", "user"):
        assert command in result.stdout
