"""The TOTP second factor (RFC 6238) for heads, legal reviewers, custodians and administrators.

The secret is kept only on the server, encrypted (Fernet) with a key derived from the secret
key; rotating LAWTRAIL_SECRET_KEY therefore means enrolling again (an administrator resets).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lawtrail.agencies.models import Role
from lawtrail.ledger import events
from lawtrail.security.models import SecondFactor

ROLES = frozenset({Role.HEAD, Role.LEGAL_REVIEWER, Role.CUSTODIAN, Role.ADMIN})
ISSUER = "lawtrail"


def requires_second_factor(user: Any) -> bool:
    """True for the roles that must give a code after their password (and superusers)."""
    if not settings.LAWTRAIL_REQUIRE_2FA or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    officer = getattr(user, "officer", None)
    return officer is not None and bool(ROLES.intersection(officer.roles))


def fernet() -> Fernet:
    digest = hashlib.sha256(b"lawtrail.security.totp:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_of(factor: SecondFactor) -> str | None:
    try:
        return fernet().decrypt(bytes(factor.encrypted_secret)).decode()
    except InvalidToken:
        return None


def enrolled(user: Any) -> SecondFactor | None:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).first()


def begin_enrolment(user: Any) -> str:
    """A new secret for ``user``, replacing any unconfirmed one; returned to be shown once."""
    secret = pyotp.random_base32()
    SecondFactor.objects.update_or_create(
        user=user,
        confirmed_at=None,
        defaults={
            "encrypted_secret": fernet().encrypt(secret.encode()),
            "created_at": timezone.now(),
        },
    )
    return secret


def pending_secret(user: Any) -> str | None:
    factor = SecondFactor.objects.filter(user=user, confirmed_at=None).first()
    return secret_of(factor) if factor is not None else None


def provisioning_uri(user: Any, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=ISSUER)


def check_code(factor: SecondFactor, code: str) -> bool:
    """The code for now or the step either side (clock drift), each step accepted once."""
    secret = secret_of(factor)
    code = "".join(code.split())
    if secret is None or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = timezone.now()
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if candidate > factor.last_step and totp.at(candidate * totp.interval) == code:
            # A conditional UPDATE, so two requests with the same code cannot both pass.
            taken = SecondFactor.objects.filter(pk=factor.pk, last_step__lt=candidate).update(
                last_step=candidate
            )
            return taken == 1
    return False


@transaction.atomic
def confirm_enrolment(user: Any, code: str) -> bool:
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None or factor.confirmed_at is not None or not check_code(factor, code):
        return False
    SecondFactor.objects.filter(pk=factor.pk).update(confirmed_at=timezone.now())
    events.append(
        events.Actor.of(user), "second_factor.enrolled", user, {"username": user.get_username()}
    )
    return True


@transaction.atomic
def reset_second_factor(user: Any, *, actor: Any, reason: str = "") -> bool:
    """Recovery: an administrator removes a login's second factor; it enrols again at its next
    login. The event names who reset whose, never the secret."""
    deleted, _ = SecondFactor.objects.filter(user=user).delete()
    events.append(
        events.Actor.of(actor),
        "second_factor.reset",
        user,
        {"username": user.get_username(), "reason": reason, "had_factor": bool(deleted)},
    )
    return bool(deleted)
