"""The whole-process timeline: every ledger event of the matter, in order, readable."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.test import Client

from lawtrail.ledger import events
from lawtrail.matters import actions
from lawtrail.matters.models import Matter
from lawtrail.testing import Province
from lawtrail.web import timeline


def test_it_lists_every_event_in_ledger_order(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    approval = actions.request_approval(province.officer_a.user, matter_a, "filing", "请批准")
    actions.decide_approval(province.head_a.user, approval, approve=True, opinion="同意立案")
    actions.advance_stage(province.officer_a.user, matter_a, "investigation", "开始调查")
    body = login("officer_a").get(f"/matters/{matter_a.pk}/").content.decode()
    part = body[body.index('id="timeline"') :]
    seqs = [int(s) for s in re.findall(r'class="seq"[^>]*>#(\d+)<', part)]
    expected = list(events.for_context(matter_a.context).values_list("seq", flat=True))
    assert seqs == expected
    # 第二十条: this very read is logged before the page is drawn, so it is on the timeline.
    assert len(seqs) == 5
    labels = ["开启事项", "申请审批", "作出审批决定", "推进阶段", "查阅案卷"]
    positions = [part.index(label) for label in labels]
    assert positions == sorted(positions)
    assert "同意立案" in part
    assert "程序启动 → 调查取证" in part
    assert "张明" in part and "王强" in part


def test_every_known_action_has_a_translated_label() -> None:
    for action in timeline.ACTION_LABELS:
        assert timeline.action_label(action) != action


def test_an_unknown_action_is_still_shown_plainly() -> None:
    assert timeline.action_label("evidence.teleported") == "evidence.teleported"
    assert (
        timeline.summarise("evidence.teleported", {"b": 1, "a": [True, None]}) == "a: 是、—; b: 1"
    )


def test_resident_id_numbers_are_masked_in_summaries() -> None:
    summary = timeline.summarise(
        "matter.party_added", {"type": "person", "name": "王某", "id": "610102199001011234"}
    )
    assert "610102********1234" in summary
