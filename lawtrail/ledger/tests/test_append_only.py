"""第二十六条: events can be appended, never changed or removed — not even through the ORM."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from lawtrail.ledger import canonical, events
from lawtrail.ledger.models import Event


def append_one(payload: dict[str, object] | None = None) -> Event:
    with transaction.atomic():
        return events.append(events.SYSTEM, "test.happened", ("thing", "1"), payload or {})


@pytest.mark.django_db
def test_sequence_numbers_have_no_gaps() -> None:
    seqs = [append_one().seq for _ in range(5)]
    assert seqs == list(range(5))


@pytest.mark.django_db
def test_body_is_the_canonical_json() -> None:
    event = append_one({"名称": "中文", "n": 3, "list": [True, None]})
    body = bytes(event.body).decode()
    assert body.startswith('{"action":"test.happened","actor":"system","at":"')
    assert '"payload":{"list":[true,null],"n":3,"名称":"中文"}' in body


@pytest.mark.django_db
def test_update_is_refused_by_the_database() -> None:
    event = append_one()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(action="test.rewritten")
    event.refresh_from_db()
    assert event.action == "test.happened"


@pytest.mark.django_db
def test_delete_is_refused_by_the_database() -> None:
    event = append_one()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        events.append(events.SYSTEM, "test.happened", ("thing", "1"), {})


def test_floats_are_refused_because_their_text_is_not_unique() -> None:
    with pytest.raises(canonical.CanonicalError, match="float"):
        canonical.dumps({"lat": 34.5})
