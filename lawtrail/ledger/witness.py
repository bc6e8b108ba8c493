"""Witnessing: the provincial node co-signs each agency's checkpoints (design §6a).

A witness co-signs a checkpoint only after verifying the log's signature and a consistency
proof from the last checkpoint it co-signed for that log, so a unit cannot show the province
one history and a court another (a split view), nor rewrite its past. Refusals are kept as
``WitnessAlarm`` rows, logged at error level and reported to the provincial operator
(``lawtrail ledger witness alarms``, ``lawtrail verify``, ``GET /api/v1/witness/alarms``):
第二十六条, issue 3 §4 "refused and reported".

A checkpoint smaller than the one co-signed is merely old (a replay proves nothing: its root
cannot be shown inconsistent without a proof the protocol has no room for), so it gets 409
with the witness's size, as C2SP tlog-witness answers a stale client, and no alarm.

The request follows the shape of C2SP tlog-witness ``add-checkpoint``::

    old <size the client believes the witness has>
    <base64 consistency proof hash, one per line>
    <blank line>
    <signed checkpoint note>

The answer is the witness's signature line on the checkpoint text (an Ed25519 note signature
by the witness key), which the log appends to the note it serves.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.ledger import merkle, note
from lawtrail.ledger.models import Checkpoint, Cosignature, WitnessAlarm, WitnessedLog

log = logging.getLogger(__name__)


class WitnessError(Exception):
    status = 400


class Conflict(WitnessError):
    """The client's idea of our last size is wrong; ``size`` tells it ours."""

    status = 409

    def __init__(self, size: int) -> None:
        super().__init__(f"the witness last co-signed size {size}")
        self.size = size


class UnknownLog(WitnessError):
    status = 404


class Rejected(WitnessError):
    """Bad signature, bad proof, or a split view: never co-signed."""

    status = 403


def witness_key_file() -> Path:
    return Path(settings.LAWTRAIL_HOME) / "ledger" / "witness-key"


