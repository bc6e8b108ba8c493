"""Fixtures of the device and station tests.

The personas come from the ``province`` fixture (``lawtrail.testing``), plus the equipment
managers of the two counties (第十一条): ``equipment_a`` and ``equipment_b``. Each test stores
evidence into a folder of its own and uses the real media of the evidence tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from lawtrail.devices.tests.helpers import Crew
from lawtrail.evidence.tests.fixtures import evidence_home, media  # noqa: F401
from lawtrail.matters.tests.factories import fast_password_hashing  # noqa: F401
from lawtrail.testing import Province


@pytest.fixture(autouse=True)
def own_store(evidence_home: Any) -> None:  # noqa: F811
    """Every test stores evidence into a folder of its own."""


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The sentences are checked in English (the catalogue may translate them)."""
    with translation.override("en"):
        yield


@pytest.fixture
def crew(province: Province) -> Crew:
    return Crew.of(province)
