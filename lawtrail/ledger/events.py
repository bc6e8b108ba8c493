"""Appending events. Call ``append`` inside the transaction that changes the rows it describes."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from lawtrail.ledger import canonical
from lawtrail.ledger.models import Event, LogHead

LOG_NAME = "lawtrail"


class Actor:
    """Who caused an event: a user, or the system itself (``user`` None)."""

    def __init__(self, name: str, user_id: int | None = None) -> None:
        self.name = name
        self.user_id = user_id

    @classmethod
    def of(cls, user: Any) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return cls("anonymous")
        return cls(user.get_username(), user.pk)


SYSTEM = Actor("system")


def append(
    actor: Actor,
    action: str,
    obj: models.Model | tuple[str, str],
    payload: dict[str, Any] | None = None,
    *,
    context: str = "",
) -> Event:
    """Append one event in the caller's transaction; the sequence number has no gaps."""
    if not connection.in_atomic_block:
        raise RuntimeError("ledger events must be appended inside the transaction they describe")
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    payload = payload or {}
    with transaction.atomic():
        head, _ = LogHead.objects.select_for_update().get_or_create(name=LOG_NAME)
        seq = head.size
        at = timezone.now()
        body = canonical.event_bytes(
            seq=seq,
            at=at,
            actor=actor.name,
            action=action,
            object_type=object_type,
            object_id=object_id,
            context=context,
            payload=payload,
        )
        event = Event.objects.create(
            seq=seq,
            at=at,
            actor=actor.name,
            actor_id=actor.user_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            context=context,
            body=body,
            leaf_hash=hashlib.sha256(b"\x00" + body).digest(),
        )
        LogHead.objects.filter(pk=head.pk).update(size=seq + 1)
    return event


def for_context(context: str) -> models.QuerySet[Event]:
    return Event.objects.filter(context=context).order_by("seq")
