"""Failed logins (throttling) and second factors (TOTP, RFC 6238)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """One failed password or code, counted per username and per address in a time window.

    A table rather than the cache, so that every server process sees the same count on SQLite
    and PostgreSQL alike. Rows older than the window are deleted as new ones arrive.
    """

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")


class SecondFactor(models.Model):
    """A login's TOTP secret, encrypted with a key derived from the secret key; never in the
    ledger. ``confirmed_at`` is None until the first code has been entered."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor"
    )
    encrypted_secret = models.BinaryField()
    created_at = models.DateTimeField(_("created at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The last time step accepted, so that a code cannot be used twice.
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")
