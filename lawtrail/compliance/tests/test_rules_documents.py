"""第十三条(三): records touching a party's rights carry the party's signature or refusal
(``records.signature``); 第十三条(五): a service keeps the proof its method needs
(``records.service_proof``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from lawtrail.compliance.checks.base import Scope
from lawtrail.compliance.models import Finding
from lawtrail.compliance.tests.helpers import days_later, findings, open_findings, scan
from lawtrail.matters.models import Matter, Stage
from lawtrail.records import actions
from lawtrail.records.models import Record, Service
from lawtrail.records.tests.helpers import (
    advance,
    open_matter,
    receipt_for,
    ref,
    serve,
    serve_directly,
    sign,
    write,
)
from lawtrail.testing import Province

SIGNATURE = "records.signature"
PROOF = "records.service_proof"


def correct(p: Province, record: Record, reason: str = "更正笔误。", **changes: Any) -> None:
    """A correction through the real action: the whole content with ``changes``."""
    current = record.current_version().fields
    actions.correct_record(p.officer_a.user, record, {**current, **changes}, reason)


# --- 第十三条(三) ----------------------------------------------------------------------------


def test_article_13_3_fires_a_day_after_an_unsigned_inspection_record(
    province: Province, matter: Matter
) -> None:
    record = write(province, matter, "on_site_inspection")
    sign(province, record, "officer", "张明")  # the officer's own signature is not the party's

    assert scan(SIGNATURE).rules[0].breached == 0  # not yet due
    report = scan(SIGNATURE, now=days_later(2))

    assert report.rules[0].opened == 1
    (finding,) = open_findings(SIGNATURE)
    assert finding.subject == f"record:{record.pk}"
    assert finding.article == "第十三条(三)"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert set(finding.officers.all()) == {province.officer_a, province.officer_a2}
    version = record.current_version()
    assert finding.opened_because["record_type"] == "on_site_inspection"
    assert finding.opened_because["version_number"] == 1
    assert finding.opened_because["party_roles"] == ["party"]
    assert finding.due_at is not None
    assert abs((finding.due_at - version.created_at).total_seconds() - 86400) < 1


def test_article_13_3_clears_when_the_party_signs(province: Province, matter: Matter) -> None:
    record = write(province, matter, "inquiry")
    scan(SIGNATURE, now=days_later(2))
    signature = sign(province, record, "interviewee")

    report = scan(SIGNATURE, now=days_later(3))

    assert report.rules[0].closed == 1
    (finding,) = findings(SIGNATURE)
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["fulfilled"] is True
    assert finding.closed_because["facts"]["done"] == signature.at.isoformat()


def test_article_13_3_a_recorded_refusal_meets_the_duty(province: Province, matter: Matter) -> None:
    record = write(province, matter, "on_site_inspection")
    sign(
        province,
        record,
        "party",
        status="refused",
        circumstances="当事人拒绝在笔录上签字。",
        witnesses=[province.officer_a2.pk],
    )

    report = scan(SIGNATURE, now=days_later(2))

    assert (report.rules[0].checked, report.rules[0].breached) == (1, 0)


def test_article_13_3_a_correction_needs_the_party_again(
    province: Province, matter: Matter
) -> None:
    record = write(province, matter, "on_site_inspection")
    sign(province, record, "party")
    assert scan(SIGNATURE, now=days_later(2)).rules[0].breached == 0

    correct(province, record, findings="后厨4名从业人员未能出示健康证明。")
    scan(SIGNATURE, now=days_later(2))

    (finding,) = open_findings(SIGNATURE)
    assert finding.opened_because["version_number"] == 2


def test_article_13_3_records_not_touching_party_rights_are_not_judged(
    province: Province, matter: Matter
) -> None:
    write(province, matter, "statement_notice")

    assert scan(SIGNATURE, now=days_later(5)).rules[0].checked == 0


def test_article_13_3_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province, matter: Matter
) -> None:
    other = advance(province, open_matter(province), Stage.INVESTIGATION)
    write(province, matter, "on_site_inspection")
    mine = write(province, other, "on_site_inspection")

    report = scan(SIGNATURE, now=days_later(2), scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.subject for f in open_findings(SIGNATURE)] == [f"record:{mine.pk}"]


# --- 第十三条(五) ----------------------------------------------------------------------------


def test_article_13_5_fires_when_the_receipt_is_corrected_after_service_and_not_signed_again(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    service = serve_directly(province, matter, decision)
    assert scan(PROOF).rules[0].breached == 0
    assert service.receipt is not None

    correct(province, service.receipt, place="当事人经营场所")
    report = scan(PROOF)

    assert report.rules[0].opened == 1
    (finding,) = open_findings(PROOF)
    assert finding.subject == f"service:{service.pk}"
    assert finding.article == "第十三条(五)"
    assert finding.agency == province.county_a
    assert finding.matter == matter
    assert set(finding.officers.all()) == {province.officer_a, province.officer_a2}
    because = finding.opened_because
    assert because["method"] == "direct"
    assert because["receipt_id"] == service.receipt.pk
    assert because["receipt_version"] == service.receipt.current_version().pk
    assert because["receipt_signed"] is False
    assert because["missing"] == ["receipt.recipient_signature"]


def test_article_13_5_clears_when_the_recipient_signs_the_corrected_receipt(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    service = serve_directly(province, matter, decision)
    assert service.receipt is not None
    correct(province, service.receipt, place="当事人经营场所")
    scan(PROOF)
    sign(province, service.receipt, "recipient")

    report = scan(PROOF)

    assert report.rules[0].closed == 1
    (finding,) = findings(PROOF)
    assert finding.state == Finding.State.CLOSED
    assert finding.closed_because["facts"]["receipt_signed"] is True


def test_article_13_5_a_receipt_corrected_to_another_method_no_longer_proves_it(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    receipt = receipt_for(
        province, matter, decision, method="委托送达", entrusted_person="碑林区卫生健康局 钱某"
    )
    service = serve(province, decision, "entrusted", receipt_id=receipt.pk)
    correct(province, receipt, method="直接送达")
    sign(province, receipt, "recipient")

    scan(PROOF)

    (finding,) = open_findings(PROOF)
    assert finding.subject == f"service:{service.pk}"
    assert finding.opened_because["receipt_method"] == "直接送达"
    assert finding.opened_because["missing"] == ["receipt.method"]


def test_article_13_5_electronic_service_needs_the_current_consent_signed(
    province: Province, matter: Matter
) -> None:
    """第十三条(五)4; 行政处罚法 第六十一条: the party's signed 电子送达确认书."""
    consent = write(province, matter, "electronic_service_consent")
    sign(province, consent, "party")
    notice = write(province, matter, "statement_notice")
    service = serve(
        province, notice, "electronic", channel="email", proof={"evidence": [ref("screenshot")]}
    )
    assert scan(PROOF).rules[0].breached == 0

    correct(province, consent, address="boss@example.cn")
    scan(PROOF)
    (finding,) = open_findings(PROOF)
    assert finding.subject == f"service:{service.pk}"
    assert finding.opened_because["missing"] == ["electronic_service_consent"]

    sign(province, consent, "party")
    scan(PROOF)
    assert open_findings(PROOF) == []


