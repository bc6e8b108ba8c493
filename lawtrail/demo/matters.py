"""Opening the demo's matters and walking each to its stage, through the matter actions.

Handlers open, ask and advance; the agency head approves (第十六条) and sends a case back when
the evidence is thin. Written records are made by ``lawtrail.demo.records`` at each step, so
the stage guards of 第三条 see what a real case would have.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser

from lawtrail.demo.identifiers import IdentifierMaker
from lawtrail.demo.people import Staff
from lawtrail.demo.scenarios import HEADS, Org, Person, Scenario
from lawtrail.errors import Refused
from lawtrail.matters import actions
from lawtrail.matters.models import STAGE_ORDER, Approval, Kind, Matter, Party, Stage

# Called before a matter enters a stage (and once more after, with ``entered=True``).
StageHook = Callable[[Scenario, Matter, str, bool], None]

INVESTIGATION_REASONS = {
    Kind.LICENSE: "受理申请，开始现场审查。",
    Kind.INSPECTION: "到达现场，开始监督检查。",
    Kind.SAMPLING: "到达现场，开始采样。",
    Kind.PENALTY: "立案已获批准，开始调查取证。",
}
ADVANCE_REASONS = {
    Stage.REVIEW: "调查取证终结，提交审查。",
    Stage.EXECUTION: "决定已作出，进入送达执行。",
    Stage.ARCHIVING: "执行完毕，整理案卷归档。",
}


def party_input(party: Org | Person, ids: IdentifierMaker, region: str) -> actions.PartyInput:
    if isinstance(party, Person):
        return actions.PartyInput(
            type=Party.Type.PERSON,
            name=party.name,
            id_number=ids.resident_id(party.region, party.born, female=party.female),
            address=party.address,
            phone=party.phone,
        )
    return actions.PartyInput(
        type=Party.Type.ORGANISATION,
        name=party.name,
        credit_code=ids.credit_code(region, party.kind),
        legal_representative=party.representative,
        address=party.address,
        phone=party.phone,
    )


def open_scenario(staff: Staff, ids: IdentifierMaker, scenario: Scenario) -> Matter:
    """程序启动: the lead handler opens the matter with its party, team, places and flags."""
    lead = staff[scenario.handlers[0]]
    return actions.open_matter(
        lead.user,
        staff.agencies[scenario.agency],
        actions.MatterInput(
            kind=scenario.kind,
            title=scenario.title,
            place=scenario.place,
            summary=scenario.summary,
            parties=[party_input(scenario.party, ids, scenario.agency)],
            handlers=[staff[username].pk for username in scenario.handlers],
            lead=lead.pk,
            gis_points=[
                actions.GisInput(p.latitude, p.longitude, datum=p.datum, label=p.label)
                for p in scenario.points
            ],
            flags={flag: True for flag in scenario.flags},
        ),
    )


def approve(
    requester: AbstractBaseUser,
    head: AbstractBaseUser,
    matter: Matter,
    subject: str,
    note: str,
    opinion: str,
) -> Approval:
    approval = actions.request_approval(requester, matter, subject, note)
    return actions.decide_approval(head, approval, approve=True, opinion=opinion)


def names(staff: Staff, scenario: Scenario) -> str:
    return "、".join(staff[u].name for u in scenario.handlers if not staff[u].is_assistant)


def ask_for_filing(staff: Staff, scenario: Scenario, matter: Matter) -> None:
    """第十六条: a general-procedure penalty case is opened (立案) on the head's approval."""
    lead, head = staff[scenario.handlers[0]].user, staff[HEADS[scenario.agency]].user
    if "filing_rejected_first" in scenario.twists:
        first = actions.request_approval(lead, matter, Approval.Subject.FILING, "拟立案，请审批。")
        actions.decide_approval(
            head,
            first,
            approve=False,
            opinion="案件来源材料不全，请补充现场检查笔录及供、管水人员名单后重新报批。",
        )
    note = "经初步核查，当事人涉嫌违法，符合立案条件，拟立案调查，请审批。"
    if scenario.target == Stage.INITIATION:
        actions.request_approval(lead, matter, Approval.Subject.FILING, note)
        return
    approve(
        lead,
        head,
        matter,
        Approval.Subject.FILING,
        note,
        f"同意立案。由{names(staff, scenario)}承办。",
    )


def advance(
    user: AbstractBaseUser, scenario: Scenario, matter: Matter, stage: str, reason: str
) -> Matter:
    """``advance_stage``; a refusal here is a bug of the demo, so say every unmet condition."""
    try:
        return actions.advance_stage(user, matter, stage, reason)
    except Refused as error:
        unmet = "; ".join(f"{u.code} ({u.article}): {u.message}" for u in error.unmet)
        raise RuntimeError(f"demo matter {scenario.key} cannot enter {stage}: {unmet}") from None


def set_review_requirements(head: AbstractBaseUser, scenario: Scenario, matter: Matter) -> Matter:
    """第十三条(四): the head says the decision needs 法制审核 and/or 集体讨论."""
    legal = "needs_legal_review" in scenario.twists
    collective = "needs_collective_discussion" in scenario.twists
    if not (legal or collective):
        return matter
    return actions.set_review_requirements(
        head, matter, legal_review=legal or None, collective_discussion=collective or None
    )


def walk(staff: Staff, scenario: Scenario, matter: Matter, hook: StageHook) -> Matter:
    """Take ``matter`` through the stages of 第三条 up to ``scenario.target``."""
    lead = staff[scenario.handlers[0]].user
    head = staff[HEADS[scenario.agency]].user
    hook(scenario, matter, Stage.INITIATION, True)
    if matter.kind == Kind.PENALTY:
        ask_for_filing(staff, scenario, matter)
    for stage in STAGE_ORDER[1 : STAGE_ORDER.index(scenario.target) + 1]:
        hook(scenario, matter, stage, False)
        if stage == Stage.EXECUTION and matter.kind in (Kind.PENALTY, Kind.LICENSE):
            approve(
                lead,
                head,
                matter,
                Approval.Subject.DECISION,
                "调查终结，事实清楚、证据确凿，拟作出决定，请审批。",
                "同意。",
            )
        if stage == Stage.ARCHIVING and matter.kind == Kind.PENALTY:
            approve(
                lead,
                head,
                matter,
                Approval.Subject.CLOSING,
                "当事人已履行处罚决定，拟结案。",
                "同意结案，按期归档。",
            )
        reason = (
            INVESTIGATION_REASONS[Kind(matter.kind)]
            if stage == Stage.INVESTIGATION
            else ADVANCE_REASONS[Stage(stage)]
        )
        matter = advance(lead, scenario, matter, stage, reason)
        if stage == Stage.REVIEW and "returned_once" in scenario.twists:
            matter = actions.return_for_investigation(
                head, matter, "违法所得计算依据不足，请补充收费票据和患者询问笔录。"
            )
            hook(scenario, matter, Stage.INVESTIGATION, True)
            matter = advance(lead, scenario, matter, stage, "已补充收费票据及询问笔录。")
        if stage == Stage.REVIEW:
            matter = set_review_requirements(head, scenario, matter)
        if stage == Stage.INVESTIGATION and "point_added_on_site" in scenario.twists:
            actions.add_gis_point(
                staff[scenario.handlers[1]].user,
                matter,
                actions.GisInput("34.269871", "109.001902", label="5号楼末梢水补充取样点"),
            )
        hook(scenario, matter, stage, True)
    if "decision_pending" in scenario.twists:
        actions.request_approval(
            lead, matter, Approval.Subject.DECISION, "现场审查符合卫生要求，拟准予许可，请审批。"
        )
    return matter
