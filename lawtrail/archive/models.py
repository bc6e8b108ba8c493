"""Case files and archive packages (第十八条, 第十九条; 档案法 第三十七条, 第三十九条).

When an enforcement action ends, its written and audio/video records form a case file (案卷)
archived within 30 days. An ``ArchivePackage`` is the BagIt bag of one matter's case file, built
once, validated fully and then never changed (append-only, database triggers); a ``PackageCheck``
is one result of the four checks of DA/T 70 (真实性, 完整性, 可用性, 安全性) on it, at creation and
periodically, each also a ledger event.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Officer
from lawtrail.matters.models import Matter


class Retention(models.TextChoices):
    """保管期限 (档案法; 国家档案局令第8号 and the health-supervision file rules)."""

    PERMANENT = "permanent", _("Permanent (永久)")
    YEARS_30 = "30y", _("30 years (30年)")
    YEARS_10 = "10y", _("10 years (10年)")


class ArchivePackage(models.Model):
    matter = models.OneToOneField(
        Matter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="archive_package"
    )
    archive_number = models.CharField(_("archive number (档号)"), max_length=64, unique=True)
    retention = models.CharField(_("retention period"), max_length=16, choices=Retention.choices)
    # The bag's folder, relative to LAWTRAIL_ARCHIVE_DIR (default: LAWTRAIL_HOME/archive).
    path = models.CharField(_("package folder"), max_length=500)
    # SHA-256 of the bag's tagmanifest-sha256.txt: names the whole bag (it lists every manifest).
    bag_sha256 = models.CharField(_("SHA-256 of the tag manifest"), max_length=64)
    payload_oxum = models.CharField(_("payload size and file count (Payload-Oxum)"), max_length=64)
    files = models.PositiveIntegerField(_("payload files"))
    references = models.PositiveIntegerField(_("originals referenced by digest"), default=0)
    created_by = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("archive package")
        verbose_name_plural = _("archive packages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.archive_number


class PackageCheck(models.Model):
    """One of the four checks (四性检测, DA/T 70) of one package at one time."""

    class Property(models.TextChoices):
        AUTHENTICITY = "authenticity", _("Authenticity (真实性)")
        INTEGRITY = "integrity", _("Integrity (完整性)")
        USABILITY = "usability", _("Usability (可用性)")
        SECURITY = "security", _("Security (安全性)")

    package = models.ForeignKey(
        ArchivePackage, verbose_name=_("package"), on_delete=models.PROTECT, related_name="checks"
    )
    property = models.CharField(_("property"), max_length=16, choices=Property.choices)
    passed = models.BooleanField(_("passed"))
    # Each item checked: {"item": "...", "passed": bool, "detail": "..."}.
    items = models.JSONField(_("items checked"))
    at = models.DateTimeField(_("checked at"))
    # "creation" when the package was made, "periodic" afterwards, "manual" from the CLI.
    occasion = models.CharField(_("occasion"), max_length=16)

    class Meta:
        verbose_name = _("package check")
        verbose_name_plural = _("package checks")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["package", "property", "-at"])]

    def __str__(self) -> str:
        return f"{self.package_id} {self.property} {'ok' if self.passed else 'FAILED'}"
