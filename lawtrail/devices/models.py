"""The device registry, the collection stations and the record of every dock.

- ``Device``: a recording device of 第九条 in its agency's registry, kept by the equipment
  manager of 第十一条. Its current status and holder are columns that change; their history is
  in the append-only ``StatusChange`` and ``Assignment`` rows (and in the ledger), so the
  holder and status *at capture time* can always be answered (第二十三条).
- ``Station``: a collection station (采集站) of 第十九条, with its own service login.
- ``DockSession``: one device docked at one station, from docking to undocking.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """记录设备: an audio/video recording device of 第九条 in its agency's registry (第十一条)."""

    class Kind(models.TextChoices):
        BODY_CAMERA = "body_camera", _("Body-worn camera (执法记录仪)")
        MOBILE_TERMINAL = "mobile_terminal", _("Mobile enforcement terminal (移动执法终端)")
        CAMERA = "camera", _("Photo or video camera (照相摄像设备)")
        AUDIO_RECORDER = "audio_recorder", _("Audio recorder (录音设备)")
        INTERVIEW_ROOM = "interview_room", _("Interview-room system (执法询问室)")
        HEARING_ROOM = "hearing_room", _("Hearing-room system (听证室)")
        MONITORING = "monitoring", _("Monitoring equipment (监控、监测设备)")
        OTHER = "other", _("Other equipment of 第九条")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        IN_REPAIR = "in_repair", _("In repair")
        RETIRED = "retired", _("Retired")

    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    model = models.CharField(_("model"), max_length=100, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="devices",
    )
    # The current status and holder; the history is in StatusChange and Assignment.
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.IN_SERVICE
    )
    holder = models.ForeignKey(
        "agencies.Officer",
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["serial"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return self.serial


class Assignment(models.Model):
    """A device handed to an officer (or taken back: ``officer`` None) from ``since`` on.

    Append-only: the latest row counts, and the holder at a moment is the latest row with
    ``since`` at or before it (第二十三条: 不得借给他人使用).
    """

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="assignments")
    officer = models.ForeignKey(
        "agencies.Officer",
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="device_assignments",
    )
    since = models.DateTimeField(_("from"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["since", "id"]
        indexes = [models.Index(fields=["device", "since"])]

    def __str__(self) -> str:
        return f"{self.device} → {self.officer or '-'} ({self.since:%Y-%m-%d %H:%M})"


class StatusChange(models.Model):
    """The status a device has from ``since`` on (in service, in repair, retired). Append-only."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="status_changes")
    status = models.CharField(_("status"), max_length=16, choices=Device.Status.choices)
    since = models.DateTimeField(_("from"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["since", "id"]
        indexes = [models.Index(fields=["device", "since"])]

    def __str__(self) -> str:
        return f"{self.device} {self.status} ({self.since:%Y-%m-%d %H:%M})"


class Station(models.Model):
    """采集站: the dock PC of an agency that uploads recordings and charges devices (第十九条).

    It signs in with its own service login (``station-<id>``: no password, no officer profile,
    no matters) and a bearer token on it. The heartbeat columns are the latest the station
    reported; they are telemetry, not records (docs/decisions/0013-station-protocol.md).
    """

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="stations",
    )
    name = models.CharField(_("name"), max_length=100)
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    login = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="station"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_seen_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    queue_files = models.PositiveIntegerField(_("files waiting"), default=0)
    queue_bytes = models.PositiveBigIntegerField(_("bytes waiting"), default=0)
    uploading = models.PositiveIntegerField(_("uploads running"), default=0)
    bytes_per_second = models.PositiveBigIntegerField(_("throughput (bytes/s)"), default=0)
    agent_version = models.CharField(_("agent version"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("collection station")
        verbose_name_plural = _("collection stations")
        ordering = ["agency__path", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="station_name_per_agency")
        ]

    def __str__(self) -> str:
        return self.name


class DockSession(models.Model):
    """One device docked at one station (第十九条): who, when, the clocks, what was moved.

    The times the station reports are on its own clock; ``received_at`` is the server's. The
    counts move while the station uploads and stop at undocking. A device that is not in the
    registry is recorded too (``device`` None, ``serial`` as given) with a finding: its files
    are evidence all the same.
    """

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="docks")
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="docks"
    )
    serial = models.CharField(_("serial number as reported"), max_length=64)
    officer = models.ForeignKey(
        "agencies.Officer",
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    officer_given = models.CharField(_("officer as reported"), max_length=64, blank=True)
    docked_at = models.DateTimeField(_("docked at"))
    undocked_at = models.DateTimeField(_("undocked at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"))
    station_clock = models.DateTimeField(_("station clock"))
    device_clock = models.DateTimeField(_("device clock"), null=True, blank=True)
    clock_offset_seconds = models.DecimalField(
        _("device clock minus station clock (s)"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
    )
    battery_percent = models.PositiveSmallIntegerField(_("battery %"), null=True, blank=True)
    files_found = models.PositiveIntegerField(_("files found"), default=0)
    bytes_found = models.PositiveBigIntegerField(_("bytes found"), default=0)
    files_uploaded = models.PositiveIntegerField(_("files uploaded"), default=0)
    bytes_uploaded = models.PositiveBigIntegerField(_("bytes uploaded"), default=0)
    files_failed = models.PositiveIntegerField(_("files failed"), default=0)
    # The registry's findings at docking ({code, detail}); those of each recording are kept
    # with its acquisition (evidence.AcquisitionFinding).
    findings = models.JSONField(_("findings"), default=list)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("dock session")
        verbose_name_plural = _("dock sessions")
        ordering = ["-docked_at", "-id"]
        indexes = [
            models.Index(fields=["device", "docked_at"]),
            models.Index(fields=["station", "docked_at"]),
            models.Index(fields=["serial"]),
        ]

    def __str__(self) -> str:
        return f"{self.serial} @ {self.station} {self.docked_at:%Y-%m-%d %H:%M}"

    @property
    def open(self) -> bool:
        return self.undocked_at is None
