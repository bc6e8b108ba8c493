"""The provincial node co-signs each agency's checkpoints (issue 9 §3, design §6a).

After a sync (and on its own: ``lawtrail backup witness``) the unit asks the provincial
witness to co-sign its latest checkpoint, as ``lawtrail ledger witness request`` does, and
keeps the cosignature with the checkpoint. A witness that already co-signed an earlier size
co-signs only a checkpoint that extends it (a consistency proof), so a unit that rewrote its
history or shows the province another one (a split view) is refused; the refusal is reported
by name and recorded as a ledger event ``replica.witness_refused``.

The witness is set by the environment (read here, each with a loud error on a bad value):

- ``LAWTRAIL_WITNESS_URL``: the provincial node's base URL (``https://…``);
- ``LAWTRAIL_WITNESS_TOKEN``: an API token on that node;
- ``LAWTRAIL_WITNESS_KEY``: the witness's verifier key (``lawtrail ledger witness init``).

All three empty means no witness; one or two set is an error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from lawtrail.errors import UsageError

ENV_URL = "LAWTRAIL_WITNESS_URL"
ENV_TOKEN = "LAWTRAIL_WITNESS_TOKEN"
ENV_KEY = "LAWTRAIL_WITNESS_KEY"
PATH = "/api/v1/witness/add-checkpoint"
REFUSED_ACTION = "replica.witness_refused"

#: (status, body) of a POST of ``body`` to ``url`` with a bearer ``token``.
Post = Callable[[str, str, str], tuple[int, str]]


class WitnessConfigError(ValueError):
    """A bad ``LAWTRAIL_WITNESS_*`` value: the message names the variable and says why."""


@dataclass(frozen=True)
class Witness:
    url: str
    token: str
    key: Any  # lawtrail.ledger.note.Verifier

    @property
    def name(self) -> str:
        return str(self.key.name)

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + PATH


def configured(environ: dict[str, str] | None = None) -> Witness | None:
    """The witness of ``LAWTRAIL_WITNESS_*``, None when none is set; a bad value raises."""
    from lawtrail.ledger import note

    env = os.environ if environ is None else environ
    values = {name: env.get(name, "").strip() for name in (ENV_URL, ENV_TOKEN, ENV_KEY)}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise WitnessConfigError(
            _("The provincial witness is half configured: set %(missing)s as well.")
            % {"missing": ", ".join(missing)}
        )
    url = values[ENV_URL]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise WitnessConfigError(
            _("Unexpected value %(name)s=%(value)r: use the witness node's base URL, e.g. %(eg)s.")
            % {"name": ENV_URL, "value": url, "eg": "https://province.example"}
        )
    if any(c.isspace() for c in values[ENV_TOKEN]):
        raise WitnessConfigError(
            _("Unexpected value of %(name)s: an API token has no spaces.") % {"name": ENV_TOKEN}
        )
    try:
        key = note.Verifier.from_key(values[ENV_KEY])
    except note.NoteError as error:
        raise WitnessConfigError(
            _("Unexpected value %(name)s=%(value)r: not a witness verifier key (%(error)s).")
            % {"name": ENV_KEY, "value": values[ENV_KEY], "error": error}
        ) from None
    return Witness(url, values[ENV_TOKEN], key)


@dataclass
class Outcome:
    """What the witness said about one checkpoint.

    ``status``: ``cosigned``; ``refused`` (the witness answered no, ``kind`` names why:
    ``split_view``, ``history_rewritten``, ``bad_log_signature``, ``rolled_back``,
    ``unknown_log``, ``bad_request``, ``other``); ``unreachable``; ``bad_answer`` (an answer
    that is not the witness's signature on our checkpoint); ``unsigned`` (this log refused to
    sign a checkpoint: it is inconsistent with its own last one).
    """

    status: str
    witness: str
    checkpoint: int | None
    kind: str = ""
    http_status: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "cosigned"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "status": self.status,
            "witness": self.witness,
            "checkpoint": self.checkpoint,
            "kind": self.kind,
            "http_status": self.http_status,
            "reason": self.reason,
        }

    def line(self) -> str:
        values = {
            "size": self.checkpoint,
            "witness": self.witness,
            "kind": self.kind.replace("_", " "),
            "reason": self.reason,
        }
        if self.status == "cosigned":
            return _("witness: checkpoint %(size)s co-signed by %(witness)s") % values
        if self.status == "refused":
            return (
                _("witness: %(witness)s REFUSED checkpoint %(size)s (%(kind)s): %(reason)s")
                % values
            )
        if self.status == "unreachable":
            return _("witness: %(witness)s not reached, try again later: %(reason)s") % values
        if self.status == "bad_answer":
            return _("witness: the answer of %(witness)s does not verify: %(reason)s") % values
        return _("witness: no checkpoint to co-sign: %(reason)s") % values


#: What a refusal's text says, and the name we report it by (lawtrail/ledger/witness.py).
KINDS = (
    ("split view", "split_view"),
    ("history rewritten", "history_rewritten"),
    ("bad log signature", "bad_log_signature"),
    ("below the co-signed", "rolled_back"),
    ("does not follow", "unknown_log"),
    ("first checkpoint needs no proof", "history_rewritten"),
)


def refusal_kind(status: int, body: str) -> str:
    for words, kind in KINDS:
        if words in body:
            return kind
    if status == 404:
        return "unknown_log"
    if status in (400, 401, 409):
        return "bad_request"
    return "other"


def http_post(url: str, token: str, body: str) -> tuple[int, str]:
    """The ledger's own request code (``lawtrail ledger witness request``)."""
    from lawtrail.ledger import commands

    return commands.post(url, token, body)


