"""The append-only event log (审计账本).

Every change of state, and every read that the regulation wants known (第二十条), is one
``Event``. Its ``body`` holds the canonical bytes (see ``canonical.py``) that a Merkle tree will
hash; the other columns repeat parts of it for querying. Database triggers refuse UPDATE and
DELETE on this table (第二十六条 forbids deleting or altering records).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    seq = models.BigIntegerField(_("sequence number"), unique=True, editable=False)
    at = models.DateTimeField(_("time"), editable=False)
    actor = models.CharField(_("actor"), max_length=150, editable=False)
    actor_id = models.BigIntegerField(_("actor id"), null=True, editable=False)
    action = models.CharField(_("action"), max_length=64, editable=False, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, editable=False)
    object_id = models.CharField(_("object id"), max_length=64, editable=False)
    # A domain-free grouping key such as "matter/42", so that a matter's timeline is one query.
    context = models.CharField(_("context"), max_length=96, editable=False, db_index=True)
    body = models.BinaryField(_("canonical bytes"), editable=False)
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}/{self.object_id}"


class LogHead(models.Model):
    """One row per log: the next sequence number. Appenders lock it, so sequence is gapless."""

    name = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField(default=0)
    # The Merkle frontier after ``size`` leaves: (level, hash) pairs, so appends need no reads.
    frontier = models.BinaryField(default=b"")

    class Meta:
        verbose_name = _("log head")


class Node(models.Model):
    """A complete perfect subtree of the Merkle tree (level ≥ 1; leaves live on Event).

    ``key`` packs (level, index) into one integer so a proof fetches all its nodes in one
    query: key = level << 56 | index, where the node covers leaves
    [index·2^level, (index+1)·2^level).
    """

    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("tree node")

    @staticmethod
    def key_for(level: int, index: int) -> int:
        return level << 56 | index


class Checkpoint(models.Model):
    """A signed tree head (C2SP tlog-checkpoint as a signed note). Every one is kept."""

    size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Cosignature(models.Model):
    """A witness's signature line on one of our checkpoints."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.CharField(_("witness"), max_length=200)
    line = models.TextField(_("signature line"))
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("cosignature")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_each")
        ]


class WitnessedLog(models.Model):
    """On a witness (the provincial node): a log it follows and the last checkpoint it signed."""

    origin = models.CharField(_("origin"), max_length=200, unique=True)
    verifier_key = models.TextField(_("verifier key"))
    size = models.BigIntegerField(_("last cosigned size"), default=0)
    root_hash = models.BinaryField(_("last cosigned root"), max_length=32, null=True)
    note = models.TextField(_("last cosigned checkpoint"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), null=True)

    class Meta:
        verbose_name = _("witnessed log")


class WitnessAlarm(models.Model):
    """A split view or rewritten history a witness refused: kept forever as evidence, and
    reported to the provincial operator (``lawtrail ledger witness alarms``, ``lawtrail
    verify``, ``GET /api/v1/witness/alarms``)."""

    origin = models.CharField(max_length=200)
    reason = models.TextField()
    presented = models.TextField()
    known = models.TextField()
    at = models.DateTimeField()
    # Who sent the refused checkpoint (the unit's API account); null for alarms kept before
    # this was recorded.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("witness alarm")
