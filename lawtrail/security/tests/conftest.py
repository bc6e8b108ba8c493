from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """The refusal events are rate-limited in the cache; each test starts afresh."""
    cache.clear()
