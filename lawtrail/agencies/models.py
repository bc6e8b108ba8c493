"""Agencies, people, roles and enforcement certificates (第六条, 第十条, 第十一条)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    """执法机构: a health-supervision agency at province, city or county level (第六条)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    region_code = models.CharField(
        _("region code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", _("A region code has six digits."))],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Region codes from the root down, "610000/610100/610102/": scope queries use a prefix.
    path = models.CharField(max_length=255, editable=False, db_index=True)
    short_name = models.CharField(
        _("short name for document numbers"), max_length=8, help_text=_("For example 陕 or 西安.")
    )
    # 第十一条: the unit and the person responsible for the recording work.
    responsible_unit = models.CharField(_("responsible unit"), max_length=100, blank=True)
    responsible_person = models.ForeignKey(
        "Officer",
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    number_template = models.CharField(
        _("document number template"),
        max_length=64,
        default="{short}卫{nature}〔{year}〕{seq}号",
        help_text=_("Placeholders: {short}, {category}, {nature}, {year}, {seq}."),
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        prefix = self.parent.path if self.parent_id and self.parent else ""
        self.path = f"{prefix}{self.region_code}/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def is_within(self, other: Agency) -> bool:
        """True when this agency is ``other`` or below it."""
        return self.path.startswith(other.path)

    def subtree(self) -> models.QuerySet[Agency]:
        return Agency.objects.filter(path__startswith=self.path)


class Role(models.TextChoices):
    OFFICER = "officer", _("Enforcement officer")
    HEAD = "head", _("Agency head")
    LEGAL_REVIEWER = "legal_reviewer", _("Legal reviewer")
    CUSTODIAN = "custodian", _("Records custodian")
    EQUIPMENT_MANAGER = "equipment_manager", _("Equipment manager")
    SUPERVISOR = "supervisor", _("Provincial supervisor")
    ADMIN = "admin", _("System administrator")
    # 审计员: reads the whole ledger, province-wide, and nothing else (decision 0019).
    AUDITOR = "auditor", _("Ledger auditor")


class Officer(models.Model):
    """A person who works in lawtrail: the profile of a login, with agency and roles.

    Only established staff (正式在编) holding a valid certificate are enforcement officers who
    may be a matter's handler; assistants (协助人员) may help record but never lead (第十条).
    """

    class Employment(models.TextChoices):
        ESTABLISHED = "established", _("Established staff (正式在编)")
        CONTRACT = "contract", _("Not established")
        ASSISTANT = "assistant", _("Assistant (协助人员)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="officer"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="officers"
    )
    name = models.CharField(_("name"), max_length=50)
    employment = models.CharField(
        _("employment"), max_length=16, choices=Employment.choices, default=Employment.ESTABLISHED
    )
    roles = models.JSONField(_("roles"), default=list)
    # Kept in sync with roles as ",officer,head," so that a role filter is one LIKE on any DB.
    role_index = models.CharField(max_length=255, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["agency__path", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.roles = sorted(set(self.roles))
        self.role_index = "," + ",".join(self.roles) + ","
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_assistant(self) -> bool:
        return self.employment == self.Employment.ASSISTANT

    def valid_certificate(self, on: datetime.date | None = None) -> Certificate | None:
        on = on or timezone.localdate()
        return (
            self.certificates.filter(
                status=Certificate.Status.VALID, valid_from__lte=on, valid_to__gte=on
            )
            .order_by("-valid_to")
            .first()
        )

    def can_enforce(self, on: datetime.date | None = None) -> bool:
        """第十条: established staff with a valid enforcement certificate."""
        return (
            self.employment == self.Employment.ESTABLISHED
            and self.has_role(Role.OFFICER)
            and self.valid_certificate(on) is not None
        )


class Certificate(models.Model):
    """执法证: the enforcement certificate that makes an officer a recording subject (第十条)."""

    class Issuer(models.TextChoices):
        PROVINCE_LEGAL_OFFICE = "province_legal_office", _("陕西省政府法制办")
        PROVINCE_HEALTH_COMMISSION = "province_health_commission", _("省卫生计生委")

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    issuer = models.CharField(_("issuer"), max_length=32, choices=Issuer.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="certificate_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.number


class NumberSequence(models.Model):
    """The last number issued for one (agency, category, nature, year): 文号 never repeat."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=8, blank=True)
    nature = models.CharField(max_length=8)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "category", "nature", "year"], name="number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.nature}{self.category} {self.year}: {self.last}"
