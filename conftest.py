"""Test set-up shared by every app: a throwaway data folder, a secret key, fast passwords."""

from __future__ import annotations

from typing import Any

import pytest

# The data folder and secret key of the test processes are set by lawtrail/testenv.py.


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """PBKDF2 at full strength costs seconds per persona; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def province(db: Any) -> Any:
    from lawtrail.testing import make_province

    return make_province()
