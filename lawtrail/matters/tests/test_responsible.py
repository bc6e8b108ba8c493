"""第十条: assistants (协助人员) and uncertified officers never act as the responsible officer.

Only established officers with an enforcement certificate valid today are the recording
subjects; other staff "may help record". So an assistant who handles a matter may add what was
found on site, but neither opens a matter, moves or returns its stage, asks for an approval,
sets the review requirements nor adds to the team. Each refusal is a 403 that changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lawtrail.agencies.models import Certificate, Officer
from lawtrail.errors import Forbidden
from lawtrail.matters import actions
from lawtrail.matters.models import Approval, Matter, Stage
from lawtrail.matters.tests.factories import (
    advance_to,
    api_client,
    expire,
    open_matter,
    open_penalty,
    snapshot,
)
from lawtrail.testing import Province

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("matters_rules_only")]

JSON = "application/json"


def with_assistant(p: Province, stage: str = Stage.INITIATION) -> Matter:
    """A penalty matter of county A handled by officer_a (lead), officer_a2 and assistant_a."""
    matter = open_penalty(p, handlers=[p.officer_a.pk, p.officer_a2.pk, p.assistant_a.pk])
    return advance_to(p, matter, stage)


def set_certificate(officer: Officer, status: str) -> None:
    """A test arrangement: the officer's certificate lapses, is suspended or revoked."""
    certificate = officer.certificates.get()
    if status == "expired":
        expire(certificate)
    else:
        Certificate.objects.filter(pk=certificate.pk).update(status=status)


# Each responsible step, done by ``user`` on a matter in the stage where it would otherwise work.
STEPS: dict[str, tuple[str, Callable[[Any, Matter, Province], object]]] = {
    "advance_stage": (
        Stage.INVESTIGATION,
        lambda user, m, p: actions.advance_stage(user, m, Stage.REVIEW, "调查终结"),
    ),
    "return_for_investigation": (
        Stage.REVIEW,
        lambda user, m, p: actions.return_for_investigation(user, m, "证据不足"),
    ),
    "request_approval": (
        Stage.INVESTIGATION,
        lambda user, m, p: actions.request_approval(user, m, Approval.Subject.DECISION, "请批准"),
    ),
    "set_review_requirements": (
        Stage.REVIEW,
        lambda user, m, p: actions.set_review_requirements(user, m, legal_review=True),
    ),
    "add_handler": (
        Stage.INVESTIGATION,
        lambda user, m, p: actions.add_handler(user, m, p.head_a.pk),
    ),
}


def refused(call: Callable[[], object]) -> Forbidden:
    before = snapshot()
    with pytest.raises(Forbidden) as caught:
        call()
    assert snapshot() == before
    return caught.value


@pytest.mark.parametrize("step", list(STEPS))
def test_an_assistant_who_handles_the_matter_may_not_take_a_responsible_step(
    province: Province, step: str
) -> None:
    stage, do = STEPS[step]
    matter = with_assistant(province, stage)
    error = refused(lambda: do(province.assistant_a.user, matter, province))
    assert "第十条" in error.message
    matter.refresh_from_db()
    assert matter.stage == stage


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("status", ["expired", Certificate.Status.SUSPENDED])
def test_a_handler_without_a_valid_certificate_may_not_take_a_responsible_step(
    province: Province, step: str, status: str
) -> None:
    stage, do = STEPS[step]
    matter = with_assistant(province, stage)
    set_certificate(province.officer_a2, status)
    refused(lambda: do(province.officer_a2.user, matter, province))


@pytest.mark.parametrize("step", list(STEPS))
def test_a_certified_handler_and_the_head_still_take_them(province: Province, step: str) -> None:
    stage, do = STEPS[step]
    do(province.officer_a2.user, with_assistant(province, stage), province)
    if step != "add_handler":  # head_a is the officer added
        do(province.head_a.user, with_assistant(province, stage), province)


def test_an_assistant_still_helps_record_parties_and_places(province: Province) -> None:
    """第十条: 其他工作人员可以协助行政执法人员进行执法记录."""
    matter = with_assistant(province, Stage.INVESTIGATION)
    party = actions.add_party(
        province.assistant_a.user,
        matter,
        actions.PartyInput("person", "张三", "11010519491231002X"),
    )
    point = actions.add_gis_point(
        province.assistant_a.user, matter, actions.GisInput("34.27", "108.95", label="后门")
    )
    assert party in matter.parties.all() and point.matter == matter


