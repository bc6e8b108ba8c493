"""我的工作: what is due for me, my matters by stage, and what waits for me."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from lawtrail.compliance.engine import evaluate
from lawtrail.compliance.models import Finding
from lawtrail.compliance.queries import Deadline
from lawtrail.matters import actions
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.tests.factories import expire
from lawtrail.testing import Province
from lawtrail.web.views import home


def test_officer_sees_the_matters_they_handle(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    body = login("officer_a").get("/").content.decode()
    assert matter_a.number in body
    assert "程序启动" in body


def test_officer_of_another_county_sees_none_of_them(
    login: Callable[[str], Client], matter_a: Matter
) -> None:
    body = login("officer_b").get("/").content.decode()
    assert matter_a.number not in body


def test_head_sees_approvals_to_decide(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    actions.request_approval(province.officer_a.user, matter_a, "decision", "请审批")
    body = login("head_a").get("/").content.decode()
    assert "等待我决定的审批" in body
    assert matter_a.number in body
    body = login("officer_a").get("/").content.decode()
    assert "等待负责人决定的申请" in body


def test_a_login_without_officer_profile_sees_a_notice(client: Client, db: None) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("nobody", password="x-long-password-1")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "没有执法人员档案" in response.content.decode()


# ---------------------------------------------------------------- what is due (第二十四条)


def open_staffing_finding(province: Province, matter: Matter) -> Finding:
    """第十条: a matter under investigation needs two certified handlers; officer_a2's
    certificate lapses, so officer_a's matter has an open (overdue) finding."""
    actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    for certificate in province.officer_a2.certificates.all():
        expire(certificate)
    evaluate(rules=["staffing.two_certified"])
    return Finding.objects.get(rule_id="staffing.two_certified", state=Finding.State.OPEN)


def due_section(body: str) -> str:
    start = body.index('id="due"')
    return body[start : body.index("</section>", start)]


def test_officer_sees_what_is_due_overdue_first(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    finding = open_staffing_finding(province, matter_a)
    response = login("officer_a").get("/")
    due = response.context["due"]
    assert due and due[0].finding_id == finding.pk and due[0].overdue
    overdue = [d.overdue for d in due]
    assert overdue == sorted(overdue, reverse=True)
    part = due_section(response.content.decode())
    assert f'data-finding="{finding.pk}"' in part
    assert matter_a.number in part
    assert "第十条" in part
    assert f'href="{reverse("compliance:deadlines")}"' in part


def test_the_home_page_shows_at_most_ten_deadlines(
    login: Callable[[str], Client],
    matter_a: Matter,
    province: Province,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    finding = open_staffing_finding(province, matter_a)
    many = [
        Deadline(
            kind="duty",
            rule_id="x",
            article="第十八条",
            title="t",
            severity="minor",
            due=None,
            overdue=False,
            subject=f"s{i}",
        )
        for i in range(12)
    ]
    real = home.my_deadlines

    def more(user: object) -> list[Deadline]:
        return real(user) + many

    monkeypatch.setattr(home, "my_deadlines", more)
    response = login("officer_a").get("/")
    assert len(response.context["due"]) == home.DUE_SHOWN == 10
    assert response.context["due_count"] == 13
    assert response.context["due"][0].finding_id == finding.pk
    assert due_section(response.content.decode()).count("<li ") == 10


def test_another_county_does_not_see_my_deadlines(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    finding = open_staffing_finding(province, matter_a)
    response = login("officer_b").get("/")
    assert all(d.finding_id != finding.pk for d in response.context["due"])
    assert f'data-finding="{finding.pk}"' not in response.content.decode()


def test_pending_approvals_stay_beside_what_is_due(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    open_staffing_finding(province, matter_a)
    actions.request_approval(province.officer_a.user, matter_a, "decision", "请审批")
    response = login("head_a").get("/")
    assert len(response.context["to_decide"]) == 1
    assert 'id="due"' in response.content.decode()
