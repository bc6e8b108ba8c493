"""Compliance data: the working-day calendar, rule settings, findings, assessments, audits.

第二十四条 makes the recording system part of every agency's annual assessment; 第二十五条 and
第二十六条 list what goes wrong. A ``Finding`` is one rule broken by one subject (a matter, an
acquisition, a record, a service). It opens and closes with the facts of why, is never deleted
(database triggers, migration 0002) and can be explained — a justified exception, recorded by
whom and why — but not hidden.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency, Officer
from lawtrail.evidence.models import Evidence
from lawtrail.matters.models import Matter


class CalendarDay(models.Model):
    """One day of the working-day calendar (行政处罚法 第八十五条: 工作日, 不含法定节假日).

    ``working_index`` counts working days up to and including this day, so "N working days
    after D" is the working day whose index is ``index(D) + N``: one indexed lookup in SQL.
    Loaded from ``holidays.json`` (statutory holidays and make-up working days) by
    ``lawtrail compliance calendar load``; years the file does not list count weekends only.
    """

    date = models.DateField(_("date"), primary_key=True)
    is_working = models.BooleanField(_("working day"))
    working_index = models.IntegerField(_("working days up to this day"), db_index=True)
    name = models.CharField(_("name"), max_length=40, blank=True)
    official = models.BooleanField(_("from a State Council notice"), default=False)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'W' if self.is_working else 'H'} {self.working_index}"


class RuleSetting(models.Model):
    """A rule's weight or switch changed from its default in ``rules.json`` (第二十四条)."""

    rule_id = models.CharField(_("rule"), max_length=48, primary_key=True)
    weight = models.PositiveIntegerField(_("weight"))
    enabled = models.BooleanField(_("enabled"), default=True)
    changed_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed at"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("rule setting")
        verbose_name_plural = _("rule settings")

    def __str__(self) -> str:
        return f"{self.rule_id} {self.weight}"


class Finding(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    rule_id = models.CharField(_("rule"), max_length=48)
    article = models.CharField(_("article"), max_length=64)
    severity = models.CharField(_("severity"), max_length=8)
    # "<kind>:<id>", e.g. "matter:12", "acquisition:7"; with rule_id it names what broke what.
    subject = models.CharField(_("what broke the rule"), max_length=64)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="findings"
    )
    matter = models.ForeignKey(
        Matter,
        verbose_name=_("matter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    evidence = models.ForeignKey(
        Evidence,
        verbose_name=_("evidence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    officers = models.ManyToManyField(
        Officer, verbose_name=_("officers answerable"), blank=True, related_name="findings"
    )
    due_at = models.DateTimeField(_("was due at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    opened_because = models.JSONField(_("why it opened"))
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default="open")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_because = models.JSONField(_("why it closed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("compliance findings")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "subject"],
                condition=models.Q(state="open"),
                name="finding_open_once",
            ),
            models.CheckConstraint(
                condition=models.Q(state="open", closed_at__isnull=True)
                | models.Q(state="closed", closed_at__isnull=False),
                name="finding_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "state"]),
            models.Index(fields=["rule_id", "state"]),
            models.Index(fields=["rule_id", "subject"]),
            models.Index(fields=["-opened_at", "-id"], name="finding_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.subject} {self.state}"


class Explanation(models.Model):
    """A justified exception: the finding stays and is still shown, with this reason beside it.

    Append-only; the latest explanation is the one that counts. An assessment leaves explained
    findings out of the score (第二十四条) and lists them.
    """

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="explanations"
    )
    by = models.ForeignKey(
        Officer, verbose_name=_("explained by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("explanation")
        verbose_name_plural = _("explanations")
        ordering = ["finding_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.finding_id} {self.at:%Y-%m-%d}"


class ScanState(models.Model):
    """A single row that serialises evaluations: each locks it before it reads and writes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_full_scan_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scan state")
        verbose_name_plural = _("scan state")

    def __str__(self) -> str:
        return f"scan state {self.last_full_scan_at}"


class PendingEvaluation(models.Model):
    """The outbox of incremental evaluation: a matter, evidence or acquisition an event touched,
    written in the event's own transaction and drained by a background task (``hooks.py``)."""

    class Kind(models.TextChoices):
        MATTER = "matter", _("Matter")
        EVIDENCE = "evidence", _("Evidence")
        ACQUISITION = "acquisition", _("Acquisition")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField(_("object id"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("pending evaluation")
        verbose_name_plural = _("pending evaluations")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class Assessment(models.Model):
    """A published annual assessment (第二十四条): the scores and what they were made from."""

    year = models.PositiveSmallIntegerField(_("year"))
    made_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(_("made at"))
    weights = models.JSONField(_("weights used"))
    results = models.JSONField(_("results"))
    digest = models.CharField(_("SHA-256 of the results"), max_length=64)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-year", "-made_at"]

    def __str__(self) -> str:
        return f"{self.year} {self.made_at:%Y-%m-%d}"


class AuditSample(models.Model):
    """第十一条 internal audit: N matters of one unit drawn at random, with a checklist."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="audit_samples"
    )
    drawn_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("drawn at"))
    period_from = models.DateField(_("matters opened from"))
    period_to = models.DateField(_("matters opened to"))
    size = models.PositiveIntegerField(_("sample size"))
    seed = models.CharField(_("random seed"), max_length=64)
    population = models.PositiveIntegerField(_("matters to draw from"))
    checklist = models.JSONField(_("checklist"))

    class Meta:
        verbose_name = _("audit sample")
        verbose_name_plural = _("audit samples")
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.drawn_at:%Y-%m-%d}"


class AuditItem(models.Model):
    sample = models.ForeignKey(
        AuditSample, verbose_name=_("sample"), on_delete=models.PROTECT, related_name="items"
    )
    matter = models.ForeignKey(
        Matter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        verbose_name = _("audit item")
        verbose_name_plural = _("audit items")
        ordering = ["sample_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "matter"], name="audit_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}#{self.position}"


class AuditResult(models.Model):
    """The checklist answered for one sampled matter; append-only, the latest counts."""

    item = models.ForeignKey(
        AuditItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="results"
    )
    answers = models.JSONField(_("answers"))
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("audit result")
        verbose_name_plural = _("audit results")
        ordering = ["item_id", "checked_at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.checked_at:%Y-%m-%d}"
