"""第十一条: the internal audit draws N matters of a unit at random, reproducibly, and records
the checklist answered for each (append-only, the latest counts)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lawtrail.agencies.models import Role
from lawtrail.compliance.audit import (
    checklist,
    draw,
    draw_sample,
    latest_result,
    population,
    record_result,
    sample_summary,
)
from lawtrail.compliance.models import AuditItem, AuditResult, AuditSample
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records.tests.helpers import open_matter
from lawtrail.testing import Province, make_person


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def five(province: Province) -> list[Matter]:
    return [open_matter(province) for _ in range(5)]


def all_yes(answer: str = "yes") -> dict[str, str]:
    return {item["id"]: answer for item in checklist()}


def counts() -> tuple[int, int, int, int]:
    return (
        AuditSample.objects.count(),
        AuditItem.objects.count(),
        AuditResult.objects.count(),
        Event.objects.count(),
    )


def test_article_11_sample_is_drawn_reproducibly_from_the_seed(
    province: Province, five: list[Matter]
) -> None:
    p = province
    sample = draw_sample(p.head_a.user, p.county_a, 3, today(), today(), seed="2026-第十一条")
    drawn = list(sample.items.order_by("position").values_list("matter_id", flat=True))
    assert len(drawn) == 3 and set(drawn) <= {m.pk for m in five}
    assert drawn == draw(sorted(m.pk for m in five), 3, "2026-第十一条")
    again = draw_sample(p.supervisor.user, p.county_a, 3, today(), today(), seed="2026-第十一条")
    assert list(again.items.order_by("position").values_list("matter_id", flat=True)) == drawn
    assert (sample.population, sample.size, sample.seed) == (5, 3, "2026-第十一条")
    event = Event.objects.get(action="compliance.audit.drawn", object_id=str(sample.pk))
    assert b"2026-" in bytes(event.body)


def test_a_seed_is_made_and_recorded_when_none_is_given(
    province: Province, five: list[Matter]
) -> None:
    p = province
    sample = draw_sample(p.head_a.user, p.county_a, 10, today(), today())
    assert len(sample.seed) == 32
    assert sample.size == 5  # the whole population when it is smaller
    assert [i["id"] for i in sample.checklist] == [i["id"] for i in checklist()]


def test_matters_outside_the_period_or_unit_are_not_drawn(
    province: Province, five: list[Matter]
) -> None:
    p = province
    yesterday = today() - datetime.timedelta(days=1)
    assert population(p.county_a, yesterday, yesterday) == []
    assert population(p.county_b, today(), today()) == []
    with pytest.raises(Invalid) as refused:
        draw_sample(p.head_a.user, p.county_a, 2, yesterday, yesterday)
    assert "period_from" in refused.value.fields


def test_results_are_validated_and_the_latest_counts(
    province: Province, five: list[Matter]
) -> None:
    p = province
    sample = draw_sample(p.head_a.user, p.county_a, 2, today(), today(), seed="s")
    item = sample.items.order_by("position").first()
    assert item is not None
    first = record_result(p.head_a.user, item, all_yes(), "齐全")
    answers = {**all_yes(), "upload_48h": "no", "av_recording": "n/a"}
    second = record_result(p.supervisor.user, item, answers, "一段视频迟传")
    assert latest_result(item) == second and first.pk != second.pk
    summary = sample_summary(sample)
    assert summary["checked"] == 1 and summary["answered_no"] == 1
    assert Event.objects.filter(action="compliance.audit.checked").count() == 2


@pytest.mark.parametrize(
    "answers",
    [
        {"two_certified": "yes"},
        {**{i["id"]: "yes" for i in checklist()}, "extra": "yes"},
        {**{i["id"]: "yes" for i in checklist()}, "signatures": "maybe"},
        ["yes"],
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    province: Province, five: list[Matter], answers: object
) -> None:
    p = province
    sample = draw_sample(p.head_a.user, p.county_a, 1, today(), today(), seed="s")
    item = sample.items.get()
    before = counts()
    with pytest.raises(Invalid):
        record_result(p.head_a.user, item, answers, "")
    assert counts() == before


@pytest.mark.parametrize(
    ("size", "start", "end"),
    [
        (0, "2026-01-01", "2026-12-31"),
        ("3", "2026-01-01", "2026-12-31"),
        (3, "2026-13-01", "2026-12-31"),
        (3, "2026-12-31", "2026-01-01"),
        (501, "2026-01-01", "2026-12-31"),
    ],
)
def test_bad_draws_are_refused_and_nothing_is_written(
    province: Province, five: list[Matter], size: object, start: str, end: str
) -> None:
    before = counts()
    with pytest.raises(Invalid):
        draw_sample(province.head_a.user, province.county_a, size, start, end)
    assert counts() == before


def test_who_may_audit_a_unit(province: Province, five: list[Matter]) -> None:
    p = province
    custodian_a = make_person("custodian_a", "档案员", p.county_a, [Role.CUSTODIAN])
    custodian_b = make_person("custodian_b", "档案员乙", p.county_b, [Role.CUSTODIAN])
    assert draw_sample(custodian_a.user, p.county_a, 1, today(), today())
    assert draw_sample(p.head_city.user, p.county_a, 1, today(), today())
    before = counts()
    for outsider in (p.officer_a, p.officer_b, p.admin, custodian_b, p.reviewer_a):
        with pytest.raises(Forbidden):
            draw_sample(outsider.user, p.county_a, 1, today(), today())
    sample = AuditSample.objects.first()
    assert sample is not None
    with pytest.raises(Forbidden):
        record_result(p.officer_b.user, sample.items.get(), all_yes(), "")
    assert counts() == before


def test_api_draws_shows_and_records_results(province: Province, five: list[Matter]) -> None:
    from lawtrail.matters.tests.factories import api_client

    p = province
    head = api_client(p.head_a)
    body = {
        "agency": "610102",
        "size": 2,
        "period_from": str(today()),
        "period_to": str(today()),
        "seed": "api",
    }
    drawn = head.post("/api/v1/assessment/audits", body, content_type="application/json")
    assert drawn.status_code == 201, drawn.content
    sample = drawn.json()
    assert sample["seed"] == "api" and len(sample["items"]) == 2
    url = f"/api/v1/assessment/audits/{sample['id']}"
    assert head.get(url).json()["items"] == sample["items"]
    item = sample["items"][0]["id"]
    before = counts()
    bad = head.post(
        f"{url}/items/{item}/results",
        {"answers": {"two_certified": "yes"}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "answers" in bad.json()["fields"]
    assert "archived_30_days" in bad.json()["detail"]  # it names what is missing
    assert counts() == before
    good = head.post(
        f"{url}/items/{item}/results",
        {"answers": all_yes(), "note": "好"},
        content_type="application/json",
    )
    assert good.status_code == 201, good.content
    assert head.get(url).json()["checked"] == 1
    for outsider in (p.officer_b, p.admin, p.officer_a):
        client = api_client(outsider)
        assert client.get(url).status_code in (403, 404)
        assert (
            client.post(
                "/api/v1/assessment/audits", body, content_type="application/json"
            ).status_code
            == 403
        )
        assert client.post(
            f"{url}/items/{item}/results", {"answers": all_yes()}, content_type="application/json"
        ).status_code in (403, 404)
    head_b = make_person("head_b", "碑林局长", p.county_b, [Role.HEAD])
    assert (
        api_client(head_b)
        .post("/api/v1/assessment/audits", body, content_type="application/json")
        .status_code
        == 403
    )
    assert (
        api_client(p.supervisor)
        .post(
            "/api/v1/assessment/audits",
            {**body, "agency": "000000"},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    assert counts()[0] == 1


def test_the_audit_pages_draw_and_record(province: Province, five: list[Matter]) -> None:
    from django.test import Client

    p = province
    head = Client()
    head.force_login(p.head_a.user)
    assert head.get("/compliance/audits/").status_code == 200
    form = {
        "agency": "610102",
        "size": "2",
        "period_from": str(today()),
        "period_to": str(today()),
        "seed": "页面",
    }
    bad = head.post("/compliance/audits/", {**form, "size": "zero"})
    assert bad.status_code == 422 and AuditSample.objects.count() == 0
    drawn = head.post("/compliance/audits/", form)
    assert drawn.status_code == 302
    sample = AuditSample.objects.get()
    page = head.get(f"/compliance/audits/{sample.pk}/")
    assert page.status_code == 200 and "页面" in page.content.decode()
    item = sample.items.order_by("position").first()
    assert item is not None
    answers = {f"answer-{c['id']}": "yes" for c in checklist()}
    missing = head.post(f"/compliance/audits/{sample.pk}/", {"item": item.pk, "note": ""})
    assert missing.status_code == 422 and AuditResult.objects.count() == 0
    done = head.post(f"/compliance/audits/{sample.pk}/", {"item": item.pk, **answers, "note": "好"})
    assert done.status_code == 302 and AuditResult.objects.get().answers == all_yes()
    assert "selected>" in head.get(f"/compliance/audits/{sample.pk}/").content.decode()
    outsider = Client()
    outsider.force_login(p.officer_b.user)
    assert outsider.get("/compliance/audits/").status_code == 403
    assert outsider.get(f"/compliance/audits/{sample.pk}/").status_code == 404
    head_b = make_person("head_b", "碑林局长", p.county_b, [Role.HEAD])
    other = Client()
    other.force_login(head_b.user)
    assert other.post("/compliance/audits/", form).status_code == 404
    assert AuditSample.objects.count() == 1
