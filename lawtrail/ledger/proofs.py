"""Proofs served to auditors and courts, and the bundle the standalone verifier checks."""

from __future__ import annotations

import base64
from typing import Any

from django.db import connections

from lawtrail.ledger import checkpoints, tree
from lawtrail.ledger.models import Checkpoint, Event


class ProofRequestError(ValueError):
    """Sizes or indexes a proof cannot be made for; the message says why."""


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def checkpoint_for(size: int | None) -> Checkpoint:
    query = Checkpoint.objects.order_by("-size")
    found = query.filter(size=size).first() if size is not None else query.first()
    if found is None:
        raise ProofRequestError(
            "no signed checkpoint of that size" if size is not None else "no checkpoint yet"
        )
    return found


def is_signed(size: int) -> bool:
    """Is there a checkpoint of ``size``? Plain SQL: the ORM query cost more than the proof."""
    db = connections[Checkpoint.objects.db]
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(Checkpoint._meta.db_table)} WHERE {quote('size')} = %s",
            [size],
        )
        return cursor.fetchone() is not None


def inclusion(index: int, size: int) -> list[str]:
    if size <= 0 or not 0 <= index < size:
        raise ProofRequestError(f"need 0 ≤ index < size, got index {index} and size {size}")
    if not is_signed(size):
        raise ProofRequestError(f"no signed checkpoint has size {size}")
    return [b64(h) for h in tree.inclusion_proof(index, size)]


def consistency(size1: int, size2: int) -> list[str]:
    if not 0 < size1 <= size2:
        raise ProofRequestError(f"need 0 < from ≤ to, got from {size1} and to {size2}")
    if not is_signed(size2):
        raise ProofRequestError(f"no signed checkpoint has size {size2}")
    return [b64(h) for h in tree.consistency_proof(size1, size2)]


def bundle(event: Event, checkpoint: Checkpoint | None = None) -> dict[str, Any]:
    """Everything an offline verifier needs to prove one event is in the signed log."""
    checkpoint = checkpoint or checkpoint_for(None)
    if event.seq >= checkpoint.size:
        raise ProofRequestError(
            f"event #{event.seq} is not yet covered by a signed checkpoint "
            f"(latest covers {checkpoint.size}); run `lawtrail ledger checkpoint`"
        )
    return {
        "event": b64(bytes(event.body)),
        "index": event.seq,
        "checkpoint": checkpoints.served_note(checkpoint),
        "inclusion_proof": inclusion(event.seq, checkpoint.size),
        "verifier_key": checkpoints.verifier().key,
    }