#: Replaced in tests to reach the witness view through Django's test client.
post: Post = http_post


def request_cosignature(witness: Witness, *, send: Post | None = None) -> Outcome:
    """Ask ``witness`` to co-sign the latest checkpoint (signed now if events came since)."""
    from lawtrail.ledger import checkpoints, note, tree
    from lawtrail.ledger import witness as ledger_witness
    from lawtrail.ledger.models import Checkpoint

    send = send or post
    try:
        latest = checkpoints.make_checkpoint()
    except checkpoints.KeyMissing as error:
        raise UsageError(str(error)) from None
    except checkpoints.InconsistentLog as error:
        last = checkpoints.latest()
        return Outcome("unsigned", witness.name, last.size if last else None, reason=str(error))
    last = Checkpoint.objects.filter(cosignatures__witness=witness.name).order_by("-size").first()
    old = last.size if last else 0
    status, body = 0, ""
    for _attempt in range(2):
        proof = tree.consistency_proof(old, latest.size) if 0 < old < latest.size else []
        try:
            status, body = send(
                witness.endpoint,
                witness.token,
                ledger_witness.build_request(old, proof, latest.note),
            )
        except UsageError as error:
            return Outcome("unreachable", witness.name, latest.size, reason=str(error))
        if status == 409 and body.strip().isdigit() and int(body) != old:
            old = int(body)  # the witness knows another size; prove from there
            continue
        break
    if status != 200:
        kind = refusal_kind(status, body)
        outcome = Outcome("refused", witness.name, latest.size, kind, status, body.strip()[:1000])
        record_refusal(outcome, witness)
        return outcome
    try:
        ledger_witness.store_cosignature(latest, body, witness.key)
    except note.NoteError as error:
        return Outcome(
            "bad_answer", witness.name, latest.size, http_status=status, reason=str(error)
        )
    return Outcome("cosigned", witness.name, latest.size, http_status=status)


def record_refusal(outcome: Outcome, witness: Witness) -> None:
    """A refusal is evidence against this unit's log: keep it in the log itself, and as a
    ``ReplicaProblem`` once its kinds include ``witness_refused``."""
    from django.db import transaction
    from django.utils import timezone

    from lawtrail.ledger import events
    from lawtrail.replication.models import ReplicaProblem

    kind = getattr(ReplicaProblem.Kind, "WITNESS_REFUSED", None)
    with transaction.atomic():
        if kind is not None:
            ReplicaProblem.objects.create(
                kind=kind,
                replica=witness.url,
                detail=f"{outcome.kind}: {outcome.reason}",
                at=timezone.now(),
            )
        events.append(
            events.SYSTEM,
            REFUSED_ACTION,
            ("checkpoint", str(outcome.checkpoint)),
            {
                "witness": outcome.witness,
                "kind": outcome.kind,
                "http_status": outcome.http_status,
                "reason": outcome.reason,
            },
        )


def check_settings() -> Witness | None:
    """The configured witness (None: none); a bad ``LAWTRAIL_WITNESS_*`` is a ``UsageError``.
    ``backup sync`` calls it before copying anything, so a bad value changes nothing."""
    try:
        return configured()
    except WitnessConfigError as error:
        raise UsageError(str(error)) from None


def after_sync() -> Outcome | None:
    """Called by ``backup sync`` when it is done: None when no witness is configured."""
    witness = check_settings()
    return None if witness is None else request_cosignature(witness)


def cmd_witness(args: argparse.Namespace) -> int:
    """``lawtrail backup witness``: 0 co-signed, 1 refused or not reached, 2 bad settings."""
    witness = check_settings()
    if witness is None:
        raise UsageError(
            _("No provincial witness is configured: set %(names)s.")
            % {"names": ", ".join((ENV_URL, ENV_TOKEN, ENV_KEY))}
        )
    outcome = request_cosignature(witness)
    if args.json:
        print(json.dumps({"witness": outcome.as_dict()}, ensure_ascii=False, indent=2))
    else:
        print(outcome.line(), file=sys.stdout if outcome.ok else sys.stderr)
    return 0 if outcome.ok else 1
