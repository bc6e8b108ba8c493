"""Fixtures of the records tests; the personas come from the ``province`` fixture."""

from __future__ import annotations

from lawtrail.records.tests import fixtures

fast_password_hashing = fixtures.fast_password_hashing
matter = fixtures.matter
