"""API routes for matters; filled in by the API work."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["matters"])
