"""Test set-up shared by every app: a throwaway data folder, a secret key, fast passwords."""

from __future__ import annotations

import os
import tempfile
from typing import Any

os.environ.setdefault("LAWTRAIL_HOME", tempfile.mkdtemp(prefix="lawtrail-test-"))
os.environ.setdefault("LAWTRAIL_SECRET_KEY", "test-secret-key-that-is-long-enough-for-django")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """PBKDF2 at full strength costs seconds per persona; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(db: Any) -> Any:
    from lawtrail.testing import make_province

    return make_province()
