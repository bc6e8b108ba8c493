"""Test set-up shared by every app: a throwaway data folder and a secret key."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("LAWTRAIL_HOME", tempfile.mkdtemp(prefix="lawtrail-test-"))
os.environ.setdefault("LAWTRAIL_SECRET_KEY", "test-secret-key-that-is-long-enough-for-django")

import pytest  # noqa: E402


@pytest.fixture
def province(db):  # type: ignore[no-untyped-def]
    from lawtrail.testing import make_province

    return make_province()
