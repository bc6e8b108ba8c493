"""Written records: the party's signature (第十三条(三)) and the proof of service (第十三条(五)).

``records.signature`` (第十三条(三): 涉及当事人权利义务的文书…当事人签字确认；拒绝签字的，应记录具体
情况) — subject: the record. Every record whose type ``touches_party_rights`` in
``records/catalogue.json`` must carry, on its **current** version (the latest ``RecordVersion``:
a correction is a new document the party has not yet seen), a signature of one of the type's
party-side roles (``RecordType.party_signers``) with status signed, refused or unable (a refusal
and an inability are recorded with circumstances and witnesses, ``records.signatures``). Due one
day (rules.json) after that version was made; ``c_done`` is the first such signature, so a
signature made after the day is a breach fulfilled late.

``records.service_proof`` (第十三条(五)) — subject: the service. The proof must hold what its
method needs, as ``records.service.clean_service`` documents:

1. direct (直接送达) and 5. entrusted (委托送达): a 送达回执 of the same matter whose current
   version records that method, is signed by the recipient (``recipient``, status signed), and,
   for entrusted service, names the entrusted person;
2. lodged (留置送达): the circumstances and at least one photo, video or audio reference;
3. mail (邮寄送达): the postage voucher and the return receipt, or the letter returned with the
   circumstances of the return;
4. fax / e-mail: at least one recording, SMS, screenshot or screen-recording reference; for fax
   the time and number; never a decision (行政执法决定书除外); and the party's signed
   电子送达确认书 for that channel (行政处罚法 第六十一条) in its current version;
6. public notice (公告送达): reason, method, process, the notice text and a reference.

``clean_service`` enforces all of this when a service is recorded, and services are append-only.
What can still go missing in stored rows is what lives in *other, later* rows: a receipt or a
consent that is corrected after the service (a new version the recipient or party has not
signed, or that now records another method or no entrusted person). The check nevertheless
states every requirement in SQL, so rows that arrive by import or correction are judged by the
same meaning; a service whose proof is complete again (the corrected receipt signed) clears.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from lawtrail.compliance.checks.base import Check, Scope, boolean, const_null, register
from lawtrail.records.catalogue import all_types, decision_codes
from lawtrail.records.models import Record, RecordVersion, Service, Signature

PARTY_STATUSES = (Signature.Status.SIGNED, Signature.Status.REFUSED, Signature.Status.UNABLE)
RECEIPT_METHODS = {Service.Method.DIRECT: "直接送达", Service.Method.ENTRUSTED: "委托送达"}
CONSENT_CHANNELS = {Service.Channel.FAX: "传真", Service.Channel.EMAIL: "电子邮件"}


def party_roles() -> dict[str, tuple[str, ...]]:
    """The record types that touch a party's rights, with their party-side signer roles."""
    return {t.code: t.party_signers() for t in all_types() if t.touches_party_rights}


def latest_version(record: str) -> models.QuerySet[RecordVersion]:
    """The current version of the record whose id is the outer query's ``record`` column."""
    return RecordVersion.objects.filter(record=models.OuterRef(record)).order_by("-version")


@register
class PartySignature(Check):
    rule_id = "records.signature"
    facts = ("record_type", "number", "version_number", "version_created_at")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        window = self.spec.deadline.as_timedelta() if self.spec.deadline else None
        assert window is not None, "rules.json gives records.signature a deadline"
        roles = party_roles()
        party_side = models.Q(pk__in=[])
        for code, signers in roles.items():
            party_side |= models.Q(version__record__record_type=code, signer_role__in=signers)
        signatures = Signature.objects.filter(
            party_side, version=models.OuterRef("current_version"), status__in=PARTY_STATUSES
        ).order_by("at", "pk")
        current = latest_version("pk")
        rows = scope.narrow(
            Record.objects.filter(record_type__in=sorted(roles)), matter="matter_id"
        )
        result: models.QuerySet[Any] = (
            rows.annotate(
                current_version=models.Subquery(current.values("pk")[:1]),
                version_number=models.Subquery(current.values("version")[:1]),
                version_created_at=models.Subquery(current.values("created_at")[:1]),
            )
            .annotate(
                c_id=models.F("pk"),
                c_agency=models.F("agency_id"),
                c_matter=models.F("matter_id"),
                c_evidence=const_null(models.BigIntegerField()),
                c_officer=const_null(models.BigIntegerField()),
                c_due=models.ExpressionWrapper(
                    models.F("version_created_at") + window, output_field=models.DateTimeField()
                ),
                c_done=models.Subquery(
                    signatures.values("at")[:1], output_field=models.DateTimeField()
                ),
            )
            .annotate(
                # "Not signed by now, or signed late" with each subquery referenced once:
                # Django repeats an annotation's SQL wherever it is used (bench: 1.16 s → less).
                c_breached=boolean(
                    models.Q(
                        c_due__lt=Coalesce(
                            "c_done", models.Value(now, output_field=models.DateTimeField())
                        )
                    )
                )
            )
        )
        return result

    def describe(self, facts: dict[str, Any]) -> dict[str, Any]:
        return {**facts, "party_roles": list(party_roles().get(facts["record_type"], ()))}


def has_text(key: str) -> models.Q:
    """The proof holds ``key`` as a non-empty value."""
    return models.Q(**{"proof__has_key": key}) & ~models.Q(**{f"proof__{key}": ""})


def has_reference(key: str = "evidence") -> models.Q:
    """The proof's ``key`` list holds at least one reference (with its digest). Index 0 is a
    path step on SQLite and ``-> 0`` on PostgreSQL; a bare ``__0__isnull`` would test the
    array for a string "0" there."""
    return models.Q(**{f"proof__{key}__0__has_key": "sha256"})


