"""POST /api/v1/evidence/{id}/bindings: evidence waits in the officer's inbox until it is bound
to a matter, by an action with its ledger event; moving it needs a reason, and earlier bindings
stay (issue 4 §2, 第二十六条)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lawtrail.evidence.models import Binding
from lawtrail.evidence.tests.fixtures import counts, evidence_home, ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import api_client, fast_password_hashing, open_matter  # noqa: F401
from lawtrail.testing import Province

JSON = "application/json"


@pytest.fixture(autouse=True)
def own_store(evidence_home: Any) -> None:  # noqa: F811
    pass


@pytest.fixture(autouse=True)
def clients(province: Province) -> None:
    """One token per persona, made before any test counts events (a token is an event)."""
    CLIENTS.clear()
    for officer in (province.officer_a, province.officer_a2, province.officer_b):
        CLIENTS[officer.pk] = api_client(officer)


CLIENTS: dict[int, Any] = {}


def bind(officer: Any, evidence_id: int, **body: Any) -> Any:
    return CLIENTS[officer.pk].post(
        f"/api/v1/evidence/{evidence_id}/bindings", body, content_type=JSON
    )


def test_an_officer_binds_inbox_evidence_to_their_matter(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    matter = open_matter(province)
    evidence_id = ingest(province.officer_a.user, media.video).evidence_id
    response = bind(province.officer_a, evidence_id, matter_number=matter.number)
    assert response.status_code == 201, response.content
    assert response.json()["matter"]["id"] == matter.pk
    event = Event.objects.get(action="evidence.bound")
    assert event.context == matter.context
    assert json.loads(bytes(event.body))["payload"]["matter"] == matter.number
    # Now the matter's people see it, and it left the inbox.
    a2 = CLIENTS[province.officer_a2.pk]
    assert a2.get(f"/api/v1/evidence/{evidence_id}").status_code == 200
    unbound = CLIENTS[province.officer_a.pk].get("/api/v1/evidence?unbound=true").json()
    assert unbound["items"] == []


def test_moving_evidence_needs_a_reason_and_keeps_the_history(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    first = open_matter(province)
    second = open_matter(province, title="复查")
    evidence_id = ingest(province.officer_a.user, media.photo, matter=first.number).evidence_id
    before = counts()
    refused = bind(province.officer_a, evidence_id, matter_id=second.pk)
    assert refused.status_code == 422 and "reason" in refused.json()["fields"]
    assert counts() == before
    moved = bind(province.officer_a, evidence_id, matter_id=second.pk, reason="误关联，应属复查")
    assert moved.status_code == 201
    detail = CLIENTS[province.officer_a.pk].get(f"/api/v1/evidence/{evidence_id}").json()
    assert [b["matter"]["id"] for b in detail["bindings"]] == [first.pk, second.pk]
    assert detail["binding"]["reason"] == "误关联，应属复查"
    assert Binding.objects.count() == 2


def test_binding_again_to_the_same_matter_is_refused(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    matter = open_matter(province)
    evidence_id = ingest(province.officer_a.user, media.photo, matter=matter.number).evidence_id
    assert bind(province.officer_a, evidence_id, matter_id=matter.pk).status_code == 422


def test_only_people_who_work_on_both_matters_may_move_it(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    first = open_matter(province)
    other = open_matter(
        province,
        by=province.officer_a2,
        handlers=[province.officer_a2.pk, province.head_a.pk],
        lead=province.officer_a2.pk,
    )
    evidence_id = ingest(province.officer_a.user, media.photo, matter=first.number).evidence_id
    before = counts()
    # officer_a handles `first` but not `other`; officer_b sees neither.
    assert bind(province.officer_a, evidence_id, matter_id=other.pk, reason="x").status_code == 403
    assert bind(province.officer_b, evidence_id, matter_id=other.pk, reason="x").status_code == 404
    assert counts() == before


def test_someone_elses_inbox_evidence_cannot_be_bound(
    province: Province,
    media: Media,  # noqa: F811
) -> None:
    matter = open_matter(province)
    evidence_id = ingest(province.officer_a.user, media.photo).evidence_id
    before = counts()
    assert bind(province.officer_a2, evidence_id, matter_id=matter.pk).status_code == 404
    assert counts() == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"matter_id": 1, "matter_number": "x"},
        {"matter_id": "one"},
        {"matter_id": 1, "extra": 1},
    ],
)
def test_a_binding_request_must_name_one_matter(
    province: Province,
    media: Media,  # noqa: F811
    body: dict[str, Any],
) -> None:
    evidence_id = ingest(province.officer_a.user, media.photo).evidence_id
    before = counts()
    assert bind(province.officer_a, evidence_id, **body).status_code == 422
    assert counts() == before
