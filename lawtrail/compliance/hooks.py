"""Incremental evaluation (issue 7 §2): after every ledger event that concerns a matter or an
evidence, its rules run again for that matter or evidence — in the background, so the action
that wrote the event (an ingest, a signature) does not wait for the rules.

An outbox, written in the event's own transaction: each matter, evidence or acquisition the
events touch becomes a ``PendingEvaluation`` row. Nothing else is written and nothing after the
commit, so the action pays one small insert (bench/compliance_ingest.py); a rolled-back
transaction leaves no row. ``lawtrail compliance scan --loop`` (beside ``lawtrail serve``)
drains the outbox every few seconds (``tasks.drain_pending``) and judges what it holds.

A transaction's ``Batch`` (registered with ``transaction.on_commit`` so that a later append of
the same transaction finds it, and dropped by Django on rollback) remembers what it already
wrote, so one transaction writes each row once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from lawtrail.compliance.models import PendingEvaluation
from lawtrail.ledger.events import appended

Kind = PendingEvaluation.Kind

#: Object types whose id is an evidence or an acquisition (of an evidence); the rest are judged
#: through their matter context.
OBJECT_KINDS = {"evidence.evidence": Kind.EVIDENCE, "evidence.acquisition": Kind.ACQUISITION}


@dataclass
class Batch:
    """What one transaction has put in the outbox. Registered with ``on_commit`` only so that
    the transaction's later appends find it; calling it does nothing."""

    seen: set[tuple[str, int]] = field(default_factory=set)

    def __call__(self) -> None:
        pass


def touched(events: list[Any]) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for event in events:
        if event.action.startswith("compliance."):
            continue  # our own findings: judging them again would loop
        if event.context.startswith("matter/"):
            tail = event.context.removeprefix("matter/")
            if tail.isdigit():
                found.add((Kind.MATTER, int(tail)))
        kind = OBJECT_KINDS.get(event.object_type)
        if kind and event.object_id.isdigit():
            found.add((kind, int(event.object_id)))
    return found


def current_batch() -> Batch | None:
    """The batch this transaction registered, if its callback is still pending."""
    pending = transaction.get_connection().run_on_commit
    for _savepoints, func, _robust in reversed(pending):
        if isinstance(func, Batch):
            return func
    return None


@receiver(appended, dispatch_uid="compliance.gather")
def gather(sender: Any, events: list[Any], **kwargs: Any) -> None:
    found = touched(events)
    if not found:
        return
    batch = current_batch()
    new = found - batch.seen if batch else found
    if not new:
        return
    now = timezone.now()
    PendingEvaluation.objects.bulk_create(
        [PendingEvaluation(kind=kind, object_id=pk, at=now) for kind, pk in sorted(new)]
    )
    if batch is None:
        transaction.on_commit(Batch(seen=set(new)))
    else:
        batch.seen |= new
