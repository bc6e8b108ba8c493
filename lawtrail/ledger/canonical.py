"""Canonical event bytes: the exact bytes a Merkle leaf hashes.

An event's canonical form is UTF-8 JSON with keys sorted, no insignificant white space and
non-ASCII characters written as themselves (``json.dumps(obj, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``). Only strings, integers, booleans, null, lists and
objects are allowed: floats are refused because their text form is not unique, so GIS
coordinates travel as decimal strings. Times are UTC in RFC 3339 with microseconds and a ``Z``.

Version 1 fields: ``v`` (1), ``seq``, ``at``, ``actor``, ``action``, ``object`` ("type/id"),
``context`` and ``payload``. These rules never change for events already written; a new form
would get ``v`` = 2.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

CANONICAL_VERSION = 1


class CanonicalError(ValueError):
    pass


def check_value(value: Any, path: str = "payload") -> None:
    """Refuse anything whose JSON text would not be unique."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return  # the common case first: it is most of every event
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise CanonicalError(f"{path} has a non-string key {key!r}")
            check_value(item, f"{path}.{key}")
        return
    if isinstance(value, bool | str | int):
        return
    if isinstance(value, float):
        raise CanonicalError(f"{path} is a float; pass numbers with decimals as strings")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_value(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path} has a non-string key {key!r}")
            check_value(item, f"{path}.{key}")
        return
    raise CanonicalError(f"{path} has a value of type {type(value).__name__}")


@functools.lru_cache(maxsize=64)
def format_time(at: datetime) -> str:
    # Cached: a batch of events shares one time, and strftime is a good part of the cost.
    if at.tzinfo is None:
        raise CanonicalError("event times must be timezone-aware")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# What json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds on
# every call; one shared encoder gives the same text without the set-up.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def dumps(obj: Any) -> bytes:
    check_value(obj, "event")
    return _ENCODER.encode(obj).encode()


def event_bytes(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    context: str,
    payload: dict[str, Any],
) -> bytes:
    # The same check and text as dumps(), without walking the fields built here.
    check_value(seq, "event.seq")
    check_value(actor, "event.actor")
    check_value(action, "event.action")
    check_value(context, "event.context")
    check_value(payload, "event.payload")
    return _ENCODER.encode(
        {
            "v": CANONICAL_VERSION,
            "seq": seq,
            "at": format_time(at),
            "actor": actor,
            "action": action,
            "object": f"{object_type}/{object_id}",
            "context": context,
            "payload": payload,
        }
    ).encode()
