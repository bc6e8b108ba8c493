"""Confidentiality marks, access requests, decisions, grants and revocations (第二十条, 第二十一条).

Every table here is append-only (decision 0002): a level changes by a new mark (the latest
counts), a request is decided by one decision row, a grant ends by expiry or by one revocation
row. The state of a request or grant is read from which rows exist, never edited in place.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """第二十一条: how confidential a matter or a piece of evidence is."""

    PUBLIC = "public", _("Public (公开)")
    INTERNAL = "internal", _("Internal (内部)")
    BUSINESS_SECRET = "business_secret", _("Business secret (商业秘密)")
    PERSONAL_PRIVACY = "personal_privacy", _("Personal privacy (个人隐私)")
    STATE_SECRET = "state_secret", _("State secret (国家秘密)")


#: Order of strictness; business secret and personal privacy are equally strict.
RANK = {
    Level.PUBLIC: 0,
    Level.INTERNAL: 1,
    Level.BUSINESS_SECRET: 2,
    Level.PERSONAL_PRIVACY: 2,
    Level.STATE_SECRET: 3,
}

#: What a matter or evidence without a mark is.
DEFAULT_LEVEL = Level.INTERNAL


class ConfidentialityMark(models.Model):
    """A level set on a matter or on evidence, with its reason. The latest mark counts."""

    matter = models.ForeignKey(
        "matters.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("confidentiality mark")
        verbose_name_plural = _("confidentiality marks")
        ordering = ["set_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(matter__isnull=True, evidence__isnull=False)
                | models.Q(matter__isnull=False, evidence__isnull=True),
                name="mark_on_matter_or_evidence",
            )
        ]


class AccessRequest(models.Model):
    """调阅/复制申请 (第二十条): to view or copy a matter's records, or some of its evidence."""

    class Kind(models.TextChoices):
        VIEW = "view", _("View (查阅)")
        COPY = "copy", _("Copy (复制)")

    class Purpose(models.TextChoices):
        RECONSIDERATION = "reconsideration", _("Administrative reconsideration (行政复议)")
        LITIGATION = "litigation", _("Litigation (诉讼)")
        INTERNAL_REVIEW = "internal_review", _("Internal review")
        PARTY_APPLICATION = "party_application", _("The party's application")

    matter = models.ForeignKey("matters.Matter", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    # A user asks for themselves, or a handler enters the request of an outside recipient.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_name = models.CharField(_("recipient"), max_length=100, blank=True)
    recipient_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.TextField(_("justification"))
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"access request {self.pk}"

    @property
    def for_outsider(self) -> bool:
        return self.requester_id is None

    def who(self) -> str:
        if self.requester is not None:
            return self.requester.get_username()
        return f"{self.recipient_name} ({self.recipient_organisation})"

    def evidence_ids(self) -> list[int]:
        """The evidence asked for; empty means the whole matter."""
        return list(
            RequestedEvidence.objects.filter(request=self)
            .order_by("evidence_id")
            .values_list("evidence_id", flat=True)
        )

    @property
    def decision(self) -> AccessDecision | None:
        return AccessDecision.objects.filter(request=self).first()

    @property
    def state(self) -> str:
        decision = self.decision
        if decision is None:
            return "pending"
        return "approved" if decision.approved else "refused"


class RequestedEvidence(models.Model):
    """One piece of evidence named by a request (all of one matter)."""

    request = models.ForeignKey(AccessRequest, on_delete=models.PROTECT, related_name="items")
    evidence = models.ForeignKey("evidence.Evidence", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "evidence"], name="requested_once")
        ]


class AccessDecision(models.Model):
    """The head's decision on a request: approved until ``expires_at``, or refused."""

    request = models.OneToOneField(
        AccessRequest, on_delete=models.PROTECT, related_name="decision_row"
    )
    approved = models.BooleanField(_("approved"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))


class Grant(models.Model):
    """授权: what an approval gives, until it expires or is revoked."""

    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="grant")
    matter = models.ForeignKey("matters.Matter", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=AccessRequest.Kind.choices)
    # None when the grant is for an outside recipient (they get a package, not a login).
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["holder", "expires_at"])]

    def __str__(self) -> str:
        return f"grant {self.pk}"

    @property
    def revocation(self) -> Revocation | None:
        return Revocation.objects.filter(grant=self).first()

    def is_live(self, at: object = None) -> bool:
        now = at or timezone.now()
        return self.expires_at > now and self.revocation is None  # type: ignore[operator]

    def covers(self, evidence: Any) -> bool:
        """Whether this grant, now, covers ``evidence``: live, naming it (or, naming none, its
        matter holds it), and its level allows grants. What copy packages ask."""
        from lawtrail.access.rules import grant_covers_now

        return grant_covers_now(self, evidence)

    @property
    def gives_originals(self) -> bool:
        """A copy grant gives originals; a view grant working copies only."""
        return self.kind == AccessRequest.Kind.COPY

    @property
    def state(self) -> str:
        if self.revocation is not None:
            return "revoked"
        return "live" if self.expires_at > timezone.now() else "expired"


class Revocation(models.Model):
    """The head ends a grant before it expires."""

    grant = models.OneToOneField(Grant, on_delete=models.PROTECT, related_name="revocation_row")
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"))
    reason = models.TextField(_("reason"))
