"""Keyset pages over matters, newest first (DESIGN §6a: no OFFSET scans at provincial scale).

A cursor is "<microseconds since the epoch>-<id>" of the row at the page's edge; ``after`` goes
to older matters and ``before`` back to newer ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from lawtrail.matters.models import Matter

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
PAGE_SIZE = 20


def cursor_of(matter: Matter) -> str:
    micros = (matter.opened_at - EPOCH) // dt.timedelta(microseconds=1)
    return f"{micros}-{matter.pk}"


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
    items: list[Matter] = field(default_factory=list)
    newer: str | None = None  # cursor for the page before (newer matters)
    older: str | None = None  # cursor for the page after (older matters)
    is_first: bool = True


def page_of(
    matters: QuerySet[Matter], *, after: str | None, before: str | None, size: int | None = None
) -> Page:
    size = size or PAGE_SIZE
    older_than = parse_cursor(after)
    newer_than = parse_cursor(before)
    if newer_than is not None:
        at, pk = newer_than
        rows = list(
            matters.filter(Q(opened_at__gt=at) | Q(opened_at=at, pk__gt=pk)).order_by(
                "opened_at", "id"
            )[: size + 1]
        )
        more_newer = len(rows) > size
        items = list(reversed(rows[:size]))
        return Page(
            items=items,
            newer=cursor_of(items[0]) if more_newer and items else None,
            older=cursor_of(items[-1]) if items else None,
            is_first=not more_newer,
        )
    query = matters.order_by("-opened_at", "-id")
    if older_than is not None:
        at, pk = older_than
        query = query.filter(Q(opened_at__lt=at) | Q(opened_at=at, pk__lt=pk))
    rows = list(query[: size + 1])
    items = rows[:size]
    return Page(
        items=items,
        newer=cursor_of(items[0]) if older_than is not None and items else None,
        older=cursor_of(items[-1]) if len(rows) > size else None,
        is_first=older_than is None,
    )
