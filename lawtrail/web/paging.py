"""Keyset pages, newest first (DESIGN §6a: no OFFSET scans at provincial scale): matters by
``opened_at``, evidence by ``stored_at``.

A cursor is "<microseconds since the epoch>-<id>" of the row at the page's edge; ``after`` goes
to older rows and ``before`` back to newer ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PAGE_SIZE = 20


def cursor_of(row: Any, at: str = "opened_at") -> str:
    micros = (getattr(row, at) - EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}-{row.pk}"


def parse_cursor(value: str | None) -> tuple[dt.datetime, int] | None:
    if not value:
        return None
    micros, _, pk = value.partition("-")
    try:
        return EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


@dataclass
class Page:
    items: list[Any] = field(default_factory=list)
    newer: str | None = None  # cursor for the page before (newer rows)
    older: str | None = None  # cursor for the page after (older rows)
    is_first: bool = True


def page_of(
    rows: QuerySet[Any],
    *,
    after: str | None,
    before: str | None,
    size: int | None = None,
    at: str = "opened_at",
) -> Page:
    """Newest first by the time field ``at`` (then id); ``after``/``before`` are cursors."""
    size = size or PAGE_SIZE
    older_than = parse_cursor(after)
    newer_than = parse_cursor(before)
    if newer_than is not None:
        moment, pk = newer_than
        found = list(
            rows.filter(Q(**{f"{at}__gt": moment}) | Q(**{at: moment, "pk__gt": pk})).order_by(
                at, "id"
            )[: size + 1]
        )
        more_newer = len(found) > size
        items = list(reversed(found[:size]))
        return Page(
            items=items,
            newer=cursor_of(items[0], at) if more_newer and items else None,
            older=cursor_of(items[-1], at) if items else None,
            is_first=not more_newer,
        )
    query = rows.order_by(f"-{at}", "-id")
    if older_than is not None:
        moment, pk = older_than
        query = query.filter(Q(**{f"{at}__lt": moment}) | Q(**{at: moment, "pk__lt": pk}))
    found = list(query[: size + 1])
    items = found[:size]
    return Page(
        items=items,
        newer=cursor_of(items[0], at) if older_than is not None and items else None,
        older=cursor_of(items[-1], at) if len(found) > size else None,
        is_first=older_than is None,
    )
