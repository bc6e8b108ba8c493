"""Audio/video recording: when it is mandatory (第十四条), notice before it (第十七条), and the
device it was made with (第二十三条).

``recording.av_mandatory`` (第十四条) — subject: the matter. A matter with any of the five
第十四条 flags (``av_*``) that has left 程序启动 must have at least one video or audio evidence
*currently* bound to it ("the latest binding counts": evidence moved to another matter no
longer counts here). ``c_done`` is the first time such evidence was bound; there is no deadline,
so the rule is broken exactly while none is bound.

``recording.notice`` (第十七条: 使用音、视频设备记录时，应当事先告知对方) — subject: the
acquisition. The acquisition states whether the party was told (``notice_given``):

- ``False`` with no ``interruption_reason``: the officer says the party was not told and gives
  no reason — the rule is broken.
- ``False`` with a reason (why notice or recording was impossible, e.g. an emergency or an
  obstructed inspection): recorded as a justified omission, not a breach; the reason stays on
  the acquisition for review.
- ``NULL`` ("not stated", e.g. an upload from a station that does not carry the notice facts):
  **not** a breach. 第十七条 forbids recording without notice; the absence of a statement is
  not evidence that notice was skipped, and the written records (笔录 with "告知" fields) carry
  the notice as well. This is the reading of rules.json ("notice_given 不为否").
- ``True``: met.

``devices.assigned_officer`` (第二十三条: 设备仅限于执法人员…使用，不得…借给他人使用) —
subject: the acquisition. Broken when ingest attached an ``evidence.AcquisitionFinding`` with
code ``device.not_assigned`` or ``device.assignee_not_enforcement_officer`` (see
``devices.findings.check_device``: the registry at capture time). The recording officer answers.

Acquisitions and their findings are append-only (第二十六条), so a breach of 第十七条 or
第二十三条 is a fact of how the recording was made: it cannot be undone, and its finding stays
open until reviewed; a justified exception is recorded as an ``Explanation``. Its finding closes
only if its subject no longer breaks the rule (which, with append-only rows, does not happen).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from lawtrail.compliance.checks.base import Check, Scope, boolean, const_null, register
from lawtrail.compliance.checks.uploads import acquisition_agency, first_matter
from lawtrail.devices.findings import Code
from lawtrail.evidence.models import Acquisition, AcquisitionFinding, Binding, Evidence
from lawtrail.matters.models import Matter, Stage

AV_KINDS = (Evidence.Kind.VIDEO, Evidence.Kind.AUDIO)
AV_FLAGS = (
    "av_contentious",
    "av_personal_rights",
    "av_major_event",
    "av_complaint",
    "av_emergency",
)
DEVICE_CODES = (Code.NOT_ASSIGNED.value, Code.ASSIGNEE_NOT_ENFORCEMENT.value)


def any_av_flag() -> models.Q:
    condition = models.Q()
    for flag in AV_FLAGS:
        condition |= models.Q(**{flag: True})
    return condition


def current_av_bindings() -> models.QuerySet[Binding]:
    """Video and audio bindings to the outer matter that are still the evidence's latest."""
    later = Binding.objects.filter(evidence=models.OuterRef("evidence_id")).filter(
        models.Q(bound_at__gt=models.OuterRef("bound_at"))
        | models.Q(bound_at=models.OuterRef("bound_at"), pk__gt=models.OuterRef("pk"))
    )
    return Binding.objects.filter(
        matter=models.OuterRef("pk"), evidence__kind__in=AV_KINDS
    ).exclude(models.Exists(later))


def acquisitions(scope: Scope) -> models.QuerySet[Acquisition]:
    return scope.narrow(
        Acquisition.objects.all(), matter="evidence__bindings__matter_id", evidence="evidence_id"
    ).distinct()


def acquisition_columns() -> dict[str, Any]:
    return {
        "c_id": models.F("pk"),
        "c_agency": acquisition_agency(),
        "c_matter": first_matter(),
        "c_evidence": models.F("evidence_id"),
        "c_officer": models.F("officer_id"),
        "c_due": const_null(models.DateTimeField()),
        "c_done": const_null(models.DateTimeField()),
    }


@register
class AudioVideoMandatory(Check):
    rule_id = "recording.av_mandatory"
    facts = ("stage", *AV_FLAGS, "av_evidence")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        bound = current_av_bindings()
        count = bound.order_by().values("matter").annotate(n=models.Count("pk")).values("n")
        first = bound.order_by("bound_at", "pk").values("bound_at")[:1]
        rows = scope.narrow(
            Matter.objects.filter(any_av_flag()).exclude(stage=Stage.INITIATION), matter="pk"
        )
        result: models.QuerySet[Any] = rows.annotate(
            av_evidence=models.functions.Coalesce(
                models.Subquery(count, output_field=models.IntegerField()), 0
            ),
            c_id=models.F("pk"),
            c_agency=models.F("agency_id"),
            c_matter=models.F("pk"),
            c_evidence=const_null(models.BigIntegerField()),
            c_officer=const_null(models.BigIntegerField()),
            c_due=const_null(models.DateTimeField()),
            c_done=models.Subquery(first, output_field=models.DateTimeField()),
        ).annotate(c_breached=boolean(models.Q(av_evidence=0)))
        return result

    def describe(self, facts: dict[str, Any]) -> dict[str, Any]:
        flags = [flag for flag in AV_FLAGS if facts.get(flag)]
        rest = {k: v for k, v in facts.items() if k not in AV_FLAGS}
        return {**rest, "situations": flags}


@register
class NoticeBeforeRecording(Check):
    rule_id = "recording.notice"
    facts = ("notice_given", "notice_method", "interruption_reason", "recorded_from", "filename")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        return (
            acquisitions(scope)
            .annotate(**acquisition_columns())
            .annotate(c_breached=boolean(models.Q(notice_given=False, interruption_reason="")))
        )


@register
class DeviceAssignedToOfficer(Check):
    rule_id = "devices.assigned_officer"
    facts = ("device_serial", "recorded_from", "device_findings", "finding_code", "finding_detail")

    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        found = AcquisitionFinding.objects.filter(
            acquisition=models.OuterRef("pk"), code__in=DEVICE_CODES
        )
        codes = found.order_by().values("acquisition").annotate(n=models.Count("pk")).values("n")
        first = found.order_by("found_at", "pk")
        return (
            acquisitions(scope)
            .annotate(
                device_findings=models.functions.Coalesce(
                    models.Subquery(codes, output_field=models.IntegerField()), 0
                ),
                finding_code=models.Subquery(first.values("code")[:1]),
                finding_detail=models.Subquery(
                    first.values("detail")[:1], output_field=models.JSONField()
                ),
                **acquisition_columns(),
            )
            # EXISTS, not the count: PostgreSQL semi-joins from the few finding rows instead of
            # counting for each of a million acquisitions (bench/compliance_scan.py).
            .annotate(c_breached=boolean(models.Q(models.Exists(found))))
        )
