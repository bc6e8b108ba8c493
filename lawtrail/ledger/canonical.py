"""Canonical event bytes: the exact bytes a Merkle leaf hashes.

An event's canonical form is UTF-8 JSON with keys sorted, no insignificant white space and
non-ASCII characters written as themselves (``json.dumps(obj, sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``). Only strings, integers, booleans, null, lists and
objects are allowed: floats are refused because their text form is not unique, so GIS
coordinates travel as decimal strings; integers must lie within ±(2^53−1), and strings must be
Unicode text (no lone surrogates). Times are UTC in RFC 3339 with microseconds and a ``Z``.
docs/ledger.md §1 spells every rule out (escapes included) for implementations in other
languages, and tests/test_canonical_golden.py freezes the bytes.

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


# Integers are exact in every JSON parser only within IEEE 754 doubles' 53 bits (RFC 8259 §6,
# I-JSON RFC 7493 §2.2); beyond, most tools other than Python's read a different number.
MAX_INTEGER = 2**53 - 1


class CanonicalError(ValueError):
    pass


def check_value(value: Any, path: str = "payload") -> None:
    """Refuse anything whose JSON text would not be unique, or not read back the same."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return  # the common case first: it is most of every event
    if kind is int:
        if -MAX_INTEGER <= value <= MAX_INTEGER:
            return
        raise CanonicalError(f"{path} is an integer beyond ±(2^53−1); pass it as a string")
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise CanonicalError(f"{path} has a non-string key {key!r}")
            check_value(item, f"{path}.{key}")
        return
    if isinstance(value, bool | str):
        return
    if isinstance(value, int):  # an int subclass such as IntEnum: written as its number
        check_value(int(value), path)
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


def encode(obj: Any) -> bytes:
    try:
        return _ENCODER.encode(obj).encode()
    except UnicodeEncodeError as error:  # a lone surrogate has no UTF-8 form
        raise CanonicalError(
            f"a string holds a lone surrogate ({error.object[error.start : error.end]!r}), "
            "which is not Unicode text"
        ) from None


def dumps(obj: Any) -> bytes:
    check_value(obj, "event")
    return encode(obj)


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
    return encode(
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
    )
