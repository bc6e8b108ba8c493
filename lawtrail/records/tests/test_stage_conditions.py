"""The stages of 第三条 need the written records of 第十三条; every missing one is named."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lawtrail.errors import Refused
from lawtrail.ledger.models import Event
from lawtrail.matters import actions as matter_actions
from lawtrail.matters.models import Approval, Matter, Stage
from lawtrail.records import actions
from lawtrail.records.tests.helpers import (
    advance,
    approve,
    fields,
    open_matter,
    png,
    serve_directly,
    sign,
    write,
)
from lawtrail.testing import Province


def unmet(p: Province, matter: Matter, stage: str) -> set[str]:
    """The codes of the unmet conditions when moving ``matter`` to ``stage``."""
    with pytest.raises(Refused) as error:
        matter_actions.advance_stage(p.officer_a.user, matter, stage)
    return {u.code for u in error.value.unmet}


def investigated(p: Province, matter: Matter) -> Matter:
    """第十三条(一)(三): 现场笔录 and 询问笔录, each signed by the party side."""
    sign(p, write(p, matter, "on_site_inspection"), "party")
    sign(p, write(p, matter, "inquiry"), "interviewee")
    return advance(p, matter, Stage.REVIEW)


@pytest.mark.django_db
def test_a_penalty_matter_goes_through_every_stage_to_archiving(
    province: Province, matter: Matter
) -> None:
    p = province
    matter = investigated(p, matter)
    matter_actions.set_review_requirements(
        p.officer_a.user, matter, legal_review=True, collective_discussion=True
    )
    notice = write(p, matter, "statement_notice")
    serve_directly(p, matter, notice)
    actions.create_record(
        p.reviewer_a.user, matter, "legal_review_opinion", fields("legal_review_opinion")
    )
    write(p, matter, "collective_discussion")
    decision = write(p, matter, "decision")
    actions.sign_record(
        p.head_a.user,
        decision,
        actions.SignatureInput(
            signer_role="head", signer_name="", status="signed", image_png=png()
        ),
    )
    matter = advance(p, matter, Stage.EXECUTION)
    serve_directly(p, matter, decision)
    matter = advance(p, matter, Stage.ARCHIVING)
    assert matter.stage == Stage.ARCHIVING
    actions_in_timeline = list(
        Event.objects.filter(context=matter.context).values_list("action", flat=True)
    )
    # two investigative records, notice, two receipts, review, discussion, decision
    assert actions_in_timeline.count("record.created") == 8
    assert actions_in_timeline.count("record.served") == 2
    # 第十八条: the case file is closed once archived.
    with pytest.raises(Refused) as error:
        write(p, matter, "inquiry")
    assert [u.code for u in error.value.unmet] == ["records.matter_archived"]
    with pytest.raises(Refused):
        actions.correct_record(p.officer_a.user, decision, fields("decision", amount=1), "改")


@pytest.mark.django_db
def test_review_needs_a_record_of_the_investigation(province: Province, matter: Matter) -> None:
    """行政处罚法 第五十五条 (P-04): questioning and inspection are written down."""
    assert unmet(province, matter, Stage.REVIEW) == {"records.investigation"}
    write(province, matter, "inquiry")
    assert unmet(province, matter, Stage.REVIEW) == {"records.party_signature"}


@pytest.mark.django_db
def test_a_sampling_matter_needs_its_sampling_list(province: Province) -> None:
    matter = advance(province, open_matter(province, kind="sampling"), Stage.INVESTIGATION)
    write(province, matter, "on_site_inspection")  # not what sampling needs
    assert "records.sampling_list" in unmet(province, matter, Stage.REVIEW)
    sign(province, write(province, matter, "sampling_list"), "party")
    sign(province, matter.records.get(record_type="on_site_inspection"), "party")
    assert advance(province, matter, Stage.REVIEW).stage == Stage.REVIEW


@pytest.mark.django_db
def test_records_touching_a_partys_rights_need_their_signature_or_refusal(
    province: Province, matter: Matter
) -> None:
    """第十三条(三)."""
    sign(province, write(province, matter, "on_site_inspection"), "party")
    inquiry = write(province, matter, "inquiry")
    sign(province, inquiry, "officer", name="")  # the officers' signatures are not the party's
    with pytest.raises(Refused) as error:
        matter_actions.advance_stage(province.officer_a.user, matter, Stage.REVIEW)
    [missing] = error.value.unmet
    assert missing.code == "records.party_signature" and missing.article == "第十三条(三)"
    assert "询问（调查）笔录" in missing.message
    sign(
        province,
        inquiry,
        "interviewee",
        status="refused",
        circumstances="被询问人拒绝签字",
        witnesses=[province.officer_a2.pk],
    )
    assert advance(province, matter, Stage.REVIEW).stage == Stage.REVIEW


@pytest.mark.django_db
def test_a_correction_after_signing_needs_signing_again(province: Province, matter: Matter) -> None:
    inquiry = write(province, matter, "inquiry")
    sign(province, inquiry, "interviewee")
    actions.correct_record(
        province.officer_a.user, inquiry, fields("inquiry", place="询问室二"), "更正地点"
    )
    assert unmet(province, matter, Stage.REVIEW) == {"records.party_signature"}
    sign(province, inquiry, "interviewee")
    assert advance(province, matter, Stage.REVIEW).stage == Stage.REVIEW


@pytest.mark.django_db
def test_execution_names_every_missing_record(province: Province, matter: Matter) -> None:
    """第十三条(二)(四)."""
    matter = investigated(province, matter)
    matter_actions.set_review_requirements(
        province.officer_a.user, matter, legal_review=True, collective_discussion=True
    )
    approve(province, matter, Approval.Subject.DECISION)
    assert unmet(province, matter, Stage.EXECUTION) == {
        "records.decision",
        "records.statement",
        "records.legal_review",
        "records.collective_discussion",
    }
    write(province, matter, "decision")
    assert unmet(province, matter, Stage.EXECUTION) == {
        "records.statement",
        "records.legal_review",
        "records.collective_discussion",
    }
    write(province, matter, "legal_review_opinion")
    write(province, matter, "collective_discussion")
    assert unmet(province, matter, Stage.EXECUTION) == {"records.statement"}


@pytest.mark.django_db
def test_the_statement_notice_must_be_served_before_the_decision(
    province: Province, matter: Matter
) -> None:
    """第十三条(二); 行政处罚法 第四十四条、第六十二条 (P-09)."""
    matter = investigated(province, matter)
    approve(province, matter, Approval.Subject.DECISION)
    notice = write(province, matter, "statement_notice")
    assert unmet(province, matter, Stage.EXECUTION) == {"records.decision", "records.statement"}
    write(province, matter, "decision")
    serve_directly(province, matter, notice)  # served, but after the decision was made
    assert unmet(province, matter, Stage.EXECUTION) == {"records.statement"}


@pytest.mark.django_db
def test_a_notice_served_before_the_decision_satisfies_article_13_2(
    province: Province, matter: Matter
) -> None:
    matter = investigated(province, matter)
    notice = write(province, matter, "statement_notice")
    serve_directly(province, matter, notice, at=timezone.now() - datetime.timedelta(days=4))
    write(province, matter, "decision")
    assert advance(province, matter, Stage.EXECUTION).stage == Stage.EXECUTION


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["statement_waiver", "statement_record"])
def test_a_recorded_statement_or_waiver_satisfies_article_13_2(
    province: Province, matter: Matter, code: str
) -> None:
    matter = investigated(province, matter)
    sign(province, write(province, matter, code), "party")
    write(province, matter, "decision")
    assert advance(province, matter, Stage.EXECUTION).stage == Stage.EXECUTION


@pytest.mark.django_db
def test_an_unsigned_statement_record_holds_up_execution(
    province: Province, matter: Matter
) -> None:
    matter = investigated(province, matter)
    write(province, matter, "statement_waiver")
    write(province, matter, "decision")
    approve(province, matter, Approval.Subject.DECISION)
    assert unmet(province, matter, Stage.EXECUTION) == {"records.party_signature"}


@pytest.mark.django_db
def test_the_simplified_procedure_needs_no_statement_notice(province: Province) -> None:
    matter = open_matter(province, procedure="simplified")
    matter = matter_actions.advance_stage(province.officer_a.user, matter, Stage.INVESTIGATION)
    matter = investigated(province, matter)
    assert unmet(province, matter, Stage.EXECUTION) == {"records.decision"}


@pytest.mark.django_db
def test_archiving_needs_the_decision_served(province: Province, matter: Matter) -> None:
    """第十三条(五)."""
    matter = investigated(province, matter)
    sign(province, write(province, matter, "statement_waiver"), "party")
    decision = write(province, matter, "decision")
    matter = advance(province, matter, Stage.EXECUTION)
    assert unmet(province, matter, Stage.ARCHIVING) == {"records.decision_served"}
    serve_directly(province, matter, decision)
    actions.correct_record(
        province.officer_a.user, decision, fields("decision", decided_on="2026-03-11"), "日期笔误"
    )
    assert unmet(province, matter, Stage.ARCHIVING) == {"records.decision_served"}
    serve_directly(province, matter, decision)
    assert advance(province, matter, Stage.ARCHIVING).stage == Stage.ARCHIVING


@pytest.mark.django_db
def test_an_inspection_without_a_decision_archives_without_one(province: Province) -> None:
    matter = open_matter(province, kind="inspection")
    for stage in (Stage.INVESTIGATION,):
        matter = advance(province, matter, stage)
    sign(province, write(province, matter, "on_site_inspection"), "party")
    for stage in (Stage.REVIEW, Stage.EXECUTION, Stage.ARCHIVING):
        matter = advance(province, matter, stage)
    assert matter.stage == Stage.ARCHIVING
