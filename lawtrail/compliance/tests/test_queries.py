"""Who sees which findings (invariant 7), the filters of a findings list, an officer's
deadlines and the summaries of a unit and of the province (第二十四条, 第二十五条).

The findings are real: a recording uploaded 50 hours after it ended breaks 第十九条 (opened
and closed at once: fulfilled late), and a matter whose second handler's certificate lapsed
breaks 第十条 (open while the staffing is short).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from lawtrail.agencies.models import Certificate
from lawtrail.compliance import queries
from lawtrail.compliance.engine import evaluate
from lawtrail.compliance.models import Finding
from lawtrail.compliance.queries import FindingFilters
from lawtrail.compliance.tests.helpers import days_later
from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.matters import actions as matter_actions
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.tests.factories import expire
from lawtrail.matters.tests.factories import open_matter as open_any_matter
from lawtrail.records.tests.fixtures import matter as matter
from lawtrail.testing import Province

RULES = ["uploads.within_48h", "staffing.two_certified"]


def hours_ago(hours: float) -> str:
    return (timezone.now() - datetime.timedelta(hours=hours)).isoformat()


@dataclass
class World:
    p: Province
    matter_a: Matter
    matter_b: Matter
    late_a: Finding  # 第十九条, county A, officer_a, closed (fulfilled late)
    late_b: Finding  # 第十九条, county B, officer_b, closed
    short_a: Finding  # 第十条, county A, matter_a, open
    short_b: Finding  # 第十条, county B, matter_b, open


def make_world(p: Province, matter_a: Matter, media: Media) -> World:
    matter_b = open_any_matter(
        p, by=p.officer_b, handlers=[p.officer_b.pk, p.officer_b2.pk], lead=p.officer_b.pk
    )
    matter_actions.advance_stage(p.officer_b.user, matter_b, Stage.INVESTIGATION)
    ingest(
        p.officer_a.user,
        media.video,
        recorded_to=hours_ago(50),
        matter=matter_a.number,
        officer="officer_a",
    )
    ingest(p.officer_b.user, media.photo, recorded_to=hours_ago(72), officer="officer_b")
    expire(Certificate.objects.get(officer=p.officer_a2))
    expire(Certificate.objects.get(officer=p.officer_b2))
    evaluate(rules=RULES)
    one = Finding.objects.get
    return World(
        p,
        matter_a,
        matter_b,
        late_a=one(rule_id="uploads.within_48h", agency=p.county_a),
        late_b=one(rule_id="uploads.within_48h", agency=p.county_b),
        short_a=one(rule_id="staffing.two_certified", agency=p.county_a),
        short_b=one(rule_id="staffing.two_certified", agency=p.county_b),
    )


@pytest.fixture
def world(province: Province, matter: Matter, media: Media, evidence_home: Any) -> World:  # noqa: F811
    return make_world(province, matter, media)


def ids(user: Any, **filters: Any) -> set[int]:
    return set(queries.filtered(user, FindingFilters(**filters)).values_list("pk", flat=True))


def test_the_world_holds_real_findings_open_and_closed(world: World) -> None:
    assert world.late_a.state == Finding.State.CLOSED  # 第十九条: uploaded late, then done
    assert world.short_a.state == Finding.State.OPEN  # 第十条: one certified handler left
    assert set(world.short_a.officers.values_list("user__username", flat=True)) == {
        "officer_a",
        "officer_a2",
    }


def test_scope_officer_b_sees_nothing_of_county_a(world: World) -> None:
    seen = ids(world.p.officer_b.user)
    assert seen == {world.late_b.pk, world.short_b.pk}
    with pytest.raises(NotFound):
        queries.get_visible_finding(world.p.officer_b.user, world.short_a.pk)


def test_scope_officers_see_their_own_agency_where_answerable(world: World) -> None:
    p = world.p
    assert ids(p.officer_a.user) == {world.late_a.pk, world.short_a.pk}
    # officer_a2 handles matter_a (第十条 finding) but did not record the late upload —
    # which is bound to matter_a, so as its handler they answer for it too.
    assert ids(p.officer_a2.user) == {world.late_a.pk, world.short_a.pk}
    assert ids(p.assistant_a.user) == set()  # neither named nor a handler


def test_scope_heads_see_their_subtree_supervisors_everything(world: World) -> None:
    p = world.p
    everything = {world.late_a.pk, world.late_b.pk, world.short_a.pk, world.short_b.pk}
    assert ids(p.head_a.user) == {world.late_a.pk, world.short_a.pk}
    assert ids(p.head_city.user) == everything
    assert ids(p.supervisor.user) == everything
    assert ids(p.reviewer_a.user) == {world.late_a.pk, world.short_a.pk}
    assert ids(p.admin.user) == set()  # the directory's administrator sees no matters


def test_filters_narrow_the_list(world: World) -> None:
    sup = world.p.supervisor.user
    assert ids(sup, agency="610102") == {world.late_a.pk, world.short_a.pk}
    assert ids(sup, agency="610100") == ids(sup)  # the city includes both counties
    assert ids(sup, officer="officer_b2") == {world.short_b.pk}
    assert ids(sup, officer="61010300001") == {world.late_b.pk, world.short_b.pk}
    assert ids(sup, matter=world.matter_a.number) == {world.late_a.pk, world.short_a.pk}
    assert ids(sup, rule="uploads.within_48h") == {world.late_a.pk, world.late_b.pk}
    assert ids(sup, state="open") == {world.short_a.pk, world.short_b.pk}
    assert ids(sup, severity="medium") == set()
    today = timezone.localdate()
    assert len(ids(sup, since=today, until=today)) == 4
    assert ids(sup, since=today + datetime.timedelta(days=1)) == set()


@pytest.mark.parametrize(
    "filters, field",
    [
        ({"rule": "no.such.rule"}, "rule"),
        ({"state": "hidden"}, "state"),
        ({"severity": "grave"}, "severity"),
        ({"agency": "999999"}, "agency"),
        ({"officer": "nobody"}, "officer"),
        ({"since": datetime.date(2026, 5, 2), "until": datetime.date(2026, 5, 1)}, "since"),
    ],
)
def test_bad_filters_are_refused_with_a_message(
    world: World, filters: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        queries.filtered(world.p.supervisor.user, FindingFilters(**filters))
    assert field in refused.value.fields and refused.value.message


def test_officer_b_cannot_narrow_to_county_a(world: World) -> None:
    with pytest.raises(Invalid):
        queries.filtered(world.p.officer_b.user, FindingFilters(agency="610102"))
    with pytest.raises(Invalid):  # county A's people are "no officer" to county B
        queries.filtered(world.p.officer_b.user, FindingFilters(officer="officer_a"))


def test_my_deadlines_put_open_findings_first(world: World) -> None:
    """第十条's open finding on officer_a's matter comes first, overdue."""
    items = queries.my_deadlines(world.p.officer_a.user)
    assert items[0].kind == "finding" and items[0].overdue
    assert items[0].finding_id == world.short_a.pk
    assert items[0].matter_number == world.matter_a.number
    assert items[0].article == "第十条"
    assert all(i.finding_id != world.short_b.pk for i in items)
    assert queries.my_deadlines(world.p.officer_b.user)[0].finding_id == world.short_b.pk


def test_my_deadlines_clear_when_the_duty_is_met(world: World) -> None:
    """The 第十条 finding closes once a certified handler is back; it leaves the list."""
    Certificate.objects.filter(officer=world.p.officer_a2).update(
        valid_to=datetime.date(2099, 12, 31)
    )
    evaluate(rules=RULES)
    items = queries.my_deadlines(world.p.officer_a.user)
    assert all(i.finding_id != world.short_a.pk for i in items)


def test_unit_summary_counts_by_rule_and_officer(world: World) -> None:
    summary = queries.unit_summary(world.p.county_a)
    assert summary.open_by_rule == {"staffing.two_certified": 1}
    officers = {c.username: (c.open, c.total) for c in summary.by_officer}
    assert officers["officer_a"] == (1, 2)
    assert officers["officer_a2"] == (1, 1)
    rates = {r.spec.id: r for r in summary.rates}
    assert (rates["uploads.within_48h"].checked, rates["uploads.within_48h"].breached) == (1, 1)
    assert rates["uploads.within_48h"].rate == 0.0
    assert rates["staffing.two_certified"].checked == 1


def test_province_rows_and_monthly_trend(world: World) -> None:
    p = world.p
    agencies = [p.county_a, p.county_b]
    rows = {r.agency.pk: r for r in queries.province_rows(agencies)}
    assert (rows[p.county_a.pk].open, rows[p.county_a.pk].opened_12m) == (1, 2)
    months, series = queries.monthly_trend(agencies)
    assert len(months) == 12 and months[-1] == timezone.localdate().replace(day=1)
    assert series[p.county_b.pk][-1] == 2 and sum(series[p.county_b.pk]) == 2
    _later, far = queries.monthly_trend(agencies, now=days_later(400))
    assert sum(far[p.county_b.pk]) == 0


def test_summary_agency_is_for_watchers_only(world: World) -> None:
    p = world.p
    with pytest.raises(Forbidden):
        queries.summary_agency(p.officer_a.user)
    with pytest.raises(NotFound):
        queries.summary_agency(p.head_a.user, "610103")
    assert queries.summary_agency(p.head_city.user, "610103") == p.county_b
    assert queries.summary_agency(p.head_city.user) == p.city
