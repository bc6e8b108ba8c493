"""Enforcement matters (执法事项/案件), their parties, handlers, places and approvals.

第二条 names the kinds of matter, 第三条 the five stages every matter moves through, 第十四条
the situations in which audio/video recording is mandatory and 第十六条 the internal approval
flow that must be recorded step by step.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency, Officer
from lawtrail.matters.identifiers import validate_resident_id, validate_uscc


class Kind(models.TextChoices):
    """第二条. 行政强制 measures are recorded inside these matters, not as a kind of their own."""

    LICENSE = "license", _("Administrative licensing (行政许可)")
    INSPECTION = "inspection", _("Administrative inspection (行政检查)")
    SAMPLING = "sampling", _("Administrative sampling (行政抽检)")
    PENALTY = "penalty", _("Administrative penalty (行政处罚)")


class Stage(models.TextChoices):
    """第三条: 程序启动 → 调查取证 → 审查决定 → 送达执行 → 归档管理."""

    INITIATION = "initiation", _("Initiation (程序启动)")
    INVESTIGATION = "investigation", _("Investigation (调查取证)")
    REVIEW = "review", _("Review and decision (审查决定)")
    EXECUTION = "execution", _("Service and execution (送达执行)")
    ARCHIVING = "archiving", _("Archiving (归档管理)")


STAGE_ORDER = [s.value for s in Stage]


class Procedure(models.TextChoices):
    GENERAL = "general", _("General procedure")
    SIMPLIFIED = "simplified", _("Simplified procedure (简易程序)")


class Party(models.Model):
    """当事人: a natural person (resident ID number) or an organisation (credit code)."""

    class Type(models.TextChoices):
        PERSON = "person", _("Natural person")
        ORGANISATION = "organisation", _("Organisation")

    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    name = models.CharField(_("name"), max_length=200)
    id_number = models.CharField(
        _("resident ID number"), max_length=18, blank=True, validators=[validate_resident_id]
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("registered by agency"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        return self.id_number if self.type == self.Type.PERSON else self.credit_code


class Matter(models.Model):
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="matters"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    procedure = models.CharField(
        _("procedure"), max_length=16, choices=Procedure.choices, default=Procedure.GENERAL
    )
    number = models.CharField(_("matter number"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.INITIATION
    )
    parties = models.ManyToManyField(Party, verbose_name=_("parties"), related_name="matters")
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        Officer, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    # The end of the enforcement action: the 30-day archiving clock of 第十八条 starts here.
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    # 第十四条: any of these makes audio/video recording mandatory.
    av_contentious = models.BooleanField(
        _("contentious on-site action (inspection, evidence, hearing, coercion, service)"),
        default=False,
    )
    av_personal_rights = models.BooleanField(
        _("touches personal freedom, life, health or major property"), default=False
    )
    av_major_event = models.BooleanField(
        _("major event, important meeting or case assigned from above"), default=False
    )
    av_complaint = models.BooleanField(_("complaint, petition or report"), default=False)
    av_emergency = models.BooleanField(_("public-health emergency or disaster"), default=False)

    # 第十三条(四): decisions that need 法制审核 or 集体讨论 before the head decides.
    needs_legal_review = models.BooleanField(_("needs legal review (法制审核)"), default=False)
    needs_collective_discussion = models.BooleanField(
        _("needs collective discussion (集体讨论)"), default=False
    )

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="matter_number_unique")
        ]
        indexes = [
            models.Index(fields=["agency", "stage"]),
            models.Index(fields=["agency", "kind"]),
            # Keyset pages, newest first (DESIGN.md §6a): within one agency, and across many.
            models.Index(fields=["agency", "-opened_at", "-id"], name="matter_agency_newest"),
            models.Index(fields=["-opened_at", "-id"], name="matter_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def context(self) -> str:
        """The ledger context that groups this matter's events (its timeline)."""
        return f"matter/{self.pk}"

    @property
    def av_mandatory(self) -> bool:
        return any(
            (
                self.av_contentious,
                self.av_personal_rights,
                self.av_major_event,
                self.av_complaint,
                self.av_emergency,
            )
        )

    def next_stage(self) -> str | None:
        index = STAGE_ORDER.index(self.stage)
        return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None


class Handler(models.Model):
    """承办人: an officer handling a matter; investigation needs two certified ones (行政处罚法
    第四十二条)."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="handlers")
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="handled")
    is_lead = models.BooleanField(_("lead handler"), default=False)
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("handler")
        verbose_name_plural = _("handlers")
        constraints = [
            models.UniqueConstraint(fields=["matter", "officer"], name="handler_once_per_matter")
        ]

    def __str__(self) -> str:
        return str(self.officer)


class GisPoint(models.Model):
    """A place of the matter. Stored in WGS-84; a point given in GCJ-02 keeps what was given."""

    class Datum(models.TextChoices):
        WGS84 = "WGS-84", "WGS-84"
        GCJ02 = "GCJ-02", "GCJ-02"

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="gis_points")
    label = models.CharField(_("label"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude (WGS-84)"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude (WGS-84)"), max_digits=9, decimal_places=6)
    given_datum = models.CharField(_("datum given"), max_length=8, choices=Datum.choices)
    given_latitude = models.DecimalField(_("latitude as given"), max_digits=9, decimal_places=6)
    given_longitude = models.DecimalField(_("longitude as given"), max_digits=9, decimal_places=6)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("GIS point")
        verbose_name_plural = _("GIS points")

    def __str__(self) -> str:
        return f"{self.label} {self.latitude},{self.longitude}".strip()


class StageChange(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class Approval(models.Model):
    """审批: one step of the internal approval flow (第十六条), decided by the agency head."""

    class Subject(models.TextChoices):
        FILING = "filing", _("Opening the case (立案)")
        DECISION = "decision", _("Enforcement decision (行政执法决定)")
        COERCIVE_MEASURE = "coercive_measure", _("Coercive measure (行政强制措施)")
        EXTENSION = "extension", _("Extension of a time limit")
        CLOSING = "closing", _("Closing the case (结案)")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="approvals")
    subject = models.CharField(_("subject"), max_length=24, choices=Subject.choices)
    requested_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    request_note = models.TextField(_("request"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING
    )
    decided_by = models.ForeignKey(
        Officer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    opinion = models.TextField(_("opinion"), blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.subject} {self.outcome}"
