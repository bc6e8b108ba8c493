"""Pages under /compliance/: deadlines for officers, the unit for heads, the province for
supervisors, the findings list and a finding with its explain form (第二十四条)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from lawtrail.agencies.models import Officer
from lawtrail.compliance import charts
from lawtrail.compliance.models import Explanation
from lawtrail.compliance.tests.test_queries import World, make_world
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.matters.models import Matter
from lawtrail.records.tests.fixtures import matter as matter
from lawtrail.testing import Province


@pytest.fixture
def world(province: Province, matter: Matter, media: Media, evidence_home: Any) -> World:  # noqa: F811
    return make_world(province, matter, media)


def as_(officer: Officer) -> Client:
    client = Client()
    client.force_login(officer.user)
    return client


def test_signed_out_people_are_sent_to_log_in(world: World) -> None:
    for url in (
        "/compliance/",
        "/compliance/findings/",
        f"/compliance/findings/{world.short_a.pk}/",
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(
    "who, target",
    [
        ("officer_a", "/compliance/deadlines/"),
        ("head_a", "/compliance/unit/"),
        ("reviewer_a", "/compliance/unit/"),
        ("supervisor", "/compliance/province/"),
        ("admin", "/compliance/findings/"),
    ],
)
def test_the_index_sends_each_role_to_its_view(world: World, who: str, target: str) -> None:
    response = as_(getattr(world.p, who)).get("/compliance/")
    assert response.status_code == 302 and response["Location"] == target


def test_an_officer_sees_the_overdue_finding_first_with_its_article(world: World) -> None:
    response = as_(world.p.officer_a).get("/compliance/deadlines/")
    html = response.content.decode()
    assert response.status_code == 200
    first = re.search(r'data-finding="(\d+)"', html)
    assert first and int(first.group(1)) == world.short_a.pk
    assert "第十条" in html and world.matter_a.number in html
    assert f'data-finding="{world.short_b.pk}"' not in html


def test_the_head_sees_the_unit_with_charts(world: World) -> None:
    response = as_(world.p.head_a).get("/compliance/unit/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<script" not in html.split("</header>")[1].split("<footer")[0]
    assert f'data-finding="{world.short_a.pk}"' in html
    assert f'data-finding="{world.short_b.pk}"' not in html
    assert 'data-rule="uploads.within_48h"' in html and 'data-officer="officer_a2"' in html


def test_a_head_above_two_counties_picks_one(world: World) -> None:
    client = as_(world.p.head_city)
    html = client.get("/compliance/unit/", {"agency": "610103"}).content.decode()
    assert 'name="agency"' in html and f'data-finding="{world.short_b.pk}"' in html
    assert f'data-finding="{world.short_a.pk}"' not in html


def test_a_head_may_not_see_another_county(world: World) -> None:
    assert as_(world.p.head_a).get("/compliance/unit/", {"agency": "610103"}).status_code == 404


def test_officers_have_no_unit_or_province_page(world: World) -> None:
    client = as_(world.p.officer_b)
    assert client.get("/compliance/unit/").status_code == 403
    assert client.get("/compliance/province/").status_code == 403


def test_the_supervisor_sees_every_unit_and_the_months(world: World) -> None:
    html = as_(world.p.supervisor).get("/compliance/province/").content.decode()
    assert 'data-agency="610102"' in html and 'data-agency="610103"' in html
    assert 'data-trend="610103"' in html and html.count("<svg") == 2


def test_the_findings_list_is_scoped_and_filtered(world: World) -> None:
    html = as_(world.p.officer_b).get("/compliance/findings/").content.decode()
    assert f'data-finding="{world.short_b.pk}"' in html
    assert f'data-finding="{world.short_a.pk}"' not in html
    html = as_(world.p.supervisor).get("/compliance/findings/", {"state": "open"}).content.decode()
    assert f'data-finding="{world.short_a.pk}"' in html
    assert f'data-finding="{world.late_a.pk}"' not in html


@pytest.mark.parametrize(
    "params", [{"rule": "no.such"}, {"since": "yesterday"}, {"agency": "999999"}]
)
def test_bad_filters_are_shown_with_422(world: World, params: dict[str, str]) -> None:
    response = as_(world.p.supervisor).get("/compliance/findings/", params)
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()


def test_a_finding_shows_why_it_opened_and_closed(world: World) -> None:
    html = as_(world.p.officer_a).get(f"/compliance/findings/{world.late_a.pk}/").content.decode()
    assert "第十九条" in html and "hours_taken" in html and "fulfilled_late_at" in html
    assert 'name="reason"' not in html  # an officer does not explain


def test_officer_b_gets_404_for_a_finding_of_county_a(world: World) -> None:
    assert (
        as_(world.p.officer_b).get(f"/compliance/findings/{world.short_a.pk}/").status_code == 404
    )


def test_the_head_explains_from_the_page(world: World) -> None:
    client = as_(world.p.head_a)
    url = f"/compliance/findings/{world.short_a.pk}/"
    assert 'name="reason"' in client.get(url).content.decode()
    response = client.post(url, {"reason": "证件年审期间"}, follow=True)
    assert response.status_code == 200 and "证件年审期间" in response.content.decode()
    assert Explanation.objects.get().by == world.p.head_a


def test_an_empty_reason_is_422_and_nothing_written(world: World) -> None:
    response = as_(world.p.head_a).post(f"/compliance/findings/{world.short_a.pk}/", {"reason": ""})
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    assert Explanation.objects.count() == 0


def test_an_officer_posting_an_explanation_gets_403_and_nothing_written(world: World) -> None:
    response = as_(world.p.officer_a).post(
        f"/compliance/findings/{world.short_a.pk}/", {"reason": "没问题"}
    )
    assert response.status_code == 403 and Explanation.objects.count() == 0


def test_charts_escape_their_labels() -> None:
    svg = charts.bar_chart("<b>", ['<script>alert("x")</script>', "第十条"], [3, 1])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "第十条" in svg
    grouped = charts.grouped_bars("t", ["A&B"], [charts.Series("<i>", [2])])
    assert "A&amp;B" in grouped and "<i>" not in grouped
    line = charts.line_chart("t", ["2026-01", "2026-02"], [charts.Series('"q"', [0, 5])])
    assert "&quot;q&quot;" in line and "<polyline" in line
