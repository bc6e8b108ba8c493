"""Every action appends its event to the matter's timeline in the same transaction (第二十条,
第二十六条), and the payload commits to the content by digest."""

from __future__ import annotations

import json

import pytest

from lawtrail.ledger import events
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.tests.helpers import serve_directly, write
from lawtrail.testing import Province


def payloads(matter: Matter, action: str) -> list[dict[str, object]]:
    return [
        json.loads(bytes(e.body))["payload"]
        for e in events.for_context(matter.context).filter(action=action)
    ]


@pytest.mark.django_db
def test_each_action_is_an_event_of_the_matter(province: Province, matter: Matter) -> None:
    decision = write(province, matter, "decision")
    version = decision.current_version()
    serve_directly(province, matter, decision)
    [created, receipt_created] = payloads(matter, "record.created")
    assert created == {
        "matter": matter.number,
        "record": decision.pk,
        "record_type": "decision",
        "number": decision.number,
        "version": 1,
        "digest": version.digest,
    }
    assert receipt_created["record_type"] == "service_receipt"
    [signed] = payloads(matter, "record.signed")
    assert signed["signer_role"] == "recipient" and signed["status"] == "signed"
    [served] = payloads(matter, "record.served")
    assert served["method"] == "direct" and served["digest"] == version.digest
    assert isinstance(served["served_at"], str) and served["served_at"].endswith("Z")


@pytest.mark.django_db
def test_reading_a_record_is_an_event(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    actions.note_viewed(province.head_city.user, record)
    [viewed] = events.for_context(matter.context).filter(action="record.viewed")
    assert viewed.actor == "head_city"
