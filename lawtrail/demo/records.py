"""Written records (文书) of the demo's matters, made through the records actions.

At each stage a matter gets what a real case file has (第十三条): acceptance and filing
reports, 现场检查笔录 and 询问笔录 signed by the party (one refusal, recorded with its
circumstances and a witnessing officer), 抽样物品清单, the 陈述申辩告知书 served before the
decision, a 法制审核意见书, the 决定书 signed by the head, and 送达 with a signed 送达回执.
Handwritten signatures are small PNG scribbles drawn here.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import struct
import zlib
from typing import Any

from django.utils import timezone

from lawtrail.agencies.models import Officer
from lawtrail.demo import texts
from lawtrail.demo.people import Staff
from lawtrail.demo.scenarios import HEADS, Org, Scenario
from lawtrail.matters.models import Kind, Matter, Stage
from lawtrail.records import actions
from lawtrail.records.catalogue import get_type
from lawtrail.records.models import Record

SIGNED, REFUSED = "signed", "refused"


def signature_png(name: str, width: int = 240, height: int = 72) -> bytes:
    """A grey-scale PNG of a pen stroke, different for every name (a stand-in for the pad)."""
    seed = hashlib.sha256(name.encode()).digest()
    ink: set[tuple[int, int]] = set()
    for x in range(12, width - 12):
        t = x / width
        y = (
            height / 2
            + sum(
                (seed[i] % 13 + 4) * math.sin(t * (seed[i + 1] % 9 + 3) + seed[i + 2])
                for i in range(0, 9, 3)
            )
            / 3
        )
        for dy in (-1, 0, 1):
            ink.add((x, round(y) + dy))
    rows = b"".join(
        b"\x00" + bytes(0 if (x, y) in ink else 255 for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def at(minutes_ago: int) -> str:
    """A local time a little before now, as the form fields take it."""
    moment = timezone.localtime() - datetime.timedelta(minutes=minutes_ago)
    return moment.replace(microsecond=0).isoformat()


def today() -> str:
    return timezone.localdate().isoformat()


class RecordMaker:
    """Makes the records a matter needs around each stage change (the ``walk`` hook)."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.count = 0
        self.investigated: set[str] = set()
        self.images: dict[str, bytes] = {}

    # -- people and helpers ------------------------------------------------------------------

    def team(self, scenario: Scenario) -> list[Officer]:
        return [self.staff[u] for u in scenario.handlers if not self.staff[u].is_assistant]

    def head(self, scenario: Scenario) -> Officer:
        return self.staff[HEADS[scenario.agency]]

    def image(self, name: str) -> bytes:
        if name not in self.images:
            self.images[name] = signature_png(name)
        return self.images[name]

    def create(self, scenario: Scenario, matter: Matter, code: str, **fields: Any) -> Record:
        self.count += 1
        return actions.create_record(self.team(scenario)[0].user, matter, code, fields)

    def officers_sign(self, scenario: Scenario, record: Record, role: str = "officer") -> None:
        for officer in self.team(scenario):
            actions.sign_record(
                officer.user,
                record,
                actions.SignatureInput(role, officer.name, SIGNED, self.image(officer.name)),
            )

    def head_signs(self, scenario: Scenario, record: Record) -> None:
        head = self.head(scenario)
        actions.sign_record(
            head.user,
            record,
            actions.SignatureInput("head", head.name, SIGNED, self.image(head.name)),
        )

    def party_signs(self, scenario: Scenario, record: Record, role: str, name: str) -> None:
        actions.sign_record(
            self.team(scenario)[0].user,
            record,
            actions.SignatureInput(role, name, SIGNED, self.image(name)),
        )

    def party_refuses(self, scenario: Scenario, record: Record, role: str, name: str) -> None:
        """第十三条(三): the refusal is recorded with what happened and who saw it."""
        lead, second = self.team(scenario)[:2]
        actions.sign_record(
            lead.user,
            record,
            actions.SignatureInput(
                role,
                name,
                REFUSED,
                circumstances=f"{name}对检查结果有异议。执法人员当场宣读笔录并告知拒签后果后，"
                "其仍拒绝签字。执法记录仪全程录像。",
                witness_ids=[second.pk],
            ),
        )

    def officer_line(self, scenario: Scenario) -> list[str]:
        return [
            f"{o.name}（执法证号：{cert.number}）"
            for o in self.team(scenario)
            if (cert := o.valid_certificate()) is not None
        ]

    @staticmethod
    def party_name(scenario: Scenario) -> str:
        return scenario.party.name

    @staticmethod
    def signer(scenario: Scenario) -> str:
        """Who signs for the party: the person, or the organisation's representative."""
        party = scenario.party
        return party.representative if isinstance(party, Org) else party.name

    # -- the hook ----------------------------------------------------------------------------

    def hook(self, scenario: Scenario, matter: Matter, stage: str, entered: bool) -> None:
        kind = Kind(matter.kind)
        if stage == Stage.INITIATION and entered and kind == Kind.PENALTY:
            self.acceptance(scenario, matter)
        elif stage == Stage.INVESTIGATION and entered:
            if scenario.key in self.investigated:
                self.returned(scenario, matter)
            else:
                self.investigated.add(scenario.key)
                self.investigate(scenario, matter)
        elif stage == Stage.EXECUTION and not entered:
            self.decide(scenario, matter)
        elif stage == Stage.EXECUTION and entered:
            self.execute(scenario, matter)

    # -- 程序启动 --------------------------------------------------------------------------------

    def acceptance(self, scenario: Scenario, matter: Matter) -> None:
        source = "投诉举报" if "av_complaint" in scenario.flags else "监督检查"
        record = self.create(
            scenario,
            matter,
            "case_acceptance",
            source=source,
            accepted_at=at(240),
            party=self.party_name(scenario),
            party_address=scenario.party.address,
            summary=scenario.summary,
        )
        self.officers_sign(scenario, record)
        report = self.create(
            scenario,
            matter,
            "filing_report",
            party=self.party_name(scenario),
            facts=scenario.summary,
            jurisdiction="《行政处罚法》第二十二条、第二十三条：违法行为发生地县级卫生健康行政部门管辖。",
            proposed_handlers=[o.name for o in self.team(scenario)],
        )
        self.officers_sign(scenario, report)

    # -- 调查取证 --------------------------------------------------------------------------------

    def investigate(self, scenario: Scenario, matter: Matter) -> None:
        if matter.kind == Kind.SAMPLING:
            self.sample(scenario, matter)
            return
        record = self.create(
            scenario,
            matter,
            "on_site_inspection",
            inspected_party=self.party_name(scenario),
            address=scenario.party.address,
            started_at=at(50),
            ended_at=at(10),
            place=scenario.place,
            officers=self.officer_line(scenario),
            identity_shown="是",
            findings=texts.FINDINGS[scenario.key],
            recorder=self.team(scenario)[1].name,
        )
        self.officers_sign(scenario, record)
        if scenario.key == "dental_penalty":
            self.party_refuses(scenario, record, "party", self.signer(scenario))
        else:
            self.party_signs(scenario, record, "party", self.signer(scenario))
        inquiry = texts.INQUIRIES.get(scenario.key)
        if inquiry is not None:
            self.inquire(scenario, matter, inquiry)

    def inquire(self, scenario: Scenario, matter: Matter, inquiry: texts.Inquiry) -> None:
        team = self.team(scenario)
        record = self.create(
            scenario,
            matter,
            "inquiry",
            interviewee=inquiry.interviewee,
            relation=inquiry.relation,
            started_at=at(9),
            ended_at=at(2),
            place=scenario.place,
            interviewers=[o.name for o in team],
            recorder=team[1].name,
            notice_given="是",
            content=inquiry.content,
            interviewee_statement="以上笔录我已看过，与我说的相符。",
        )
        self.officers_sign(scenario, record)
        self.party_signs(scenario, record, "interviewee", inquiry.interviewee)

    def returned(self, scenario: Scenario, matter: Matter) -> None:
        inquiry = texts.RETURN_INQUIRIES.get(scenario.key)
        if inquiry is not None:
            self.inquire(scenario, matter, inquiry)

    def sample(self, scenario: Scenario, matter: Matter) -> None:
        names = texts.SAMPLES[scenario.key]
        record = self.create(
            scenario,
            matter,
            "sampling_list",
            sampled_party=self.party_name(scenario),
            sampled_at=at(30),
            place=scenario.place,
            items=[
                {"name": n, "quantity": "5000 mL", "specification": "无菌采样瓶"} for n in names
            ],
            sealing="样品现场加贴封条，由被抽样单位负责人和执法人员共同签封。",
            officers=[o.name for o in self.team(scenario)],
        )
        self.officers_sign(scenario, record)
        self.party_signs(scenario, record, "party", self.signer(scenario))
        commission = self.create(
            scenario,
            matter,
            "testing_commission",
            commissioned_body="西安市疾病预防控制中心",
            kind="检测",
            items=names,
            requirements="按GB/T 5750-2023《生活饮用水标准检验方法》检测，出具检测报告。",
        )
        self.head_signs(scenario, commission)

    # -- 审查决定 --------------------------------------------------------------------------------

    def decide(self, scenario: Scenario, matter: Matter) -> None:
        penalty = texts.PENALTIES.get(scenario.key)
        if penalty is not None:
            self.notify(scenario, matter, penalty)
            if matter.needs_legal_review:
                self.legal_review(scenario, matter)
            content, amount = penalty.content, penalty.amount
            facts = f"{penalty.facts}\n证据：{penalty.evidence}"
        elif scenario.key in texts.LICENSES:
            content, amount, facts = texts.LICENSES[scenario.key], "", scenario.summary
        else:
            return
        fields: dict[str, Any] = {
            "party": self.party_name(scenario),
            "party_address": scenario.party.address,
            "facts_and_evidence": facts,
            "content_and_basis": content,
            "remedies": texts.REMEDIES[scenario.agency],
            "authority": self.staff.agencies[scenario.agency].name,
            "decided_on": today(),
            "head_opinion": "同意。",
        }
        if amount:
            fields.update(amount=amount, performance=texts.PAYMENT)
        decision = self.create(scenario, matter, "decision", **fields)
        self.head_signs(scenario, decision)

    def notify(self, scenario: Scenario, matter: Matter, penalty: texts.Penalty) -> None:
        """第十三条(二): the 陈述申辩告知书, served before the decision is made."""
        notice = self.create(
            scenario,
            matter,
            "statement_notice",
            party=self.party_name(scenario),
            facts=penalty.facts,
            evidence=penalty.evidence,
            legal_basis=penalty.basis,
            proposed_penalty=penalty.content,
            rights=texts.STATEMENT_RIGHTS,
        )
        self.head_signs(scenario, notice)
        self.serve(scenario, matter, notice, minutes_ago=20)
        if scenario.key == "salon_penalty":
            statement = self.create(
                scenario,
                matter,
                "statement_record",
                speaker=self.signer(scenario),
                relation="当事人",
                at=at(15),
                place="新城区卫生健康局询问室",
                content="我已停止营业，并已提交公共场所卫生许可申请，请求从轻处罚。",
                review_opinion="当事人主动停业整改，符合从轻处罚情形，维持拟处罚意见。",
                recorder=self.team(scenario)[1].name,
            )
            self.officers_sign(scenario, statement)
            self.party_signs(scenario, statement, "party", self.signer(scenario))
        if scenario.key == "dental_penalty":
            # The party waived at once, so the decision may follow the same day (行政处罚法
            # 第四十四条; the compliance rule P-09 reads the waiver).
            waiver = self.create(
                scenario,
                matter,
                "statement_waiver",
                party=self.signer(scenario),
                at=at(15),
                place="新城区卫生健康局询问室",
                circumstances="当事人收到告知书后当场表示对拟处罚意见无异议，明确放弃陈述、申辩。",
                recorder=self.team(scenario)[1].name,
            )
            self.officers_sign(scenario, waiver)
            self.party_signs(scenario, waiver, "party", self.signer(scenario))

    def legal_review(self, scenario: Scenario, matter: Matter) -> None:
        """第十三条(四): the legal reviewer's written opinion before the head decides."""
        reviewer = self.staff["reviewer_a"]
        self.count += 1
        record = actions.create_record(
            reviewer.user,
            matter,
            "legal_review_opinion",
            {
                "reviewer": reviewer.name,
                "reviewed_on": today(),
                "items_reviewed": [
                    "执法主体",
                    "执法人员资格",
                    "程序",
                    "事实证据",
                    "法律适用及裁量",
                    "文书",
                ],
                "conclusion": "同意",
                "opinion": "事实清楚，证据确凿，程序合法，适用依据正确，裁量适当。",
            },
        )
        actions.sign_record(
            reviewer.user,
            record,
            actions.SignatureInput(
                "legal_reviewer", reviewer.name, SIGNED, self.image(reviewer.name)
            ),
        )

    # -- 送达执行 --------------------------------------------------------------------------------

    def execute(self, scenario: Scenario, matter: Matter) -> None:
        for decision in Record.objects.filter(matter=matter, record_type="decision"):
            self.serve(scenario, matter, decision, minutes_ago=0)
        opinion = texts.OPINIONS.get(scenario.key)
        if opinion is not None:
            record = self.create(
                scenario,
                matter,
                "supervision_opinion",
                supervised_party=self.party_name(scenario),
                responsible_person=self.signer(scenario),
                address=scenario.party.address,
                opinion=opinion[0],
                legal_basis=opinion[1],
            )
            self.officers_sign(scenario, record)
            self.party_signs(scenario, record, "party", self.signer(scenario))
            self.serve(scenario, matter, record, minutes_ago=0)

    def serve(self, scenario: Scenario, matter: Matter, document: Record, minutes_ago: int) -> None:
        """第十三条(五)1: direct service, the recipient signing the 送达回执."""
        recipient = self.signer(scenario)
        name = get_type(document.record_type).name
        receipt = self.create(
            scenario,
            matter,
            "service_receipt",
            served_documents=[f"{name} {document.number}".strip()],
            recipient=recipient,
            method="直接送达",
            place=scenario.party.address,
            received_at=at(minutes_ago),
            servers=[o.name for o in self.team(scenario)],
        )
        self.party_signs(scenario, receipt, "recipient", recipient)
        actions.record_service(
            self.team(scenario)[0].user,
            document,
            actions.ServiceInput(
                method="direct",
                served_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
                recipient=recipient,
                receipt_id=receipt.pk,
            ),
        )
