"""The ledger over HTTP, for anyone logged in and for auditors with a token (第二十六条).

Text answers (checkpoint, verifier key) are text/plain so that stock transparency-log tools
can read them; the rest is JSON.
"""

from __future__ import annotations

import base64

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lawtrail.access import ledger_reading as visibility
from lawtrail.api.api import caller
from lawtrail.ledger import checkpoints, proofs, witness
from lawtrail.ledger.models import Event

router = Router(tags=["ledger"])
MAX_ENTRIES = 1000


class Entry(Schema):
    """An event's canonical bytes, or, when withheld from the caller, only its leaf hash."""

    index: int
    data: str | None = Field(None, description="The canonical bytes, base64.")
    withheld: bool | None = Field(
        None, description="True when the caller may not read this event (第二十一条)."
    )
    leaf_hash: str | None = Field(
        None, description="A withheld event's RFC 6962 leaf hash (32 bytes), base64."
    )


class Entries(Schema):
    entries: list[Entry]


class InclusionProof(Schema):
    index: int
    size: int
    hashes: list[str]


class ConsistencyProof(Schema):
    size1: int
    size2: int
    hashes: list[str]


class Problem(Schema):
    detail: str


def text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain; charset=utf-8", status=status)


@router.get("/checkpoint", response={200: str, 404: Problem})
def checkpoint(request: HttpRequest) -> HttpResponse:
    """The latest signed checkpoint (C2SP signed note), with witness cosignatures."""
    latest = checkpoints.latest()
    if latest is None:
        return text(_("No checkpoint has been signed yet.") + "\n", status=404)
    return text(checkpoints.served_note(latest))


@router.get("/verifier-key", response={200: str, 404: Problem})
def verifier_key(request: HttpRequest) -> HttpResponse:
    """The verifier key of this log's checkpoints (``name+id+base64``)."""
    try:
        key = checkpoints.verifier().key
    except (checkpoints.KeyMissing, FileNotFoundError):
        return text(_("This log has no signing key yet; `lawtrail init` makes one.") + "\n", 404)
    return text(key + "\n")


@router.get("/entries", response={200: Entries, 422: Problem}, exclude_none=True)
def entries(request: HttpRequest, start: int, end: int) -> tuple[int, object]:
    """Every event with start ≤ index < end: its canonical bytes (base64) when the caller may
    read it, else ``"withheld": true`` and its leaf hash, so that anyone signed in can still
    recompute the tree and check it against the signed checkpoint. The events hold the facts
    of every matter (parties, places, who did what, 第二十一条): provincial supervisors, system
    administrators and ledger auditors read them all; the others read the events they may see
    anyway (lawtrail/access/ledger_reading.py, decision 0019)."""
    if start < 0 or end <= start or end - start > MAX_ENTRIES:
        return 422, {
            "detail": _("Ask for 0 ≤ start < end with at most %(max)d entries.")
            % {"max": MAX_ENTRIES}
        }
    rows = list(
        Event.objects.filter(seq__gte=start, seq__lt=end)
        .order_by("seq")
        .values_list("seq", "actor_id", "object_type", "object_id", "context", "body", "leaf_hash")
    )
    shown = visibility.visible(caller(request), [visibility.EventFacts(*row[:5]) for row in rows])
    return 200, {
        "entries": [
            {"index": seq, "data": b64(body)}
            if seq in shown
            else {"index": seq, "withheld": True, "leaf_hash": b64(leaf)}
            for seq, *_facts, body, leaf in rows
        ]
    }


def b64(data: bytes | memoryview) -> str:
    return base64.b64encode(bytes(data)).decode()


@router.get("/proof/inclusion", response={200: InclusionProof, 422: Problem})
def inclusion_proof(request: HttpRequest, index: int, size: int) -> tuple[int, object]:
    """RFC 6962 inclusion proof of event ``index`` in the signed tree of ``size`` events."""
    try:
        hashes = proofs.inclusion(index, size)
    except proofs.ProofRequestError as error:
        return 422, {"detail": str(error)}
    return 200, {"index": index, "size": size, "hashes": hashes}


class ConsistencyQuery(Schema):
    from_: int = Field(alias="from")
    to: int


@router.get("/proof/consistency", response={200: ConsistencyProof, 422: Problem})
def consistency_proof(request: HttpRequest, query: Query[ConsistencyQuery]) -> tuple[int, object]:
    """RFC 6962 consistency proof between the signed trees of ``from`` and ``to`` events."""
    try:
        hashes = proofs.consistency(query.from_, query.to)
    except proofs.ProofRequestError as error:
        return 422, {"detail": str(error)}
    return 200, {"size1": query.from_, "size2": query.to, "hashes": hashes}


witness_router = Router(tags=["ledger"])


@witness_router.post("/add-checkpoint", response={200: str})
def add_checkpoint(request: HttpRequest) -> HttpResponse:
    """C2SP tlog-witness style: co-sign a followed log's checkpoint after checking that it
    extends the last one co-signed (see lawtrail/ledger/witness.py for the body)."""
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return text(_("The body is not UTF-8 text.") + "\n", status=400)
    try:
        line = witness.add_checkpoint(body, submitted_by=caller(request))
    except witness.Conflict as conflict:
        return text(f"{conflict.size}\n", status=409)
    except witness.WitnessError as error:
        return text(f"{error}\n", status=error.status)
    return text(line)


class WitnessAlarmOut(Schema):
    id: int
    at: str
    origin: str
    reason: str
    submitted_by: str | None
    presented: str
    known: str


class WitnessAlarms(Schema):
    alarms: list[WitnessAlarmOut]


@witness_router.get("/alarms", response={200: WitnessAlarms, 403: Problem})
def witness_alarms(request: HttpRequest, origin: str | None = None) -> tuple[int, object]:
    """The checkpoints this witness refused as a split view or a rewritten history, oldest
    first, with who submitted them (第二十六条: refused and reported). For provincial
    supervisors and system administrators, who must act on them."""
    from lawtrail.agencies.models import Role
    from lawtrail.agencies.scope import officer_of

    officer = officer_of(caller(request))
    if officer is None or not (officer.has_role(Role.SUPERVISOR) or officer.has_role(Role.ADMIN)):
        return 403, {
            "detail": _(
                "Only provincial supervisors and system administrators read the witness alarms."
            )
        }
    return 200, {"alarms": witness.alarm_rows(origin)}
