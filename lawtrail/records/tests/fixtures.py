"""Fixtures shared by the records tests and the records API tests.

Test modules outside this folder bind them by assignment (``matter = fixtures.matter``), which
pytest registers like a fixture defined in the module.
"""

from __future__ import annotations

from typing import Any

import pytest

from lawtrail.matters.models import Matter, Stage
from lawtrail.records.tests.helpers import advance, open_matter
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The personas' passwords need no strength here; PBKDF2 made each test's set-up take
    seconds (ten logins per province)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def matter(province: Province) -> Matter:
    """A penalty matter of county A in 调查取证, handled by officer_a and officer_a2."""
    return advance(province, open_matter(province), Stage.INVESTIGATION)
