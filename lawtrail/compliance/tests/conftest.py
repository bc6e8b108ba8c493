"""Fixtures of the compliance tests; personas come from the ``province`` fixture."""

from __future__ import annotations

from lawtrail.records.tests.fixtures import fast_password_hashing, matter

__all__ = ["fast_password_hashing", "matter"]
