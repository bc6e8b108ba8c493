"""Written records (文书/笔录, 第八条, 第十三条), their versions, signatures and service.

Nothing here is ever changed or deleted (第二十六条 forbids altering or deleting records):
database triggers refuse UPDATE and DELETE on these tables (migration 0002). A correction is a
new ``RecordVersion`` that points at the version it corrects and says why; a signature belongs
to the version that was signed; a service (送达) names the version that was served.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lawtrail.agencies.models import Agency, Officer
from lawtrail.matters.models import Matter


class Record(models.Model):
    """One document of a matter, typed by a code of the catalogue (``catalogue.json``)."""

    matter = models.ForeignKey(
        Matter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="records"
    )
    # Always the matter's agency; kept here so the database can hold 文号 unique per agency.
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    record_type = models.CharField(_("record type"), max_length=40)
    number = models.CharField(_("document number (文号)"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        Officer, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "number"],
                condition=~models.Q(number=""),
                name="record_number_unique_per_agency",
            )
        ]
        indexes = [models.Index(fields=["matter", "record_type"])]

    def __str__(self) -> str:
        return f"{self.record_type} {self.number or self.pk}"

    def current_version(self) -> RecordVersion:
        """The latest version: what the record says now."""
        version = self.versions.order_by("-version").first()
        if version is None:  # pragma: no cover - create_record writes version 1 with the record
            raise RecordVersion.DoesNotExist(f"record {self.pk} has no version")
        return version


class RecordVersion(models.Model):
    """The content of a record at one time; version 1 is the original, later ones correct."""

    record = models.ForeignKey(
        Record, verbose_name=_("record"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    fields = models.JSONField(_("fields"))
    created_by = models.ForeignKey(
        Officer, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.TextField(_("reason for the correction"), blank=True)
    digest = models.CharField(_("SHA-256 of the canonical fields"), max_length=64)

    class Meta:
        verbose_name = _("record version")
        verbose_name_plural = _("record versions")
        ordering = ["record_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="record_version_unique"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="record_version_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version}"


class Signature(models.Model):
    """签字 or 拒签 on one version (第十三条(三)).

    ``signed`` keeps the handwritten signature (PNG) and its SHA-256; ``refused`` and ``unable``
    record the circumstances and the officers who witnessed them.
    """

    class Status(models.TextChoices):
        SIGNED = "signed", _("Signed")
        REFUSED = "refused", _("Refused to sign")
        UNABLE = "unable", _("Unable to sign")

    version = models.ForeignKey(
        RecordVersion,
        verbose_name=_("record version"),
        on_delete=models.PROTECT,
        related_name="signatures",
    )
    signer_role = models.CharField(_("signer role"), max_length=32)
    signer_name = models.CharField(_("signer name"), max_length=100)
    # Set when an officer signs in an officer role: always the login that made the signature.
    signer_officer = models.ForeignKey(
        Officer,
        verbose_name=_("signing officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    image = models.BinaryField(_("signature image (PNG)"), null=True, blank=True)
    image_sha256 = models.CharField(_("SHA-256 of the image"), max_length=64, blank=True)
    circumstances = models.TextField(_("circumstances"), blank=True)
    witnesses = models.ManyToManyField(
        Officer, verbose_name=_("witnessing officers"), blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        Officer, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["version_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.signer_role} {self.signer_name} {self.status}"


class Service(models.Model):
    """送达 of a document by one of the six methods of 第十三条(五), with its proof."""

    class Method(models.TextChoices):
        DIRECT = "direct", _("Direct service (直接送达)")
        LODGED = "lodged", _("Lodged service (留置送达)")
        MAIL = "mail", _("Service by mail (邮寄送达)")
        ELECTRONIC = "electronic", _("Fax or e-mail (传真、电子邮件送达)")
        ENTRUSTED = "entrusted", _("Entrusted service (委托送达)")
        PUBLIC_NOTICE = "public_notice", _("Service by public notice (公告送达)")

    class Channel(models.TextChoices):
        NONE = "", _("None")
        FAX = "fax", _("Fax")
        EMAIL = "email", _("E-mail")

    record = models.ForeignKey(
        Record,
        verbose_name=_("document served"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    # The version the recipient received; a correction served later is a new service.
    version = models.ForeignKey(
        RecordVersion,
        verbose_name=_("version served"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, blank=True, default=""
    )
    served_at = models.DateTimeField(_("served at"))
    recipient = models.CharField(_("recipient"), max_length=200)
    proof = models.JSONField(_("proof"), default=dict)
    receipt = models.ForeignKey(
        Record,
        verbose_name=_("service receipt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        Officer, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["served_at", "id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.method} {self.served_at:%Y-%m-%d}"