def test_article_13_5_complete_proof_of_every_method_does_not_fire(
    province: Province, matter: Matter
) -> None:
    decision = write(province, matter, "decision")
    serve_directly(province, matter, decision)
    serve(
        province,
        decision,
        "lodged",
        proof={"circumstances": "当事人拒收，留置于经营场所。", "evidence": [ref("video")]},
    )
    serve(
        province,
        decision,
        "mail",
        proof={
            "postage_voucher": ref("scan"),
            "returned": True,
            "return_circumstances": "查无此人",
        },
    )
    serve(
        province,
        decision,
        "public_notice",
        proof={
            "reason": "受送达人下落不明。",
            "method": "门户网站公告。",
            "process": "发布于门户网站。",
            "notice_text": "本局已作出行政处罚决定……",
            "evidence": [ref("screenshot")],
        },
    )
    consent = write(province, matter, "electronic_service_consent", channel="传真")
    sign(province, consent, "party")
    notice = write(province, matter, "statement_notice")
    serve(
        province,
        notice,
        "electronic",
        channel="fax",
        proof={
            "evidence": [ref("recording")],
            "fax_time": "2026-03-02T15:00:00+08:00",
            "fax_number": "029-87654321",
        },
    )

    report = scan(PROOF)

    assert (report.rules[0].checked, report.rules[0].breached) == (5, 0)


