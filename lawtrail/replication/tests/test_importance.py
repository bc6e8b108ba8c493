"""Which evidence is important (issue 9 §1): by rule (行政处罚, 第十四条), by a mark of the
matter's handlers or its agency head (the latest mark wins), or everything with scope "all".
Someone outside the matter is refused and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils.translation import gettext as _

from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import open_matter, open_penalty
from lawtrail.replication.importance import important_evidence, is_important, mark_important, why
from lawtrail.replication.models import ImportanceMark
from lawtrail.replication.tests.test_sync import evidence_home, evidence_in  # noqa: F401
from lawtrail.testing import Province


@pytest.fixture
def three(province: Province, evidence_home: Path, tmp_path: Path) -> Any:  # noqa: F811
    p = province
    user = p.officer_a.user
    return (
        evidence_in(open_penalty(p), user, tmp_path, "penalty.bin"),
        evidence_in(open_matter(p), user, tmp_path, "inspection.bin"),
        evidence_in(open_matter(p, flags={"av_complaint": True}), user, tmp_path, "complaint.bin"),
    )


def ids() -> set[int]:
    return set(important_evidence().values_list("pk", flat=True))


def test_rules_pick_penalty_and_article_14_evidence(three: Any) -> None:
    penalty, inspection, complaint = three
    assert ids() == {penalty.pk, complaint.pk}
    assert "行政处罚" in why(penalty)
    assert why(inspection) == _("not important by rule")


def test_the_latest_mark_wins_over_the_rule(province: Province, three: Any) -> None:
    penalty, inspection, _complaint = three
    mark_important(province.officer_a2.user, inspection, True, "关键证据")
    mark_important(province.head_a.user, penalty, False, "重复录像")
    assert ids() == {inspection.pk, _complaint.pk}
    mark_important(province.officer_a.user, penalty, True, "复核后仍需备份")
    assert is_important(penalty)
    event = Event.objects.filter(action="replica.marked").last()
    assert event is not None and event.actor == "officer_a"
    assert event.context == penalty.bindings.get().matter.context


def test_an_officer_of_another_county_is_refused_and_nothing_is_written(
    province: Province, three: Any
) -> None:
    penalty, _inspection, _complaint = three
    events = Event.objects.count()
    with pytest.raises(NotFound):
        mark_important(province.officer_b.user, penalty, False, "不需要")
    assert not ImportanceMark.objects.exists()
    assert Event.objects.count() == events
    assert is_important(penalty)


def test_only_handlers_and_the_head_may_mark(province: Province, three: Any) -> None:
    penalty, _inspection, _complaint = three
    with pytest.raises(Forbidden):
        mark_important(province.reviewer_a.user, penalty, False, "不需要")
    with pytest.raises(Invalid):
        mark_important(province.officer_a.user, penalty, False, "  ")
    assert not ImportanceMark.objects.exists()


def test_scope_all_copies_everything(settings: Any, three: Any) -> None:
    settings.LAWTRAIL_REPLICA_SCOPE = "all"
    assert ids() == {e.pk for e in three}


def test_marks_are_append_only(province: Province, three: Any) -> None:
    from django.db import DatabaseError, transaction

    mark = mark_important(province.officer_a.user, three[1], True, "关键证据")
    with pytest.raises(DatabaseError), transaction.atomic():
        ImportanceMark.objects.filter(pk=mark.pk).update(important=False)
    with pytest.raises(DatabaseError), transaction.atomic():
        ImportanceMark.objects.filter(pk=mark.pk).delete()