def ensure_witness_key(name: str) -> str:
    """Create this node's witness key (0600) if absent; return its verifier key."""
    from lawtrail.ledger.checkpoints import repair_key_mode

    path = witness_key_file()
    if path.exists():
        repair_key_mode(path)
        return note.Signer.from_key(path.read_text().strip()).verifier.key
    path.parent.mkdir(parents=True, exist_ok=True)
    signer_key, verifier_key = note.generate_key(name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(signer_key + "\n")
    return verifier_key


def witness_signer() -> note.Signer:
    path = witness_key_file()
    if not path.exists():
        raise WitnessError("this node has no witness key; run `lawtrail ledger witness init`")
    return note.Signer.from_key(path.read_text().strip())


@transaction.atomic
def follow_log(origin: str, verifier_key: str) -> WitnessedLog:
    """Start witnessing a log, trusting its verifier key from now on."""
    verifier = note.Verifier.from_key(verifier_key)
    if verifier.name != origin:
        raise WitnessError(f"the verifier key is for {verifier.name!r}, not {origin!r}")
    log, _ = WitnessedLog.objects.get_or_create(
        origin=origin, defaults={"verifier_key": verifier_key}
    )
    if log.verifier_key != verifier_key:
        raise WitnessError(f"{origin} is already followed with a different key")
    return log


@dataclass
class Request:
    old_size: int
    proof: list[bytes]
    checkpoint_note: str


def parse_request(body: str) -> Request:
    head, sep, signed = body.partition("\n\n")
    if not sep:
        raise WitnessError("the request needs a blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0].split(" ")
    if len(first) != 2 or first[0] != "old" or not first[1].isdigit():
        raise WitnessError("the request must start with 'old <size>'")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except (binascii.Error, ValueError):
        raise WitnessError("a consistency proof line is not base64") from None
    return Request(int(first[1]), proof, signed)


def build_request(old_size: int, proof: list[bytes], checkpoint_note: str) -> str:
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return "\n".join(lines) + "\n\n" + checkpoint_note


def alarm(
    origin: str, reason: str, presented: str, known: str, submitted_by: Any = None
) -> WitnessAlarm:
    """Keep and report a refused split view or rewritten history (第二十六条)."""
    # Outside the refused request's transaction, so the alarm survives the refusal.
    user = submitted_by if getattr(submitted_by, "pk", None) is not None else None
    row = WitnessAlarm.objects.create(
        origin=origin,
        reason=reason,
        presented=presented,
        known=known,
        at=timezone.now(),
        submitted_by=user,
    )
    log.error(
        "witness alarm #%d: refused a checkpoint of %s submitted by %s: %s",
        row.pk,
        origin,
        user.get_username() if user is not None else "(unknown)",
        reason,
    )
    return row


def add_checkpoint(body: str, submitted_by: Any = None) -> str:
    """Verify and co-sign; return the witness's signature line. ``submitted_by`` (the caller)
    is kept with an alarm if the checkpoint is refused as a split view or rewritten history."""
    request = parse_request(body)
    try:
        text, _ = note.parse_note(request.checkpoint_note)
        origin = note.Checkpoint.parse(text).origin
    except note.NoteError as error:
        raise WitnessError(f"not a checkpoint: {error}") from None
    with transaction.atomic():
        log = WitnessedLog.objects.select_for_update().filter(origin=origin).first()
        if log is None:
            raise UnknownLog(f"this witness does not follow {origin}")
        try:
            checkpoint, _opened = note.open_checkpoint(
                request.checkpoint_note, [note.Verifier.from_key(log.verifier_key)]
            )
        except note.NoteError as error:
            reason = f"bad log signature: {error}"
            failure: WitnessError | None = Rejected(reason)
        else:
            failure = check_extends(log, request, checkpoint)
            reason = str(failure) if failure else ""
        if failure is None:
            log.size = checkpoint.size
            log.root_hash = checkpoint.root_hash
            log.note = request.checkpoint_note
            log.updated_at = timezone.now()
            log.save()
            return sign_line(text, witness_signer())
    if isinstance(failure, Rejected):
        alarm(origin, reason, request.checkpoint_note, log.note, submitted_by)
    raise failure


def sign_line(text: str, signer: note.Signer) -> str:
    signed = note.sign_note(text, [signer])
    return signed[len(text) + 1 :]


def check_extends(
    log: WitnessedLog, request: Request, checkpoint: note.Checkpoint
) -> WitnessError | None:
    if request.old_size != log.size:
        return Conflict(log.size)
    if checkpoint.size < log.size:
        # Merely older than what we co-signed (a replay, or a client behind): nothing shows it
        # inconsistent, so no alarm; tell the client our size, as tlog-witness does.
        return Conflict(log.size)
    if log.size == 0:
        return None if not request.proof else Rejected("a first checkpoint needs no proof")
    known_root = bytes(log.root_hash or b"")
    if checkpoint.size == log.size:
        if checkpoint.root_hash != known_root:
            return Rejected(f"split view: two roots for size {log.size}")
        return None
    try:
        merkle.verify_consistency(
            log.size, checkpoint.size, request.proof, known_root, checkpoint.root_hash
        )
    except merkle.ProofError as error:
        return Rejected(f"history rewritten: not consistent with size {log.size}: {error}")
    return None


@transaction.atomic
def store_cosignature(checkpoint: Checkpoint, line: str, verifier: note.Verifier) -> Cosignature:
    """Keep a witness's line after checking it signs exactly our checkpoint text."""
    if not line.endswith("\n"):
        line += "\n"
    text = note.parse_note(checkpoint.note)[0]
    note.open_note(text + "\n" + line, [verifier])
    cosignature, _ = Cosignature.objects.get_or_create(
        checkpoint=checkpoint,
        witness=verifier.name,
        defaults={"line": line, "received_at": timezone.now()},
    )
    return cosignature


def alarm_rows(origin: str | None = None) -> list[dict[str, Any]]:
    """Every alarm, oldest first, as plain data (CLI ``--json``, API, ``lawtrail verify``)."""
    rows = WitnessAlarm.objects.select_related("submitted_by").order_by("at", "id")
    if origin:
        rows = rows.filter(origin=origin)
    return [
        {
            "id": row.pk,
            "at": row.at.isoformat(),
            "origin": row.origin,
            "reason": row.reason,
            "submitted_by": row.submitted_by.get_username() if row.submitted_by else None,
            "presented": row.presented,
            "known": row.known,
        }
        for row in rows
    ]


def alarm_line(row: dict[str, Any]) -> str:
    return _("alarm #%(id)d at %(at)s: %(origin)s, submitted by %(by)s: %(reason)s") % {
        "id": row["id"],
        "at": row["at"],
        "origin": row["origin"],
        "by": row["submitted_by"] or _("(unknown)"),
        "reason": row["reason"],
    }


def is_witness_node() -> bool:
    return WitnessedLog.objects.exists() or WitnessAlarm.objects.exists()


@dataclass
class AlarmReport:
    """The witness alarms as a finding of ``lawtrail verify`` on a witness node: any alarm
    is a refused split view or rewritten history that the provincial operator must act on."""

    logs: int
    alarms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.alarms

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "logs": self.logs, "alarms": self.alarms}

    def lines(self) -> list[str]:
        head = _("witness: %(logs)d followed log(s), %(n)d alarm(s)") % {
            "logs": self.logs,
            "n": len(self.alarms),
        }
        return [head, *(f"  - [witness_alarm] {alarm_line(row)}" for row in self.alarms)]


def alarm_report() -> AlarmReport:
    return AlarmReport(WitnessedLog.objects.count(), alarm_rows())