def test_article_13_5_an_evaluation_of_one_matter_judges_only_that_matter(
    province: Province, matter: Matter
) -> None:
    other = advance(province, open_matter(province), Stage.INVESTIGATION)
    services = {}
    for each in (matter, other):
        service = serve_directly(province, each, write(province, each, "decision"))
        assert service.receipt is not None
        correct(province, service.receipt, place="当事人住所")
        services[each.pk] = service

    report = scan(PROOF, scope=Scope.of(matters={other.pk}))

    assert report.rules[0].checked == 1
    assert [f.subject for f in open_findings(PROOF)] == [f"service:{services[other.pk].pk}"]


def test_article_13_5_a_service_of_another_matter_is_not_in_the_scope(
    province: Province, matter: Matter
) -> None:
    """Bad scope input (an unknown matter id) judges nothing and changes nothing."""
    serve_directly(province, matter, write(province, matter, "decision"))

    report = scan(PROOF, scope=Scope.of(matters={10**9}))

    assert report.rules[0].checked == 0
    assert findings(PROOF) == []
    assert Matter.objects.filter(pk=10**9).count() == 0


INCOMPLETE = [
    ("lodged", "", {"circumstances": "当事人拒收。", "evidence": []}),
    ("lodged", "", {"circumstances": "", "evidence": [ref("photo")]}),
    ("mail", "", {"postage_voucher": ref("scan")}),
    ("mail", "", {"postage_voucher": ref("scan"), "returned": True}),
    ("mail", "", {"return_receipt": ref("scan")}),
    ("electronic", "fax", {"evidence": [ref("recording")], "fax_number": "029-87654321"}),
    ("electronic", "email", {"evidence": []}),
    ("public_notice", "", {"reason": "下落不明。", "evidence": [ref("photo")]}),
    ("direct", "", {}),
]


@pytest.mark.parametrize(("method", "channel", "proof"), INCOMPLETE)
def test_article_13_5_an_imported_service_lacking_proof_fires(
    province: Province, matter: Matter, method: str, channel: str, proof: dict[str, Any]
) -> None:
    """Rows that did not pass ``clean_service`` (an import from another system, written as a
    row, which the append-only tables allow) are judged by the same requirements."""
    consent = write(province, matter, "electronic_service_consent", channel="传真")
    sign(province, consent, "party")
    consent = write(province, matter, "electronic_service_consent")
    sign(province, consent, "party")
    notice = write(province, matter, "statement_notice")
    imported = Service.objects.create(
        record=notice,
        version=notice.current_version(),
        method=method,
        channel=channel,
        served_at=timezone.now(),
        recipient="赵某",
        proof=proof,
        created_by=province.officer_a,
        created_at=timezone.now(),
    )

    scan(PROOF)

    (finding,) = open_findings(PROOF)
    assert finding.subject == f"service:{imported.pk}"
    assert finding.opened_because["missing"] == (["receipt"] if method == "direct" else ["proof"])


def test_article_13_5_an_imported_decision_served_by_email_fires(
    province: Province, matter: Matter
) -> None:
    """第十三条(五)4: 行政执法决定书除外 — never by fax or e-mail, whatever the proof."""
    consent = write(province, matter, "electronic_service_consent")
    sign(province, consent, "party")
    decision = write(province, matter, "decision")
    Service.objects.create(
        record=decision,
        version=decision.current_version(),
        method="electronic",
        channel="email",
        served_at=timezone.now(),
        recipient="赵某",
        proof={"evidence": [ref("screenshot")]},
        created_by=province.officer_a,
        created_at=timezone.now(),
    )

    scan(PROOF)

    (finding,) = open_findings(PROOF)
    assert finding.opened_because["missing"] == ["not_a_decision"]