@pytest.mark.parametrize("who", ["assistant", "expired", Certificate.Status.REVOKED])
def test_only_an_officer_who_may_enforce_opens_a_matter(province: Province, who: str) -> None:
    if who == "assistant":
        opener = province.assistant_a
    else:
        opener = province.officer_a2
        set_certificate(opener, who)
    error = refused(lambda: open_matter(province, by=opener))
    assert "第十条" in error.message
    assert not actions.may_open_matters(opener)


def test_the_head_and_a_certified_officer_open_matters(province: Province) -> None:
    assert open_matter(province, by=province.officer_a2).opened_by == province.officer_a2
    assert open_matter(province, by=province.head_a).opened_by == province.head_a


# -- through the API ---------------------------------------------------------------------------


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{path}", json.dumps(body), content_type=JSON)


@pytest.mark.parametrize(
    "stage,path,body",
    [
        (Stage.INVESTIGATION, "stage", {"stage": "review"}),
        (Stage.REVIEW, "return", {"reason": "证据不足"}),
        (Stage.INVESTIGATION, "approvals", {"subject": "decision"}),
        (Stage.INVESTIGATION, "handlers", {"officer_id": "head_a"}),
    ],
)
def test_the_api_refuses_the_assistant_with_403_and_changes_nothing(
    province: Province, stage: str, path: str, body: dict[str, Any]
) -> None:
    matter = with_assistant(province, stage)
    if "officer_id" in body:
        body = {"officer_id": getattr(province, body["officer_id"]).pk}
    client = api_client(province.assistant_a)
    before = snapshot()
    response = post(client, f"/matters/{matter.pk}/{path}", body)
    assert response.status_code == 403, response.content
    assert snapshot() == before


def test_the_api_refuses_an_assistant_opening_a_matter(province: Province) -> None:
    body = {
        "kind": "inspection",
        "title": "餐饮单位日常监督检查",
        "place": "西安市新城区解放路1号",
        "parties": [{"type": "person", "name": "张三", "id_number": "11010519491231002X"}],
        "handlers": [province.officer_a.pk],
    }
    client = api_client(province.assistant_a)
    before = snapshot()
    response = post(client, "/matters", body)
    assert response.status_code == 403, response.content
    assert snapshot() == before


# -- on the pages ------------------------------------------------------------------------------


def page_as(officer: Officer, path: str) -> str:
    client = Client()
    client.force_login(officer.user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_matter_page_offers_the_assistant_only_the_recording_forms(
    province: Province,
) -> None:
    matter = with_assistant(province, Stage.REVIEW)
    page = page_as(province.assistant_a, f"/matters/{matter.pk}/")
    for hidden in ("stage/", "stage/return/", "approvals/", "review-requirements/", "handlers/"):
        assert f'/matters/{matter.pk}/{hidden}"' not in page, hidden
    for offered in ("parties/", "gis/"):
        assert f'/matters/{matter.pk}/{offered}"' in page, offered
    page = page_as(province.officer_a2, f"/matters/{matter.pk}/")
    for shown in ("stage/", "stage/return/", "approvals/", "review-requirements/", "handlers/"):
        assert f'/matters/{matter.pk}/{shown}"' in page, shown


def test_a_posted_stage_change_by_the_assistant_is_403(province: Province) -> None:
    matter = with_assistant(province, Stage.INVESTIGATION)
    client = Client()
    client.force_login(province.assistant_a.user)
    before = snapshot()
    response = client.post(f"/matters/{matter.pk}/stage/", {"target": "review", "reason": "x"})
    assert response.status_code == 403
    assert snapshot() == before


def test_opening_is_neither_offered_nor_allowed_to_the_assistant(province: Province) -> None:
    button = 'class="button primary" href="/matters/new/"'
    assert button not in page_as(province.assistant_a, "/matters/")
    assert button in page_as(province.officer_a, "/matters/")
    client = Client()
    client.force_login(province.assistant_a.user)
    assert client.get("/matters/new/").status_code == 403


def test_no_page_links_the_assistant_to_opening_a_matter(province: Province) -> None:
    """The nav and "my work" offer opening by the same rule as the matter list (第十条)."""
    for path in ("/", "/matters/", "/evidence/"):
        assert 'href="/matters/new/"' not in page_as(province.assistant_a, path), path
        assert 'href="/matters/new/"' in page_as(province.officer_a, path), path
