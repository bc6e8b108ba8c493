"""The evidence tests share the fixtures of ``fixtures.py``; each test gets its own store."""

from __future__ import annotations

from typing import Any

import pytest

from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401
from lawtrail.matters.tests.factories import fast_password_hashing  # noqa: F401


@pytest.fixture(autouse=True)
def own_store(evidence_home: Any) -> None:  # noqa: F811
    """Every evidence test stores into a folder of its own."""
