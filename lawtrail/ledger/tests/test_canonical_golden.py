"""Canonical event bytes are frozen: every leaf already signed hashes them, so a change to the
time format, the escaping or the key order would make the log fail verification (第二十六条).
These tests pin complete bytes, not prefixes; docs/ledger.md §1 writes out the same rules.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from enum import IntEnum

import pytest

from lawtrail.ledger import canonical, merkle

# docs/ledger.md §1, event #41, byte for byte.
DOC_EXAMPLE = (
    '{"action":"evidence.viewed","actor":"officer_a","at":"2026-05-01T00:30:00.000000Z",'
    '"context":"matter/42","object":"evidence/1207","payload":{"grant":"88",'
    '"reason":"复议机关调阅"},"seq":41,"v":1}'
).encode()
DOC_LEAF = "db8b8f5c87f424ccba3a00263891a60227e74f1b200effdcbabfa77b0da28090"


def test_the_documented_example_has_exactly_the_documented_bytes_and_leaf_hash() -> None:
    body = canonical.event_bytes(
        seq=41,
        at=datetime(2026, 5, 1, 0, 30, tzinfo=UTC),
        actor="officer_a",
        action="evidence.viewed",
        object_type="evidence",
        object_id="1207",
        context="matter/42",
        payload={"reason": "复议机关调阅", "grant": "88"},
    )
    assert body == DOC_EXAMPLE
    assert merkle.leaf_hash(body).hex() == DOC_LEAF
    assert hashlib.sha256(b"\x00" + body).hexdigest() == DOC_LEAF


def test_the_documented_example_is_the_one_in_the_document() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "ledger.md").read_text("utf-8")
    assert DOC_EXAMPLE.decode() in doc.splitlines()
    assert DOC_LEAF in doc


# Every escaping rule at once: the short escapes, lowercase \u00XX for the other controls,
# nothing else escaped (not "/", DEL, U+0080, U+2028/2029 or non-ASCII), keys in code point
# order (U+FF5E before U+1F600, unlike UTF-16 order), a non-UTC time moved to UTC.
TRICKY_PAYLOAD = {
    "text": 'a"b\\c/d\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\u0080\u2028\u2029é中😀',
    "\U0001f600": "",
    "\uff5e": "",
    "é": {},
    "b": [],
    "a": [True, False, None, -(2**53 - 1), 2**53 - 1, 0],
    "Z": 1,
}
TRICKY_BYTES = (
    b'{"action":"record.filed","actor":"\xe5\xbc\xa0\xe4\xb8\x89",'
    b'"at":"2026-01-01T19:04:05.000006Z","context":"matter/1","object":"record/R-1",'
    b'"payload":{"Z":1,"a":[true,false,null,-9007199254740991,9007199254740991,0],"b":[],'
    b'"text":"a\\"b\\\\c/d\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f'
    b'\x7f\xc2\x80\xe2\x80\xa8\xe2\x80\xa9\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80",'
    b'"\xc3\xa9":{},"\xef\xbd\x9e":"","\xf0\x9f\x98\x80":""},"seq":7,"v":1}'
)
TRICKY_LEAF = "799668f04c37b419ffbbdf37a1cb24bc6987762f1478b1b20b9090df64f52cf3"


def tricky(payload: dict[str, object] = TRICKY_PAYLOAD) -> bytes:
    return canonical.event_bytes(
        seq=7,
        at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=8))),
        actor="张三",
        action="record.filed",
        object_type="record",
        object_id="R-1",
        context="matter/1",
        payload=payload,
    )


def test_control_characters_and_non_ascii_text_have_exactly_the_frozen_bytes() -> None:
    body = tricky()
    assert body == TRICKY_BYTES
    assert merkle.leaf_hash(body).hex() == TRICKY_LEAF


def test_dumps_writes_the_same_text_as_event_bytes() -> None:
    assert canonical.dumps({"b": "é\n", "a": 1}) == b'{"a":1,"b":"\xc3\xa9\\n"}'


@pytest.mark.parametrize("number", [2**53, -(2**53), 2**70, -(2**63)])
def test_integers_beyond_53_bits_are_refused(number: int) -> None:
    with pytest.raises(canonical.CanonicalError, match="2\\^53"):
        tricky({"n": number})
    with pytest.raises(canonical.CanonicalError):
        canonical.dumps({"deep": [{"n": number}]})
    with pytest.raises(canonical.CanonicalError):
        canonical.event_bytes(
            seq=number,
            at=datetime(2026, 1, 1, tzinfo=UTC),
            actor="system",
            action="x",
            object_type="t",
            object_id="1",
            context="",
            payload={},
        )


def test_an_int_enum_is_written_as_its_number_and_range_checked() -> None:
    class Level(IntEnum):
        LOW = 1
        HUGE = 2**60

    assert canonical.dumps({"l": Level.LOW}) == b'{"l":1}'
    with pytest.raises(canonical.CanonicalError):
        canonical.dumps({"l": Level.HUGE})


@pytest.mark.parametrize(
    "payload",
    [{"text": "a\ud800b"}, {"\udfff": "key"}, {"list": ["ok", "\udc80"]}],
)
def test_lone_surrogates_are_refused_as_not_canonical(payload: dict[str, object]) -> None:
    with pytest.raises(canonical.CanonicalError, match="surrogate"):
        tricky(payload)
    with pytest.raises(canonical.CanonicalError, match="surrogate"):
        canonical.dumps(payload)


def test_a_surrogate_pair_written_as_one_character_is_plain_utf8() -> None:
    assert canonical.dumps({"e": "\U0001f600"}) == b'{"e":"\xf0\x9f\x98\x80"}'
