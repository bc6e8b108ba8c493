"""Evidence (音像记录/证据) and the resumable uploads that bring it in (第十九条)."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Upload(models.Model):
    """A tus upload in progress. Its bytes live in a partial file until it is complete.

    ``offset`` is the number of bytes fsynced and acknowledged; the partial file may hold more
    after a crash, and those bytes are cut off before the next write (they were never
    acknowledged). An upload is never evidence: ingest makes evidence from a complete one.
    """

    class State(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        COMPLETE = "complete", _("Complete, waiting for ingest")
        INGESTED = "ingested", _("Ingested")
        FAILED = "failed", _("Ingest failed")
        TERMINATED = "terminated", _("Terminated")
        EXPIRED = "expired", _("Expired before it was complete")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads"
    )
    length = models.BigIntegerField(_("length"))
    offset = models.BigIntegerField(_("offset"), default=0)
    metadata = models.JSONField(_("metadata"), default=dict)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.RECEIVING
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"upload {self.id} {self.offset}/{self.length}"

    @property
    def path(self) -> Path:
        return Path(settings.LAWTRAIL_HOME) / "uploads" / f"{self.id}.part"


class Evidence(models.Model):
    """音像记录/证据: one original, stored once by content (第十九条). Never changed or deleted.

    The row is written only after the bytes are durable in the store, and database triggers
    refuse UPDATE and DELETE on it (第二十六条). What changes over time — the matter it is bound
    to, its working copies — lives in append-only rows that point here.
    """

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")
        OTHER = "other", _("Other")

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    sm3 = models.CharField(_("SM3"), max_length=64)
    size = models.BigIntegerField(_("size in bytes"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    # Probe results (container, codecs, duration, resolution, frame rate, creation time, GPS).
    media = models.JSONField(_("media facts"), default=dict)
    readable = models.BooleanField(_("readable media"), default=True)
    store = models.CharField(_("store"), max_length=16)
    store_version = models.CharField(_("store version id"), max_length=200, blank=True)
    stored_at = models.DateTimeField(_("stored at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-stored_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class Acquisition(models.Model):
    """One arrival of an original: who brought it, when, from which device and station.

    Identical content is stored once, but every acquisition is its own record. The 48-hour
    clock of 第十九条 runs from ``recorded_to`` to ``acquired_at``.
    """

    class Source(models.TextChoices):
        TUS = "tus", _("Resumable upload")
        CLI = "cli", _("Command line")
        BROWSER = "browser", _("Browser")
        STATION = "station", _("Collection station")

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="acquisitions")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    upload = models.OneToOneField(
        Upload, null=True, blank=True, on_delete=models.PROTECT, related_name="acquisition"
    )
    acquired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acquired_at = models.DateTimeField(_("acquired at"))
    filename = models.CharField(_("original file name"), max_length=255, blank=True)
    officer = models.ForeignKey(
        "agencies.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device_serial = models.CharField(_("device serial"), max_length=64, blank=True)
    station = models.CharField(_("station"), max_length=64, blank=True)
    recorded_from = models.DateTimeField(_("recording started"), null=True, blank=True)
    recorded_to = models.DateTimeField(_("recording ended"), null=True, blank=True)
    gis = models.JSONField(_("GIS points"), default=list)
    # 第十七条: the party is told before recording; how, or why not.
    notice_given = models.BooleanField(_("party told before recording"), null=True)
    notice_method = models.CharField(_("how the party was told"), max_length=200, blank=True)
    interruption_reason = models.TextField(
        _("why recording was skipped or interrupted"), blank=True
    )
    declared_sha256 = models.CharField(
        _("SHA-256 declared by the client"), max_length=64, blank=True
    )
    # 第十九条 and decision 0013: the collection station that uploaded it and the dock session
    # it came from. Nullable without defaults, so that adding them never rewrites the
    # append-only table.
    collection_station = models.ForeignKey(
        "devices.Station",
        verbose_name=_("collection station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acquisitions",
    )
    dock = models.ForeignKey(
        "devices.DockSession",
        verbose_name=_("dock session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="acquisitions",
    )
    # The device's own clock: its times as it stated them and its offset from the station's
    # clock (device minus station); recorded_from/recorded_to above are the corrected times.
    clock_offset_seconds = models.DecimalField(
        _("device clock minus station clock (s)"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
    )
    device_recorded_from = models.DateTimeField(
        _("recording started, device clock"), null=True, blank=True
    )
    device_recorded_to = models.DateTimeField(
        _("recording ended, device clock"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("acquisition")
        verbose_name_plural = _("acquisitions")
        ordering = ["acquired_at", "id"]
        indexes = [models.Index(fields=["officer", "acquired_at"])]


class AcquisitionFinding(models.Model):
    """What the device registry found about how a recording was made (第二十三条): an unknown,
    retired or in-repair device, a device not assigned to the recording officer at capture
    time, or one assigned to someone who is not an enforcement officer. The recording is kept
    all the same; the finding is attached to its acquisition and never changed or deleted.

    ``code`` is one of ``lawtrail.devices.findings.Code``; the sentence is made from ``code``
    and ``detail`` when it is read, in the reader's language.
    """

    acquisition = models.ForeignKey(Acquisition, on_delete=models.PROTECT, related_name="findings")
    code = models.CharField(_("code"), max_length=64)
    article = models.CharField(_("article"), max_length=16)
    detail = models.JSONField(_("detail"), default=dict)
    found_at = models.DateTimeField(_("found at"))

    class Meta:
        verbose_name = _("acquisition finding")
        verbose_name_plural = _("acquisition findings")
        ordering = ["found_at", "id"]
        indexes = [models.Index(fields=["code", "found_at"])]

    def __str__(self) -> str:
        return f"{self.code} ({self.acquisition_id})"


class Binding(models.Model):
    """Evidence bound to a matter (at upload or later). The latest binding counts."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="bindings")
    matter = models.ForeignKey(
        "matters.Matter", on_delete=models.PROTECT, related_name="evidence_bindings"
    )
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    bound_at = models.DateTimeField(_("bound at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("binding")
        verbose_name_plural = _("bindings")
        ordering = ["bound_at", "id"]


class Derivative(models.Model):
    """工作副本: a working copy made from an original, never the original itself (第十九条).

    It records the source digest, the tools and the exact parameters, so anyone can make it
    again and compare. When the binding changes a new derivative is made; old ones are kept.
    """

    class Kind(models.TextChoices):
        WORKING_COPY = "working_copy", _("Watermarked working copy")
        THUMBNAIL = "thumbnail", _("Thumbnail")

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="derivatives")
    binding = models.ForeignKey(
        Binding, null=True, blank=True, on_delete=models.PROTECT, related_name="derivatives"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    sm3 = models.CharField(_("SM3"), max_length=64)
    size = models.BigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    source_sha256 = models.CharField(_("SHA-256 of the original"), max_length=64)
    watermark = models.JSONField(_("watermark lines"), default=list)
    parameters = models.JSONField(_("parameters"), default=dict)
    tools = models.JSONField(_("tool versions"), default=dict)
    made_at = models.DateTimeField(_("made at"))
    seconds = models.CharField(_("time taken in seconds"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("derivative")
        verbose_name_plural = _("derivatives")
        ordering = ["made_at", "id"]
        indexes = [models.Index(fields=["evidence", "kind"])]
