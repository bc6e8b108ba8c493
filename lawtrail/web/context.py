"""What every page's frame needs to know about the person looking at it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest


def abilities(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """Lazily: a template calls these only where it shows the link (the nav, "my work")."""
    from lawtrail.web.views.matters import can_open_matters

    return {"can_open_matters": lambda: can_open_matters(request)}
