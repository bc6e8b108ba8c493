"""Appending events. Call ``append`` inside the transaction that changes the rows it describes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.dispatch import Signal
from django.utils import timezone

from lawtrail.ledger import canonical, merkle, tree
from lawtrail.ledger.models import Event, LogHead

LOG_NAME = "lawtrail"

#: Sent inside the appending transaction with ``events`` (the list just written). The ledger
#: knows no domain; rooms that react to events (compliance) listen here and act on commit.
appended = Signal()


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
        head_id, head_size, stored_frontier = lock_head()
        frontier = tree.load_frontier(stored_frontier)
        if frontier.size != head_size:
            raise RuntimeError("ledger head is inconsistent with its frontier; run lawtrail verify")
        at = timezone.now()
        rows: list[tuple[Any, ...]] = []
        nodes: list[merkle.PerfectNode] = []
        leaf_hash = merkle.leaf_hash
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
            leaf = leaf_hash(body)
            nodes.extend(frontier.append(leaf))
            rows.append(
                (
                    seq,
                    at,
                    item.actor.name,
                    item.actor.user_id,
                    item.action,
                    object_type,
                    object_id,
                    item.context,
                    body,
                    leaf,
                )
            )
        written = insert_events(rows)
        tree.store_nodes(nodes)
        update_head(head_id, frontier)
    after_append(head_size, frontier.size)
    if appended.receivers:
        appended.send(sender=Event, events=written)
    return written


# The log head is read and written with plain SQL on every append: two ORM queries cost more
# than a whole one-event append otherwise does (bench/ledger_append.py, batch size 1).


def lock_head() -> tuple[int, int, bytes]:
    """(id, size, frontier) of the log head, locked until the transaction ends."""
    db = connections[LogHead.objects.db]
    quote = db.ops.quote_name
    lock = " FOR UPDATE" if db.features.has_select_for_update else ""
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')}, {quote('size')}, {quote('frontier')} "
            f"FROM {quote(LogHead._meta.db_table)} WHERE {quote('name')} = %s{lock}",
            [LOG_NAME],
        )
        row = cursor.fetchone()
    if row is None:  # the very first append
        head, _ = LogHead.objects.select_for_update().get_or_create(name=LOG_NAME)
        return head.pk, head.size, bytes(head.frontier)
    return int(row[0]), int(row[1]), bytes(row[2])


def update_head(head_id: int, frontier: merkle.Frontier) -> None:
    db = connections[LogHead.objects.db]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(LogHead._meta.db_table)} SET {quote('size')} = %s, "
            f"{quote('frontier')} = %s WHERE {quote('id')} = %s",
            [frontier.size, tree.dump_frontier(frontier), head_id],
        )


# The Event columns in model order after ``id``; ``insert_events`` checks it still holds.
EVENT_FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "context",
    "body",
    "leaf_hash",
)

FIELD_NAMES = ("id", *EVENT_FIELDS)


def insert_events(rows: list[tuple[Any, ...]]) -> list[Event]:
    """Insert event rows (in ``EVENT_FIELDS`` order) and return them as saved instances.

    Plain ``executemany`` rather than ``bulk_create``: the ORM spent more time per row
    compiling the INSERT than canonicalising and hashing the event (bench/ledger_append.py).
    """
    if not rows:
        return []
    meta = Event._meta
    if tuple(f.column for f in meta.concrete_fields) != FIELD_NAMES:
        raise RuntimeError("Event's columns changed; update events.EVENT_FIELDS")
    db = connections[Event.objects.db]
    quote = db.ops.quote_name
    columns = ", ".join(quote(name) for name in EVENT_FIELDS)
    marks = ", ".join(["%s"] * len(EVENT_FIELDS))
    table = quote(meta.db_table)
    at = rows[0][1]
    stored_at = db.ops.adapt_datetimefield_value(at)
    with db.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
            [
                (
                    row[0],
                    stored_at if row[1] is at else db.ops.adapt_datetimefield_value(row[1]),
                    *row[2:],
                )
                for row in rows
            ],
        )
        cursor.execute(
            f"SELECT {quote('id')} FROM {table} WHERE {quote('seq')} >= %s AND "
            f"{quote('seq')} <= %s ORDER BY {quote('seq')}",
            [rows[0][0], rows[-1][0]],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    return [
        Event.from_db(db.alias, FIELD_NAMES, (pk, *row)) for pk, row in zip(ids, rows, strict=True)
    ]


def after_append(old_size: int, new_size: int) -> None:
    """Ask for a checkpoint once the commit lands, every LAWTRAIL_CHECKPOINT_EVENTS events."""
    every = settings.LAWTRAIL_CHECKPOINT_EVENTS
    if every and old_size // every != new_size // every:
        from lawtrail.ledger.checkpoints import checkpoint_after_commit

        transaction.on_commit(checkpoint_after_commit)


def for_context(context: str) -> models.QuerySet[Event]:
    return Event.objects.filter(context=context).order_by("seq")
