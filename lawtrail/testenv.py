"""Loaded by pytest as a plugin (``-p lawtrail.testenv`` in pyproject) before Django's settings
are imported, so that every test process gets a data folder of its own instead of ./var."""

from __future__ import annotations

import os
import tempfile

home = tempfile.mkdtemp(prefix="lawtrail-test-")
os.environ["LAWTRAIL_HOME"] = home
# WhiteNoise warns about a missing STATIC_ROOT on every request; tests serve from the finders.
os.makedirs(os.path.join(home, "static"), exist_ok=True)
os.environ.setdefault("LAWTRAIL_SECRET_KEY", "test-secret-key-that-is-long-enough-for-django")