def receipt_holds() -> models.Q:
    """第十三条(五)1、5: a receipt of the same matter, of this method, signed by the recipient
    (and, for entrusted service, naming the entrusted person)."""
    method_recorded = models.Q(
        method=Service.Method.DIRECT, receipt_method=RECEIPT_METHODS[Service.Method.DIRECT]
    ) | models.Q(
        models.Q(receipt_entrusted_person__isnull=False) & ~models.Q(receipt_entrusted_person=""),
        method=Service.Method.ENTRUSTED,
        receipt_method=RECEIPT_METHODS[Service.Method.ENTRUSTED],
    )
    return (
        models.Q(receipt__isnull=False, receipt_signed=True)
        & models.Q(receipt__matter_id=models.F("record__matter_id"))
        & method_recorded
    )


def proof_holds() -> models.Q:
    """What each method of 第十三条(五) needs, as one condition on a service row."""
    lodged = models.Q(method=Service.Method.LODGED) & has_text("circumstances") & has_reference()
    mail = (
        models.Q(method=Service.Method.MAIL)
        & models.Q(proof__has_key="postage_voucher")
        & (
            models.Q(proof__has_key="return_receipt")
            | (models.Q(proof__returned=True) & has_text("return_circumstances"))
        )
    )
    fax = models.Q(channel=Service.Channel.FAX) & has_text("fax_time") & has_text("fax_number")
    electronic = (
        models.Q(method=Service.Method.ELECTRONIC, consented=True, served_decision=False)
        & has_reference()
        & (fax | models.Q(channel=Service.Channel.EMAIL))
    )
    public_notice = models.Q(method=Service.Method.PUBLIC_NOTICE) & has_reference()
    for key in ("reason", "method", "process", "notice_text"):
        public_notice &= has_text(key)
    by_receipt = models.Q(method__in=list(RECEIPT_METHODS)) & receipt_holds()
    return by_receipt | lodged | mail | electronic | public_notice


def consented() -> models.Q:
    """行政处罚法 第六十一条: a 电子送达确认书 of the service's matter, for its channel, whose
    current version the party signed."""
    superseded = RecordVersion.objects.filter(
        record=models.OuterRef("record_id"), version__gt=models.OuterRef("version")
    )
    signed = Signature.objects.filter(
        version=models.OuterRef("pk"), signer_role="party", status=Signature.Status.SIGNED
    )
    consents = (
        RecordVersion.objects.filter(
            record__matter_id=models.OuterRef("record__matter_id"),
            record__record_type="electronic_service_consent",
        )
        .exclude(models.Exists(superseded))
        .filter(models.Exists(signed))
    )
    condition = models.Q(pk__in=[])
    for channel, name in CONSENT_CHANNELS.items():
        condition |= models.Q(models.Exists(consents.filter(fields__channel=name)), channel=channel)
    return condition


def lacks(condition: models.Q) -> models.ExpressionWrapper[Any]:
    """True unless ``condition`` is true (a NULL somewhere in it counts as proof missing)."""
    return models.ExpressionWrapper(
        models.Case(models.When(condition, then=False), default=True),
        output_field=models.BooleanField(),
    )


@register
class ServiceProof(Check):
    rule_id = "records.service_proof"
    facts = (
        "method",
        "channel",
        "served_at",
        "recipient",
        "record_id",
        "receipt_id",
        "receipt_version",
        "receipt_method",
        "receipt_signed",
        "consented",
        "served_decision",
        "proof",
    )

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        receipt = latest_version("receipt_id")
        signed = Signature.objects.filter(
            version=models.OuterRef("receipt_version"),
            signer_role="recipient",
            status=Signature.Status.SIGNED,
        )
        rows = scope.narrow(Service.objects.all(), matter="record__matter_id")
        result: models.QuerySet[Any] = (
            rows.annotate(
                receipt_version=models.Subquery(receipt.values("pk")[:1]),
                receipt_method=models.Subquery(
                    receipt.annotate(m=KeyTextTransform("method", "fields")).values("m")[:1]
                ),
                receipt_entrusted_person=models.Subquery(
                    receipt.annotate(e=KeyTextTransform("entrusted_person", "fields")).values("e")[
                        :1
                    ]
                ),
                served_decision=boolean(models.Q(record__record_type__in=decision_codes())),
            )
            .annotate(receipt_signed=models.Exists(signed), consented=boolean(consented()))
            .annotate(
                c_id=models.F("pk"),
                c_agency=models.F("record__agency_id"),
                c_matter=models.F("record__matter_id"),
                c_evidence=const_null(models.BigIntegerField()),
                c_officer=const_null(models.BigIntegerField()),
                c_due=const_null(models.DateTimeField()),
                c_done=const_null(models.DateTimeField()),
            )
            .annotate(c_breached=lacks(proof_holds()))
        )
        return result

    def describe(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Name what is missing, for the reader of the finding."""
        missing: list[str] = []
        method = facts["method"]
        if method in RECEIPT_METHODS:
            if facts["receipt_id"] is None:
                missing.append("receipt")
            else:
                if not facts["receipt_signed"]:
                    missing.append("receipt.recipient_signature")
                if facts["receipt_method"] != RECEIPT_METHODS[method]:
                    missing.append("receipt.method")
        elif method == Service.Method.ELECTRONIC:
            if not facts["consented"]:
                missing.append("electronic_service_consent")
            if facts["served_decision"]:
                missing.append("not_a_decision")
        if not missing:
            missing.append("proof")
        return {**facts, "missing": missing}
