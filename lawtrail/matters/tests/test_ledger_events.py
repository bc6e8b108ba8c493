"""Every change of a matter is one ledger event in the same transaction (invariant 4).

Each action appends exactly one event whose context is ``matter/<id>``, so the matter's
timeline is one query; the sequence has no gaps. An action that is refused appends nothing
and changes no row (invariant 8; 第二十六条 forbids altering the record).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.forms.models import model_to_dict

from lawtrail.errors import ActionError
from lawtrail.ledger.models import Event, LogHead
from lawtrail.matters import actions
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.tests.factories import (
    matter_input,
    open_penalty,
    person_party,
    snapshot,
)
from lawtrail.testing import Province

pytestmark = pytest.mark.usefixtures("matters_rules_only")


def new_events(since: int) -> list[Event]:
    return list(Event.objects.filter(seq__gte=since).order_by("seq"))


def test_each_action_appends_exactly_one_event_in_the_matters_context(
    province: Province,
) -> None:
    p = province
    a, head = p.officer_a.user, p.head_a.user
    start = Event.objects.count()
    matter = actions.open_matter(a, p.county_a, matter_input(p, kind="penalty"))
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("matter.party_added", lambda: actions.add_party(a, matter, person_party("李四"))),
        ("matter.handler_added", lambda: actions.add_handler(a, matter, p.head_a.pk)),
        (
            "matter.gis_point_added",
            lambda: actions.add_gis_point(a, matter, actions.GisInput("34.27", "108.95")),
        ),
        ("approval.requested", lambda: actions.request_approval(a, matter, "filing")),
        (
            "approval.decided",
            lambda: actions.decide_approval(
                head, matter.approvals.get(), approve=True, opinion="同意立案"
            ),
        ),
        (
            "matter.review_requirements_set",
            lambda: actions.set_review_requirements(a, matter, legal_review=True),
        ),
        ("matter.stage_advanced", lambda: actions.advance_stage(a, matter, "investigation")),
        ("matter.stage_advanced", lambda: actions.advance_stage(a, matter, "review")),
        (
            "matter.returned_for_investigation",
            lambda: actions.return_for_investigation(head, matter, "补充证据"),
        ),
    ]
    [opened] = new_events(start)
    assert opened.action == "matter.opened"
    assert opened.context == f"matter/{matter.pk}"
    for expected, step in steps:
        mark = Event.objects.count()
        step()
        [event] = new_events(mark)
        assert event.action == expected
        assert event.context == matter.context
        body = json.loads(bytes(event.body))
        assert body["context"] == matter.context
        assert body["seq"] == event.seq
    assert Event.objects.filter(context=matter.context).count() == len(steps) + 1


def test_the_ledger_sequence_has_no_gaps(province: Province) -> None:
    for _ in range(3):
        matter = open_penalty(province)
        actions.request_approval(province.officer_a.user, matter, "filing")
        with pytest.raises(ActionError):
            actions.advance_stage(province.officer_a.user, matter, Stage.REVIEW)
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(len(seqs)))
    head = LogHead.objects.get()
    assert head.size == len(seqs)


Refusal = Callable[[Province, Matter], object]

REFUSALS: dict[str, Refusal] = {
    "skipped stage": lambda p, m: actions.advance_stage(p.officer_a.user, m, Stage.EXECUTION),
    "unknown stage": lambda p, m: actions.advance_stage(p.officer_a.user, m, "appeal"),
    "party with a bad ID number": lambda p, m: actions.add_party(
        p.officer_a.user, m, person_party(id_number="110105194912310021")
    ),
    "GIS point out of range": lambda p, m: actions.add_gis_point(
        p.officer_a.user, m, actions.GisInput(91, 108)
    ),
    "assistant as lead": lambda p, m: actions.add_handler(
        p.officer_a.user, m, p.assistant_a.pk, lead=True
    ),
    "handler of another county": lambda p, m: actions.add_handler(
        p.officer_a.user, m, p.officer_b.pk, lead=True
    ),
    "approval of an unknown subject": lambda p, m: actions.request_approval(
        p.officer_a.user, m, "promotion"
    ),
    "approval decided by its requester": lambda p, m: actions.decide_approval(
        p.head_a.user,
        actions.request_approval(p.head_a.user, m, "filing"),
        approve=True,
        opinion="同意",
    ),
    "return while not under review": lambda p, m: actions.return_for_investigation(
        p.head_a.user, m, "补充证据"
    ),
    "change by another county": lambda p, m: actions.add_party(
        p.officer_b.user, m, person_party("王五")
    ),
    "change by the supervisor": lambda p, m: actions.set_review_requirements(
        p.supervisor.user, m, legal_review=True
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS)
def test_a_refused_action_appends_no_event_and_changes_no_row(
    province: Province, refusal: str
) -> None:
    matter = open_penalty(province)
    row = model_to_dict(Matter.objects.get(pk=matter.pk))
    handlers = list(matter.handlers.values_list("officer_id", "is_lead"))
    before = snapshot()
    with pytest.raises(ActionError):
        # The one that first requests an approval does so inside the refused step, so its
        # own event is expected; the decision refused after it must add nothing further.
        REFUSALS[refusal](province, matter)
    after = snapshot()
    if refusal == "approval decided by its requester":
        assert after["events"] == before["events"] + 1
        assert after["approvals"] == before["approvals"] + 1
        assert after["decided"] == before["decided"]
    else:
        assert after == before
    assert model_to_dict(Matter.objects.get(pk=matter.pk)) == row
    assert list(matter.handlers.values_list("officer_id", "is_lead")) == handlers
