"""Keyset pagination: ``limit`` and an opaque ``after`` cursor.

A page continues after the last row of the previous one instead of skipping ``offset`` rows,
so a deep page costs what the first one does and rows added meanwhile never shift a page
(DESIGN.md §6a). The cursor is the ordering values of the last row, JSON in URL-safe base64;
it is not a secret and grants nothing, since every query is filtered by scope first.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from lawtrail.errors import Invalid

M = TypeVar("M", bound=models.Model)


@dataclass
class Page(Generic[M]):
    rows: list[M]
    next: str | None


def _bad_cursor() -> Invalid:
    return Invalid(
        _("The cursor in 'after' is not one this API gave out; start again without it."),
        {"after": [_("Not a valid cursor.")]},
    )


def encode_cursor(values: list[Any]) -> str:
    text = json.dumps(
        [v.isoformat() if isinstance(v, datetime.datetime) else v for v in values],
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, fields: list[models.Field[Any, Any]]) -> list[Any]:
    """The ordering values in ``cursor``, typed like ``fields``; Invalid when malformed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _bad_cursor() from None
    if not isinstance(values, list) or len(values) != len(fields):
        raise _bad_cursor()
    typed: list[Any] = []
    for field, value in zip(fields, values, strict=True):
        if isinstance(field, models.DateTimeField):
            if not isinstance(value, str):
                raise _bad_cursor()
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                raise _bad_cursor() from None
            if moment.tzinfo is None:
                raise _bad_cursor()
            typed.append(moment)
        elif isinstance(field, models.IntegerField):
            # bool is an int in Python; an integer column never holds one in a cursor.
            if not isinstance(value, int) or isinstance(value, bool):
                raise _bad_cursor()
            if not -(2**63) <= value < 2**63:
                raise _bad_cursor()
            typed.append(value)
        else:
            if not isinstance(value, str):
                raise _bad_cursor()
            typed.append(value)
    return typed


def paginate(
    queryset: models.QuerySet[M], ordering: list[str], *, limit: int, after: str | None
) -> Page[M]:
    """One page of ``queryset`` in ``ordering`` (e.g. ``["-opened_at", "-id"]``).

    The last name in ``ordering`` must be unique (the primary key), so that the order is total.
    """
    names = [name.lstrip("-") for name in ordering]
    fields = [queryset.model._meta.get_field(name) for name in names]
    queryset = queryset.order_by(*ordering)
    if after:
        values = decode_cursor(after, fields)  # type: ignore[arg-type]
        # (a, b) after (x, y) in this order: a beyond x, or a = x and b beyond y, and so on.
        condition = models.Q()
        for i, name in enumerate(ordering):
            beyond = "lt" if name.startswith("-") else "gt"
            step = models.Q(**{f"{names[i]}__{beyond}": values[i]})
            for j in range(i):
                step &= models.Q(**{names[j]: values[j]})
            condition |= step
        queryset = queryset.filter(condition)
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(rows, encode_cursor([getattr(last, name) for name in names]))
