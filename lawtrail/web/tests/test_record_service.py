"""Recording service (送达) with the proof each method needs (第十三条(五))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.models import Service
from lawtrail.testing import Province

SHA = "ab" * 32


@pytest.fixture
def notice(matter_a: Matter, province: Province) -> Any:
    """A 陈述申辩告知书: a document that is served."""
    return actions.create_record(
        province.head_a.user,
        matter_a,
        "statement_notice",
        {
            "party": "西安某餐饮有限公司",
            "facts": "无证经营",
            "evidence": "现场笔录",
            "legal_basis": "《食品安全法》",
            "proposed_penalty": "警告",
            "rights": "三日内陈述申辩",
        },
    )


def url(matter: Matter, record: Any) -> str:
    return f"/matters/{matter.pk}/records/{record.pk}/serve/"


def test_the_form_offers_every_method(
    login: Callable[[str], Client], matter_a: Matter, notice: Any
) -> None:
    body = login("officer_a").get(url(matter_a, notice)).content.decode()
    for method in ("direct", "lodged", "mail", "electronic", "entrusted", "public_notice"):
        assert f'value="{method}"' in body
    assert 'data-when-method="mail"' in body


def test_service_by_mail_keeps_voucher_and_receipt(
    login: Callable[[str], Client], matter_a: Matter, notice: Any
) -> None:
    response = login("officer_a").post(
        url(matter_a, notice),
        {
            "method": "mail",
            "served_at": "2025-03-02T10:00",
            "recipient": "西安某餐饮有限公司",
            "voucher_kind": "scan",
            "voucher_sha256": SHA,
            "voucher_description": "付邮凭证",
            "receipt_kind": "scan",
            "receipt_sha256": "cd" * 32,
            "receipt_description": "回执",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get()
    assert service.proof["postage_voucher"]["sha256"] == SHA
    assert service.proof["return_receipt"]["sha256"] == "cd" * 32


def test_a_returned_letter_needs_its_circumstances(
    login: Callable[[str], Client], matter_a: Matter, notice: Any, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(
        url(matter_a, notice),
        {
            "method": "mail",
            "served_at": "2025-03-02T10:00",
            "recipient": "某公司",
            "voucher_kind": "scan",
            "voucher_sha256": SHA,
            "returned": "on",
        },
    )
    assert response.status_code == 422
    assert event_count() == before
    assert not Service.objects.exists()


def test_lodged_service_needs_evidence(
    login: Callable[[str], Client], matter_a: Matter, notice: Any, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(
        url(matter_a, notice),
        {
            "method": "lodged",
            "served_at": "2025-03-02T10:00",
            "recipient": "某公司",
            "lodged_circumstances": "当事人拒收，留置于前台",
        },
    )
    assert response.status_code == 422
    assert event_count() == before
    response = login("officer_a").post(
        url(matter_a, notice),
        {
            "method": "lodged",
            "served_at": "2025-03-02T10:00",
            "recipient": "某公司",
            "lodged_circumstances": "当事人拒收，留置于前台",
            "ev0_kind": "video",
            "ev0_sha256": SHA,
            "ev0_description": "执法记录仪录像",
        },
    )
    assert response.status_code == 302


def test_electronic_service_without_consent_is_refused_with_the_reason(
    login: Callable[[str], Client], matter_a: Matter, notice: Any, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(
        url(matter_a, notice),
        {
            "method": "electronic",
            "channel": "email",
            "served_at": "2025-03-02T10:00",
            "recipient": "某公司",
            "electronic_address": "a@example.com",
            "ev0_kind": "screenshot",
            "ev0_sha256": SHA,
        },
    )
    assert response.status_code == 409
    assert "第六十一条" in response.content.decode()
    assert event_count() == before


def test_an_unserved_type_has_no_service_button(
    login: Callable[[str], Client], matter_a: Matter, inspection_record: Any
) -> None:
    body = (
        login("officer_a")
        .get(f"/matters/{matter_a.pk}/records/{inspection_record.pk}/")
        .content.decode()
    )
    assert "/serve/" not in body


def test_officer_b_gets_404_and_changes_nothing(
    login: Callable[[str], Client], matter_a: Matter, notice: Any, event_count: Callable[[], int]
) -> None:
    before = event_count()
    client = login("officer_b")
    assert client.get(url(matter_a, notice)).status_code == 404
    response = client.post(
        url(matter_a, notice),
        {
            "method": "mail",
            "served_at": "2025-03-02T10:00",
            "recipient": "某公司",
            "voucher_kind": "scan",
            "voucher_sha256": SHA,
            "returned": "on",
            "mail_return_circumstances": "查无此人",
        },
    )
    assert response.status_code == 404
    assert event_count() == before
