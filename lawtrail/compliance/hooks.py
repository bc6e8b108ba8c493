"""Incremental evaluation (issue 7 §2): after every committed ledger event that concerns a
matter or an evidence, its rules run again for that matter or evidence — in the background, so
the action that wrote the event (an ingest, a signature) does not wait for the rules.

The events of one transaction are gathered into one ``Batch``, registered once with
``transaction.on_commit``; on commit it enqueues one task. A rolled-back transaction drops its
batch with its callbacks (Django removes them), so nothing it gathered leaks into the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from lawtrail.ledger.events import appended

#: Object types whose id is an evidence or an acquisition (of an evidence); the rest are judged
#: through their matter context.
EVIDENCE_OBJECTS = frozenset({"evidence.evidence"})
ACQUISITION_OBJECTS = frozenset({"evidence.acquisition"})


@dataclass
class Batch:
    """What one transaction touched; called on commit."""

    matters: set[int] = field(default_factory=set)
    evidence: set[int] = field(default_factory=set)
    acquisitions: set[int] = field(default_factory=set)

    def __call__(self) -> None:
        from lawtrail.compliance.tasks import evaluate_scope

        evaluate_scope.enqueue(
            sorted(self.matters), sorted(self.evidence), sorted(self.acquisitions)
        )


def touched(events: list[Any]) -> Batch:
    found = Batch()
    for event in events:
        if event.action.startswith("compliance."):
            continue  # our own findings: judging them again would loop
        if event.context.startswith("matter/"):
            tail = event.context.removeprefix("matter/")
            if tail.isdigit():
                found.matters.add(int(tail))
        if event.object_type in EVIDENCE_OBJECTS and event.object_id.isdigit():
            found.evidence.add(int(event.object_id))
        if event.object_type in ACQUISITION_OBJECTS and event.object_id.isdigit():
            found.acquisitions.add(int(event.object_id))
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
    if not (found.matters or found.evidence or found.acquisitions):
        return
    batch = current_batch()
    if batch is None:
        transaction.on_commit(found)
        return
    batch.matters |= found.matters
    batch.evidence |= found.evidence
    batch.acquisitions |= found.acquisitions
