"""Moving a matter through the five stages of 第三条, and every unmet condition when refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from lawtrail.matters.models import Matter
from lawtrail.testing import Province
from lawtrail.web.tests.conftest import open_matter, tiny_png


def test_handlers_advance_the_stage(login: Callable[[str], Client], matter_a: Matter) -> None:
    response = login("officer_a").post(
        f"/matters/{matter_a.pk}/stage/", {"target": "investigation", "reason": "开始调查"}
    )
    assert response.status_code == 302
    matter_a.refresh_from_db()
    assert matter_a.stage == "investigation"


def test_a_refusal_lists_every_unmet_condition_with_its_article(
    login: Callable[[str], Client], province: Province, event_count: Callable[[], int]
) -> None:
    penalty = open_matter(province, kind="penalty")
    before = event_count()
    response = login("officer_a").post(f"/matters/{penalty.pk}/stage/", {"target": "investigation"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "第十六条" in body
    assert "负责人尚未批准立案" in body
    assert "没有任何更改" in body
    assert event_count() == before
    penalty.refresh_from_db()
    assert penalty.stage == "initiation"


def test_skipping_a_stage_is_refused(
    login: Callable[[str], Client], matter_a: Matter, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_a").post(f"/matters/{matter_a.pk}/stage/", {"target": "review"})
    assert response.status_code == 409
    assert "第三条" in response.content.decode()
    assert event_count() == before


def test_a_county_b_officer_gets_404_and_changes_nothing(
    login: Callable[[str], Client], matter_a: Matter, event_count: Callable[[], int]
) -> None:
    before = event_count()
    response = login("officer_b").post(
        f"/matters/{matter_a.pk}/stage/", {"target": "investigation"}
    )
    assert response.status_code == 404
    assert event_count() == before


def test_an_officer_who_is_not_a_handler_gets_403(
    login: Callable[[str], Client],
    matter_a: Matter,
    province: Province,
    event_count: Callable[[], int],
) -> None:
    before = event_count()
    response = login("assistant_a").post(
        f"/matters/{matter_a.pk}/stage/", {"target": "investigation"}
    )
    assert response.status_code == 403
    assert event_count() == before


def test_return_for_investigation_needs_a_reason(
    login: Callable[[str], Client],
    matter_a: Matter,
    province: Province,
    inspection_record: Any,
    event_count: Callable[[], int],
) -> None:
    from lawtrail.matters import actions
    from lawtrail.records import actions as records

    actions.advance_stage(province.officer_a.user, matter_a, "investigation")
    records.sign_record(
        province.officer_a.user,
        inspection_record,
        records.SignatureInput(
            signer_role="party", signer_name="王某", status="signed", image_png=tiny_png()
        ),
    )
    actions.advance_stage(province.officer_a.user, matter_a, "review")
    client = login("officer_a")
    before = event_count()
    response = client.post(f"/matters/{matter_a.pk}/stage/return/", {"reason": ""})
    assert response.status_code == 422
    assert event_count() == before
    response = client.post(f"/matters/{matter_a.pk}/stage/return/", {"reason": "证据不足"})
    assert response.status_code == 302
    matter_a.refresh_from_db()
    assert matter_a.stage == "investigation"
