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


@pytest.fixture
def matters(province: Any) -> dict[str, Any]:
    """One matter in county A and one in county B, for the scope tests (invariant 7)."""
    from lawtrail.matters.tests.factories import open_matter

    p = province
    return {
        "a": open_matter(p),
        "b": open_matter(
            p, by=p.officer_b, handlers=[p.officer_b.pk, p.officer_b2.pk], lead=p.officer_b.pk
        ),
    }
