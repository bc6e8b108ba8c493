"""Appending events. Call ``append`` inside the transaction that changes the rows it describes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from lawtrail.ledger import canonical, merkle, tree
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


@dataclass(frozen=True)
class Pending:
    """An event not yet written: what ``append_many`` takes."""

    actor: Actor
    action: str
    obj: models.Model | tuple[str, str]
    payload: dict[str, Any] = field(default_factory=dict)
    context: str = ""


def append(
    actor: Actor,
    action: str,
    obj: models.Model | tuple[str, str],
    payload: dict[str, Any] | None = None,
    *,
    context: str = "",
) -> Event:
    """Append one event in the caller's transaction; the sequence number has no gaps."""
    return append_many([Pending(actor, action, obj, payload or {}, context)])[0]


def append_many(pending: list[Pending]) -> list[Event]:
    """Append events in order, in the caller's transaction, extending the Merkle tree.

    The log head is locked for the duration, so appends are totally ordered; the leaf hashes
    and every perfect tree node they complete are written with the events (RFC 6962).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("ledger events must be appended inside the transaction they describe")
    with transaction.atomic():
        head, _ = LogHead.objects.select_for_update().get_or_create(name=LOG_NAME)
        frontier = tree.load_frontier(head.frontier)
        if frontier.size != head.size:
            raise RuntimeError("ledger head is inconsistent with its frontier; run lawtrail verify")
        at = timezone.now()
        written: list[Event] = []
        nodes = []
        for item in pending:
            if isinstance(item.obj, tuple):
                object_type, object_id = item.obj
            else:
                object_type, object_id = item.obj._meta.label_lower, str(item.obj.pk)
            seq = frontier.size
            body = canonical.event_bytes(
                seq=seq,
                at=at,
                actor=item.actor.name,
                action=item.action,
                object_type=object_type,
                object_id=object_id,
                context=item.context,
                payload=item.payload,
            )
            leaf = merkle.leaf_hash(body)
            nodes.extend(frontier.append(leaf))
            written.append(
                Event(
                    seq=seq,
                    at=at,
                    actor=item.actor.name,
                    actor_id=item.actor.user_id,
                    action=item.action,
                    object_type=object_type,
                    object_id=object_id,
                    context=item.context,
                    body=body,
                    leaf_hash=leaf,
                )
            )
        Event.objects.bulk_create(written)
        tree.store_nodes(nodes)
        LogHead.objects.filter(pk=head.pk).update(
            size=frontier.size, frontier=tree.dump_frontier(frontier)
        )
    after_append(head.size, frontier.size)
    return written


def after_append(old_size: int, new_size: int) -> None:
    """Ask for a checkpoint once the commit lands, every LAWTRAIL_CHECKPOINT_EVENTS events."""
    every = settings.LAWTRAIL_CHECKPOINT_EVENTS
    if every and old_size // every != new_size // every:
        from lawtrail.ledger.checkpoints import checkpoint_after_commit

        transaction.on_commit(checkpoint_after_commit)


def for_context(context: str) -> models.QuerySet[Event]:
    return Event.objects.filter(context=context).order_by("seq")
