"""The provincial offsite copy (第十九条, issue 9): where it goes, what is important, what is there.

``AgencyReplica`` is the one mutable row (an agency's target; every change is a ledger event).
Marks, verified copies and problems are append-only history: database triggers refuse UPDATE
and DELETE on them (migration 0002), like the evidence rows they point to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyReplica(models.Model):
    """An agency's own replica target, used instead of ``LAWTRAIL_REPLICA`` for its evidence
    (and for the evidence of the agencies below it that have none of their own)."""

    agency = models.OneToOneField(
        "agencies.Agency", on_delete=models.PROTECT, related_name="replica_target"
    )
    url = models.CharField(_("replica URL"), max_length=1000)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("agency replica")
        verbose_name_plural = _("agency replicas")

    def __str__(self) -> str:
        from lawtrail.storage.config import redact

        return f"{self.agency_id} → {redact(self.url)}"


class ImportanceMark(models.Model):
    """An officer's or head's word on whether evidence is important; the latest mark wins over
    the rule (行政处罚 matters and 第十四条 situations)."""

    evidence = models.ForeignKey(
        "evidence.Evidence", on_delete=models.PROTECT, related_name="importance_marks"
    )
    important = models.BooleanField(_("important"))
    reason = models.TextField(_("reason"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("marked at"))

    class Meta:
        verbose_name = _("importance mark")
        verbose_name_plural = _("importance marks")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["evidence", "-at", "-id"], name="replica_mark_latest")]


class ReplicaCopy(models.Model):
    """A copy on a replica that was read back and matched its digests."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        METADATA = "metadata", _("Metadata")
        DERIVATIVE = "derivative", _("Working copy")
        CHECKPOINT = "checkpoint", _("Signed checkpoint")

    evidence = models.ForeignKey(
        "evidence.Evidence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replica_copies",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    sm3 = models.CharField(_("SM3"), max_length=64)
    size = models.BigIntegerField(_("size in bytes"))
    #: The replica's URL with its secrets masked (``storage.config.redact``).
    replica = models.CharField(_("replica"), max_length=1000)
    method = models.CharField(_("how it was verified"), max_length=32)
    verified_at = models.DateTimeField(_("verified at"))
    #: For checkpoints: the size of the log the checkpoint signs.
    checkpoint_size = models.BigIntegerField(_("checkpoint size"), null=True, blank=True)

    class Meta:
        verbose_name = _("replica copy")
        verbose_name_plural = _("replica copies")
        ordering = ["verified_at", "id"]
        indexes = [
            models.Index(fields=["replica", "kind", "sha256"], name="replica_copy_lookup"),
            models.Index(fields=["evidence", "kind"], name="replica_copy_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]} on {self.replica}"


class ReplicaProblem(models.Model):
    """Something a sync, a verify or a restore found and could not put right by itself."""

    class Kind(models.TextChoices):
        SOURCE_CORRUPT = "source_corrupt", _("The local original fails its own digest")
        REPLICA_UNREACHABLE = "replica_unreachable", _("The replica could not be reached")
        READ_BACK_FAILED = "read_back_failed", _("The copy read back differs")
        WITNESS_REFUSED = "witness_refused", _("The provincial witness refused to co-sign")

    evidence = models.ForeignKey(
        "evidence.Evidence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replica_problems",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    replica = models.CharField(_("replica"), max_length=1000)
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("found at"))

    class Meta:
        verbose_name = _("replica problem")
        verbose_name_plural = _("replica problems")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["kind", "at"], name="replica_problem_kind")]
