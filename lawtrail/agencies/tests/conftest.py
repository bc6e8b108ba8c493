"""Fixtures of these tests; the personas come from the ``province`` fixture."""

from __future__ import annotations

from lawtrail.matters.tests.factories import fast_password_hashing

__all__ = ["fast_password_hashing"]
