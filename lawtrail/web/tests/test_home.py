"""我的工作: my matters by stage, and what waits for me."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from lawtrail.matters import actions
from lawtrail.matters.models import Matter
from lawtrail.testing import Province


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
