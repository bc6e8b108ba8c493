"""The append-only event log (审计账本).

Every change of state, and every read that the regulation wants known (第二十条), is one
``Event``. Its ``body`` holds the canonical bytes (see ``canonical.py``) that a Merkle tree will
hash; the other columns repeat parts of it for querying. Database triggers refuse UPDATE and
DELETE on this table (第二十六条 forbids deleting or altering records).
"""

from __future__ import annotations

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

    class Meta:
        verbose_name = _("log head")
