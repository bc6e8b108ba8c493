"""程序启动 (第三条): opening a matter validates everything before it writes anything."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from lawtrail.errors import Forbidden, Invalid, NotFound
from lawtrail.ledger.events import for_context
from lawtrail.matters import actions
from lawtrail.matters.models import Handler, Kind, Matter, Stage
from lawtrail.matters.tests.factories import (
    matter_input,
    open_matter,
    organisation_party,
    person_party,
    snapshot,
)
from lawtrail.testing import Province


def test_it_opens_a_matter_in_the_first_stage_with_a_document_number(province: Province) -> None:
    matter = open_matter(province)
    assert matter.stage == Stage.INITIATION
    assert matter.agency == province.county_a
    assert matter.opened_by == province.officer_a
    assert matter.number.startswith("新卫检〔")
    assert matter.number.endswith("〕1号")
    assert [p.name for p in matter.parties.all()] == ["西安某某餐饮有限公司"]
    lead = Handler.objects.get(matter=matter, is_lead=True)
    assert lead.officer == province.officer_a
    assert matter.handlers.count() == 2


def test_it_numbers_matters_one_after_another(province: Province) -> None:
    first = open_matter(province)
    second = open_matter(province)
    assert first.number.endswith("〕1号")
    assert second.number.endswith("〕2号")


def test_it_records_the_opening_in_the_ledger(province: Province) -> None:
    matter = open_matter(province, parties=[person_party()])
    [event] = for_context(matter.context)
    assert event.action == "matter.opened"
    assert event.actor == "officer_a"
    assert event.object_id == str(matter.pk)


def test_the_lead_defaults_to_the_first_handler(province: Province) -> None:
    matter = open_matter(
        province, handlers=[province.officer_a2.pk, province.officer_a.pk], lead=None
    )
    assert matter.handlers.get(is_lead=True).officer == province.officer_a2


def test_the_flags_of_article_14_make_av_recording_mandatory(province: Province) -> None:
    """第十四条: contentious on-site action, complaints and so on require audio/video."""
    plain = open_matter(province)
    flagged = open_matter(province, flags={"av_complaint": True})
    assert not plain.av_mandatory
    assert flagged.av_mandatory
    assert flagged.av_complaint


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "coercion"}, "kind"),
        ({"procedure": "fast"}, "procedure"),
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"place": ""}, "place"),
        ({"parties": []}, "parties"),
        ({"handlers": [], "lead": None}, "handlers"),
        ({"flags": {"av_everything": True}}, "flags"),
        ({"parties": [person_party(id_number="")]}, "parties[0].id_number"),
        ({"parties": [person_party(id_number="110105194912310021")]}, "parties[0].id_number"),
        ({"parties": [organisation_party(credit_code="")]}, "parties[0].credit_code"),
        (
            {
                "parties": [
                    organisation_party(),
                    organisation_party(credit_code="91350100M000100Y44"),
                ]
            },
            "parties[1].credit_code",
        ),
        ({"parties": [actions.PartyInput(type="robot", name="R2")]}, "parties[0].type"),
    ],
)
def test_it_refuses_bad_input_and_names_the_field(
    province: Province, overrides: dict[str, object], field: str
) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        open_matter(province, **overrides)
    assert field in refused.value.fields
    assert snapshot() == before


def test_handlers_must_be_officers_of_the_agency(province: Province) -> None:
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        open_matter(province, handlers=[province.officer_a.pk, province.officer_b.pk])
    assert "handlers" in refused.value.fields
    assert str(province.officer_b.pk) in refused.value.message
    assert snapshot() == before


def test_a_legal_reviewer_without_the_officer_role_cannot_handle(province: Province) -> None:
    with pytest.raises(Invalid) as refused:
        open_matter(province, handlers=[province.officer_a.pk, province.reviewer_a.pk])
    assert "handlers" in refused.value.fields


def test_an_assistant_may_help_but_never_lead(province: Province) -> None:
    """第十条: 其他工作人员可以协助行政执法人员进行执法记录 — but is not the recording subject."""
    helped = open_matter(province, handlers=[province.officer_a.pk, province.assistant_a.pk])
    assert helped.handlers.get(officer=province.assistant_a).is_lead is False
    before = snapshot()
    with pytest.raises(Invalid) as refused:
        open_matter(
            province,
            handlers=[province.officer_a.pk, province.assistant_a.pk],
            lead=province.assistant_a.pk,
        )
    assert "lead" in refused.value.fields
    assert "第十条" in refused.value.message
    assert snapshot() == before


def test_the_lead_must_be_one_of_the_handlers(province: Province) -> None:
    with pytest.raises(Invalid) as refused:
        open_matter(province, handlers=[province.officer_a.pk], lead=province.officer_a2.pk)
    assert "lead" in refused.value.fields


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("reviewer_a", Forbidden),  # sees the agency's matters, does not open them
        ("supervisor", Forbidden),  # sees every matter, opens none below the province
        ("admin", NotFound),  # no enforcement role: the agency's matters are out of sight
        ("officer_b", NotFound),  # another county
    ],
)
def test_only_officers_and_the_head_of_the_agency_open_its_matters(
    province: Province, persona: str, error: type[Exception]
) -> None:
    user = getattr(province, persona).user
    before = snapshot()
    with pytest.raises(error):
        actions.open_matter(user, province.county_a, matter_input(province))
    assert snapshot() == before


def test_the_head_may_open_a_matter(province: Province) -> None:
    matter = open_matter(province, by=province.head_a)
    assert matter.opened_by == province.head_a


def test_a_login_without_an_officer_profile_opens_nothing(province: Province) -> None:
    stranger = get_user_model().objects.create_user("stranger", password="x" * 12)
    with pytest.raises(Forbidden):
        actions.open_matter(stranger, province.county_a, matter_input(province))
    assert Matter.objects.count() == 0


def test_every_kind_of_article_2_can_be_opened(province: Province) -> None:
    """第二条: 行政许可, 行政检查, 行政抽检, 行政处罚."""
    natures = {open_matter(province, kind=kind).number[2] for kind in Kind.values}
    assert natures == {"许", "检", "抽", "立"}
