"""Approvals on the matter page (第十六条): a handler asks, the head decides with an opinion."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Matter
from lawtrail.testing import Province


def test_a_handler_requests_an_approval(login: Callable[[str], Client], matter_a: Matter) -> None:
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/approvals/", {"subject": "decision", "note": "拟作出决定"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#approvals")
    assert matter_a.approvals.get().outcome == "pending"


def test_the_head_decides_with_an_opinion(
    login: Callable[[str], Client], matter_a: Matter, province: Province
) -> None:
    approval = actions.request_approval(province.officer_a.user, matter_a, "decision")
    client = login("head_a")
    body = client.get(f"/matters/{matter_a.pk}/").content.decode()
    assert f"/approvals/{approval.pk}/decide/" in body
    response = client.post(
        f"/matters/{matter_a.pk}/approvals/{approval.pk}/decide/",
        {"opinion": "同意", "outcome": "approve"},
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.outcome == Approval.Outcome.APPROVED
    assert approval.opinion == "同意"


def test_without_an_opinion_nothing_is_decided(
    login: Callable[[str], Client],
    matter_a: Matter,
    province: Province,
    event_count: Callable[[], int],
) -> None:
    approval = actions.request_approval(province.officer_a.user, matter_a, "decision")
    before = event_count()
    response = login("head_a").post(
        f"/matters/{matter_a.pk}/approvals/{approval.pk}/decide/",
        {"opinion": "", "outcome": "approve"},
    )
    assert response.status_code == 422
    assert event_count() == before
    approval.refresh_from_db()
    assert approval.outcome == Approval.Outcome.PENDING


def test_an_officer_cannot_decide(
    login: Callable[[str], Client],
    matter_a: Matter,
    province: Province,
    event_count: Callable[[], int],
) -> None:
    approval = actions.request_approval(province.officer_a.user, matter_a, "decision")
    client = login("officer_a2")
    assert "/decide/" not in client.get(f"/matters/{matter_a.pk}/").content.decode()
    before = event_count()  # after the read, which is itself an event (第二十条)
    response = client.post(
        f"/matters/{matter_a.pk}/approvals/{approval.pk}/decide/",
        {"opinion": "同意", "outcome": "approve"},
    )
    assert response.status_code == 403
    assert "只有事项所属机构的负责人" in response.content.decode()
    assert event_count() == before


def test_another_county_cannot_even_find_it(
    login: Callable[[str], Client],
    matter_a: Matter,
    province: Province,
    event_count: Callable[[], int],
) -> None:
    approval = actions.request_approval(province.officer_a.user, matter_a, "decision")
    before = event_count()
    response = login("officer_b").post(
        f"/matters/{matter_a.pk}/approvals/{approval.pk}/decide/",
        {"opinion": "同意", "outcome": "approve"},
    )
    assert response.status_code == 404
    assert event_count() == before


def test_a_second_pending_request_is_refused_on_the_page(
    login: Callable[[str], Client],
    matter_a: Matter,
    province: Province,
    event_count: Callable[[], int],
) -> None:
    actions.request_approval(province.officer_a.user, matter_a, "decision")
    before = event_count()
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/approvals/", {"subject": "decision"}
    )
    assert response.status_code == 422
    assert "已有一个同一事项的审批在等待" in response.content.decode()
    assert event_count() == before
