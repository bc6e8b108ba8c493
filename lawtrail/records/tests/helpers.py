"""Building matters and records for the tests through the real actions, never by hand."""

from __future__ import annotations

import datetime
import struct
import zlib
from typing import Any

from django.utils import timezone

from lawtrail.matters import actions as matter_actions
from lawtrail.matters.identifiers import uscc_check
from lawtrail.matters.models import Approval, Matter, Stage
from lawtrail.records import actions
from lawtrail.records.models import Record, Service, Signature
from lawtrail.testing import Province

PARTY_NAME = "西安市新城区好味道餐饮店"
PARTY_USCC = "91610102MA6U1234X" + uscc_check("91610102MA6U1234X")
EVIDENCE = "a" * 64


def png(width: int = 4, height: int = 2) -> bytes:
    """A real, tiny PNG (grey scale), as a signing pad would send."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def ref(kind: str, digest: str = EVIDENCE, description: str = "") -> dict[str, str]:
    return {"kind": kind, "sha256": digest, "description": description}


AT = "2026-03-02T09:30:00+08:00"
LATER = "2026-03-02T10:45:00+08:00"

FIELDS: dict[str, dict[str, Any]] = {
    "case_acceptance": {
        "source": "投诉举报",
        "accepted_at": AT,
        "party": PARTY_NAME,
        "summary": "群众投诉该店后厨卫生状况差。",
    },
    "filing_report": {
        "party": PARTY_NAME,
        "facts": "经初步核查，该店从业人员未取得健康证明。",
        "jurisdiction": "新城区卫生健康局",
        "proposed_handlers": ["张明", "李华"],
    },
    "on_site_inspection": {
        "inspected_party": PARTY_NAME,
        "address": "西安市新城区东五路1号",
        "started_at": AT,
        "ended_at": LATER,
        "place": "后厨",
        "officers": ["张明 61010200001", "李华 61010200002"],
        "identity_shown": "是",
        "findings": "后厨3名从业人员未能出示健康证明。",
        "recorder": "李华",
    },
    "inquiry": {
        "interviewee": "赵某",
        "relation": "当事人",
        "started_at": AT,
        "ended_at": LATER,
        "place": "新城区卫生健康局询问室",
        "interviewers": ["张明", "李华"],
        "recorder": "李华",
        "notice_given": "是",
        "content": "问：你是该店负责人吗？答：是。",
    },
    "sampling_list": {
        "sampled_party": PARTY_NAME,
        "sampled_at": AT,
        "place": "后厨",
        "items": [{"name": "餐具", "quantity": "5件"}],
        "sealing": "现场封样",
        "officers": ["张明", "李华"],
    },
    "seizure_decision": {
        "party": PARTY_NAME,
        "measure": "扣押",
        "reasons_and_basis": "涉嫌使用不合格消毒产品。",
        "objects": "消毒剂10瓶",
        "period_days": 30,
        "remedies": "可于六十日内申请行政复议，或于六个月内提起行政诉讼。",
        "decided_on": "2026-03-02",
    },
    "seizure_inventory": {
        "parent_number": "新卫扣〔2026〕1号",
        "items": [{"name": "消毒剂", "quantity": "10瓶", "batch": "20260101"}],
    },
    "hearing_notice": {
        "party": PARTY_NAME,
        "hearing_at": "2026-03-20T09:00:00+08:00",
        "place": "听证室",
        "host": "王强",
        "publicity": "公开",
        "notices": "可申请回避，可委托一至二名代理人。",
    },
    "hearing_record": {
        "started_at": AT,
        "ended_at": LATER,
        "place": "听证室",
        "host": "王强",
        "recorder": "李华",
        "participants": ["赵某"],
        "investigators_case": "违法事实清楚。",
        "party_statement": "无异议。",
    },
    "testing_commission": {
        "commissioned_body": "西安市疾病预防控制中心",
        "kind": "检验",
        "items": ["餐具5件"],
        "requirements": "按GB 14934检验。",
    },
    "inspection_refusal": {
        "refused_at": AT,
        "place": "店门口",
        "person": "赵某",
        "circumstances": "当事人锁门拒绝检查。",
        "officers": ["张明", "李华"],
    },
    "statement_notice": {
        "party": PARTY_NAME,
        "facts": "安排未取得健康证明的人员从事接触直接入口食品的工作。",
        "evidence": "现场检查笔录、询问笔录。",
        "legal_basis": "《食品安全法》第一百二十六条。",
        "proposed_penalty": "警告，罚款人民币五千元。",
        "rights": "可在收到本告知书之日起三个工作日内陈述、申辩。",
    },
    "statement_record": {
        "speaker": "赵某",
        "relation": "当事人",
        "at": AT,
        "place": "询问室",
        "content": "请求从轻处罚。",
        "recorder": "李华",
    },
    "statement_waiver": {
        "party": "赵某",
        "at": AT,
        "place": "询问室",
        "circumstances": "当事人口头表示放弃陈述、申辩。",
        "recorder": "李华",
    },
    "legal_review_opinion": {
        "reviewer": "赵敏",
        "reviewed_on": "2026-03-05",
        "items_reviewed": ["主体", "程序"],
        "conclusion": "同意",
        "opinion": "事实清楚，证据确凿，程序合法。",
    },
    "collective_discussion": {
        "held_at": AT,
        "place": "会议室",
        "host": "王强",
        "attendees": ["王强", "张明"],
        "recorder": "李华",
        "discussion": "一致认为违法事实清楚。",
        "conclusion": "同意处罚。",
    },
    "decision": {
        "party": PARTY_NAME,
        "party_address": "西安市新城区东五路1号",
        "facts_and_evidence": "安排未取得健康证明的人员从事接触直接入口食品的工作。",
        "content_and_basis": "依据《食品安全法》第一百二十六条，给予警告，罚款五千元。",
        "amount": "5000",
        "remedies": "可于六十日内申请行政复议，或于六个月内提起行政诉讼。",
        "authority": "西安市新城区卫生健康局",
        "decided_on": "2026-03-10",
        "head_opinion": "同意。",
    },
    "service_receipt": {
        "served_documents": ["行政执法决定书"],
        "recipient": "赵某",
        "method": "直接送达",
        "received_at": AT,
        "servers": ["张明", "李华"],
    },
    "reminder": {
        "party": PARTY_NAME,
        "decision_number": "新卫罚〔2026〕1号",
        "obligation": "十日内缴纳罚款。",
        "amount": 5000,
        "rights": "可陈述、申辩。",
    },
    "enforcement_application": {
        "court": "西安市新城区人民法院",
        "party": PARTY_NAME,
        "decision_number": "新卫罚〔2026〕1号",
        "request": "强制执行罚款五千元。",
        "facts_and_basis": "当事人逾期不履行。",
        "party_opinion": "经催告仍未履行。",
        "attachments": ["行政执法决定书", "催告书"],
        "applied_on": "2026-06-01",
    },
    "supervision_opinion": {
        "supervised_party": PARTY_NAME,
        "address": "西安市新城区东五路1号",
        "opinion": "立即安排从业人员进行健康检查。",
    },
    "electronic_service_consent": {
        "party": PARTY_NAME,
        "channel": "电子邮件",
        "address": "owner@example.cn",
        "scope": "陈述申辩告知书、催告书",
        "confirmed_on": "2026-03-02",
    },
    "evidence_preservation": {
        "party": PARTY_NAME,
        "reasons": "证据可能灭失，经负责人批准先行登记保存。",
        "items": [{"name": "消毒剂", "quantity": "10瓶"}],
        "kept_at": "当事人仓库",
        "manner": "就地封存",
        "saved_on": "2026-03-02",
    },
    "preservation_disposal": {
        "party": PARTY_NAME,
        "preservation_number": "新卫证保决〔2026〕1号",
        "disposal": "解除先行登记保存并退还",
        "content": "经检验合格，解除先行登记保存。",
        "decided_on": "2026-03-06",
    },
    "hearing_rights_notice": {
        "party": PARTY_NAME,
        "proposed_penalty": "罚款人民币三万元。",
        "rights": "可在收到本告知书之日起五个工作日内提出听证要求。",
    },
    "hearing_request": {
        "party": PARTY_NAME,
        "answer": "要求听证",
        "requested_on": "2026-03-04",
        "manner": "书面",
    },
    "seizure_extension": {
        "party": PARTY_NAME,
        "seizure_number": "新卫扣〔2026〕1号",
        "reasons": "检验需要，情况复杂。",
        "extended_days": "30",
        "decided_on": "2026-03-30",
    },
    "seizure_release": {
        "party": PARTY_NAME,
        "seizure_number": "新卫扣〔2026〕1号",
        "reasons": "经检验不属于违法物品。",
        "items_returned": "消毒剂10瓶",
        "released_on": "2026-03-20",
    },
    "fine_payment": {
        "decision_number": "新卫罚〔2026〕1号",
        "amount": "5000",
        "paid_on": "2026-03-20",
    },
    "payment_deferral": {
        "party": PARTY_NAME,
        "decision_number": "新卫罚〔2026〕1号",
        "kind": "延期缴纳",
        "schedule": "于2026年6月30日前一次缴清。",
        "until": "2026-06-30",
        "decided_on": "2026-03-20",
    },
}


def fields(code: str, **overrides: Any) -> dict[str, Any]:
    data = dict(FIELDS[code])
    data.update(overrides)
    return data


def open_matter(p: Province, kind: str = "penalty", **extra: Any) -> Matter:
    """A matter of county A handled by officer_a (lead) and officer_a2, still in 程序启动."""
    return matter_actions.open_matter(
        p.officer_a.user,
        p.county_a,
        matter_actions.MatterInput(
            kind=kind,
            title="未取得健康证明从事食品工作",
            place="西安市新城区东五路1号",
            parties=[
                matter_actions.PartyInput(
                    type="organisation", name=PARTY_NAME, credit_code=PARTY_USCC
                )
            ],
            handlers=[p.officer_a.pk, p.officer_a2.pk],
            **extra,
        ),
    )


def approve(p: Province, matter: Matter, subject: str) -> None:
    approval = matter_actions.request_approval(p.officer_a.user, matter, subject)
    matter_actions.decide_approval(p.head_a.user, approval, approve=True, opinion="同意。")


def advance(p: Province, matter: Matter, stage: str) -> Matter:
    if stage == Stage.INVESTIGATION and matter.kind == "penalty":
        approve(p, matter, Approval.Subject.FILING)
    if stage == Stage.EXECUTION and matter.kind in ("penalty", "license"):
        approve(p, matter, Approval.Subject.DECISION)
    return matter_actions.advance_stage(p.officer_a.user, matter, stage)


def write(p: Province, matter: Matter, code: str, **overrides: Any) -> Record:
    return actions.create_record(p.officer_a.user, matter, code, fields(code, **overrides))


def sign(
    p: Province,
    record: Record,
    role: str,
    name: str = "赵某",
    *,
    status: str = "signed",
    circumstances: str = "",
    witnesses: list[int] | None = None,
) -> Signature:
    return actions.sign_record(
        p.officer_a.user,
        record,
        actions.SignatureInput(
            signer_role=role,
            signer_name=name,
            status=status,
            image_png=png() if status == "signed" else None,
            circumstances=circumstances,
            witness_ids=witnesses or [],
        ),
    )


def receipt_for(
    p: Province, matter: Matter, record: Record, method: str = "直接送达", **overrides: Any
) -> Record:
    """A 送达回执 naming ``record`` and signed by the recipient."""
    receipt = write(
        p,
        matter,
        "service_receipt",
        served_documents=[f"{record.number or '文书'}"],
        method=method,
        **overrides,
    )
    sign(p, receipt, "recipient")
    return receipt


def serve_directly(
    p: Province, matter: Matter, record: Record, at: datetime.datetime | None = None
) -> Service:
    receipt = receipt_for(p, matter, record)
    return actions.record_service(
        p.officer_a.user,
        record,
        actions.ServiceInput(
            method="direct",
            served_at=at or timezone.now(),
            recipient="赵某",
            receipt_id=receipt.pk,
        ),
    )


def serve(p: Province, record: Record, method: str, **kw: Any) -> Service:
    """Record a service of ``record`` by officer_a; ``kw`` fills ServiceInput."""
    kw.setdefault("served_at", timezone.now())
    kw.setdefault("recipient", "赵某")
    return actions.record_service(
        p.officer_a.user, record, actions.ServiceInput(method=method, **kw)
    )


def refused_service(
    p: Province, record: Record, method: str, error: type[Exception], **kw: Any
) -> Any:
    """Assert the service is refused with ``error`` and that nothing was written."""
    import pytest

    from lawtrail.ledger.models import Event

    before = (Service.objects.count(), Event.objects.count())
    with pytest.raises(error) as caught:
        serve(p, record, method, **kw)
    assert (Service.objects.count(), Event.objects.count()) == before
    return caught.value
