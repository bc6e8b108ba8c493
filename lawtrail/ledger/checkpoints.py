"""Signed checkpoints of the event log (C2SP tlog-checkpoint as an Ed25519 signed note).

The signing key lives in a file in the data folder (mode 0600), never in the database, so a
database administrator cannot sign a rewritten history. A checkpoint is signed only after the
new tree is proved consistent with the previous checkpoint; every checkpoint is kept.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lawtrail.ledger import merkle, note, tree
from lawtrail.ledger.events import LOG_NAME
from lawtrail.ledger.models import Checkpoint, LogHead

log = logging.getLogger(__name__)


class KeyMissing(RuntimeError):
    pass


def key_file() -> Path:
    return Path(settings.LAWTRAIL_SIGNING_KEY_FILE)


def ensure_signing_key() -> tuple[str, bool]:
    """Create the signing key (0600) if absent; return (verifier key, created)."""
    path = key_file()
    if path.exists():
        repair_key_mode(path)
        return signer().verifier.key, False
    path.parent.mkdir(parents=True, exist_ok=True)
    signer_key, verifier_key = note.generate_key(settings.LAWTRAIL_LOG_ORIGIN)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer_key + "\n")
    path.with_name("verifier-key").write_text(verifier_key + "\n")
    return verifier_key, True


def repair_key_mode(path: Path) -> None:
    """A signing key others can read lets them sign a rewritten history: back to 0600."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        path.chmod(0o600)
        log.warning("the ledger signing key %s had mode %03o; changed it to 600", path, mode)


def signer() -> note.Signer:
    path = key_file()
    if not path.exists():
        raise KeyMissing(f"no ledger signing key at {path}; run `lawtrail init`")
    key = note.Signer.from_key(path.read_text().strip())
    if key.name != settings.LAWTRAIL_LOG_ORIGIN:
        raise KeyMissing(
            f"the signing key is for {key.name!r} but LAWTRAIL_LOG_ORIGIN is "
            f"{settings.LAWTRAIL_LOG_ORIGIN!r}"
        )
    return key


def verifier() -> note.Verifier:
    return signer().verifier


def latest() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


class InconsistentLog(RuntimeError):
    """The stored tree does not extend the last signed checkpoint: never sign it."""


@transaction.atomic
def make_checkpoint() -> Checkpoint:
    """Sign the current tree head, after proving it extends the previous checkpoint."""
    key = signer()  # before anything else: without the key there is nothing to do
    head, _ = LogHead.objects.select_for_update().get_or_create(name=LOG_NAME)
    previous = latest()
    if previous is not None and previous.size == head.size:
        return previous
    if previous is not None and previous.size > head.size:
        raise InconsistentLog(
            f"the log has {head.size} events but checkpoint {previous.size} was signed"
        )
    root = tree.load_frontier(head.frontier).root()
    if root != tree.root_at(head.size):
        raise InconsistentLog("the stored tree nodes disagree with the log head")
    if previous is not None and previous.size > 0:
        # The root we signed, not the row's column: a column edited to match a rewritten
        # history must not get that history signed.
        previous_root = signed_root(previous, key.verifier)
        proof = tree.consistency_proof(previous.size, head.size)
        try:
            merkle.verify_consistency(previous.size, head.size, proof, previous_root, root)
        except merkle.ProofError as error:
            raise InconsistentLog(
                f"the tree of {head.size} events is not consistent with checkpoint "
                f"{previous.size}: {error}"
            ) from error
    text = note.Checkpoint(settings.LAWTRAIL_LOG_ORIGIN, head.size, root)
    signed = note.sign_checkpoint(text, [key])
    return Checkpoint.objects.create(
        size=head.size, root_hash=root, note=signed, created_at=timezone.now()
    )


def signed_root(checkpoint: Checkpoint, verifier: note.Verifier) -> bytes:
    """The root hash ``checkpoint``'s note signs, after checking the signature and size."""
    try:
        parsed, _opened = note.open_checkpoint(checkpoint.note, [verifier])
    except note.NoteError as error:
        raise InconsistentLog(
            f"checkpoint {checkpoint.size} does not verify with this log's key: {error}"
        ) from error
    if parsed.size != checkpoint.size or parsed.origin != verifier.name:
        raise InconsistentLog(f"checkpoint {checkpoint.size} differs from its signed note")
    return parsed.root_hash


def checkpoint_due() -> bool:
    head = LogHead.objects.filter(name=LOG_NAME).first()
    if head is None or head.size == 0:
        return False
    last = latest()
    if last is None:
        return True
    if head.size - last.size >= settings.LAWTRAIL_CHECKPOINT_EVENTS:
        return True
    age = timezone.now() - last.created_at
    return head.size > last.size and age >= timedelta(seconds=settings.LAWTRAIL_CHECKPOINT_SECONDS)


def checkpoint_after_commit() -> None:
    """Called after a commit crossed the event threshold; a failure is logged, not raised,
    because the events are already durable and the next checkpoint will cover them."""
    try:
        make_checkpoint()
    except (KeyMissing, InconsistentLog) as error:
        log.error("ledger checkpoint not made: %s", error)
    except Exception:  # a DatabaseError too: the request that committed must still succeed
        log.exception("ledger checkpoint not made; the next one will cover these events")


def served_note(checkpoint: Checkpoint) -> str:
    """The checkpoint note with every witness cosignature we hold appended."""
    lines = "".join(c.line for c in checkpoint.cosignatures.order_by("received_at", "id"))
    return checkpoint.note + lines
