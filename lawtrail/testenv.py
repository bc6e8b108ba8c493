"""Loaded by pytest as a plugin (``-p lawtrail.testenv`` in pyproject) before Django's settings
are imported, so that every test process gets a data folder of its own instead of ./var."""

from __future__ import annotations

import os
import tempfile

os.environ["LAWTRAIL_HOME"] = tempfile.mkdtemp(prefix="lawtrail-test-")
os.environ.setdefault("LAWTRAIL_SECRET_KEY", "test-secret-key-that-is-long-enough-for-django")
