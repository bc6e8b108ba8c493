"""A value the ledger cannot write as canonical bytes is a 422, never a 500.

Canonical bytes hold integers within ±(2^53−1) and no lone surrogates (docs/ledger.md §1). The
API's inputs are bounded before they reach an action (record numbers are decimal text, ids
are looked up), so this is the safety net: an action that raises ``CanonicalError`` has
rolled its transaction back, and the caller is told which value could not be recorded.
"""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import RequestFactory

from lawtrail.api.api import not_canonical
from lawtrail.ledger import events
from lawtrail.ledger.canonical import CanonicalError
from lawtrail.ledger.models import Event


@pytest.mark.django_db
@pytest.mark.parametrize("value", [2**53, -(2**60), "\ud800"])
def test_an_unwritable_value_is_422_and_the_event_is_not_kept(value: object) -> None:
    before = Event.objects.count()
    with pytest.raises(CanonicalError) as caught, transaction.atomic():
        events.append(events.SYSTEM, "test.value", ("test", "1"), {"value": value})
    assert Event.objects.count() == before
    response = not_canonical(RequestFactory().post("/api/v1/x"), caught.value)
    assert response.status_code == 422
    assert str(caught.value) in json.loads(response.content)["detail"]
