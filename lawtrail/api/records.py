"""API routes for records; filled in by the API work."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["records"])
