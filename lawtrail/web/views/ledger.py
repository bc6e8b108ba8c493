"""Check it yourself: the ledger page (第二十六条).

Anyone signed in sees the latest signed checkpoint (with the witnesses' cosignatures), the
verifier key and the standalone verifier, and downloads the proof bundle of any event they may
see (``access.ledger_reading``) to check offline, with no trust in this server, that the event
is in the signed log (docs/ledger.md §5). Provincial supervisors and system administrators also
see the alarms this node raised as a witness.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lawtrail.access import ledger_reading
from lawtrail.agencies.models import Role
from lawtrail.agencies.scope import officer_of
from lawtrail.errors import NotFound, Refused
from lawtrail.ledger import checkpoints, proofs, witness
from lawtrail.ledger.commands import verifier_path
from lawtrail.ledger.models import Checkpoint, Event, LogHead
from lawtrail.web.shortcuts import page


def reads_alarms(request: HttpRequest) -> bool:
    officer = officer_of(request.user)
    return officer is not None and (
        officer.has_role(Role.SUPERVISOR) or officer.has_role(Role.ADMIN)
    )


def verifier_key() -> str:
    try:
        return checkpoints.verifier().key
    except (checkpoints.KeyMissing, FileNotFoundError):
        return ""


@page
@require_GET
def ledger_page(request: HttpRequest) -> HttpResponse:
    latest = checkpoints.latest()
    head = LogHead.objects.first()
    context = {
        "nav": "ledger",
        "origin": settings.LAWTRAIL_LOG_ORIGIN,
        "events": head.size if head else 0,
        "checkpoint": latest,
        "note": checkpoints.served_note(latest) if latest else "",
        "checkpoints": Checkpoint.objects.count(),
        "cosignatures": latest.cosignatures.count() if latest else 0,
        "verifier_key": verifier_key(),
        "checkpoint_seconds": settings.LAWTRAIL_CHECKPOINT_SECONDS,
        "checkpoint_events": settings.LAWTRAIL_CHECKPOINT_EVENTS,
        "alarms": witness.alarm_rows() if reads_alarms(request) else None,
    }
    return render(request, "web/ledger.html", context)


@page
@require_GET
def verifier_download(request: HttpRequest) -> HttpResponse:
    """The standalone verifier (Python 3.11 and ``cryptography`` only; one small file)."""
    response = HttpResponse(
        verifier_path().read_bytes(), content_type="text/x-python; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="lawtrail-verifier.py"'
    return response


@page
@require_GET
def verifier_key_download(request: HttpRequest) -> HttpResponse:
    key = verifier_key()
    if not key:
        raise NotFound(_("This log has no signing key yet; `lawtrail init` makes one."))
    response = HttpResponse(key + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="verifier-key.txt"'
    return response


@page
@require_GET
def proof_bundle(request: HttpRequest, seq: int) -> HttpResponse:
    """The proof bundle of event ``seq``, for ``verifier.py``: only of an event whose bytes the
    caller may read (others are "not found", as on the timeline)."""
    event = Event.objects.filter(seq=seq).first()
    if event is None:
        raise NotFound(_("No such event."))
    facts = ledger_reading.EventFacts(
        event.seq, event.actor_id, event.object_type, event.object_id, event.context
    )
    if event.seq not in ledger_reading.visible(request.user, [facts]):
        raise NotFound(_("No such event."))
    latest = checkpoints.latest()
    if latest is None or latest.size <= event.seq:
        raise Refused(
            _(
                "Event #%(seq)d is not yet covered by a signed checkpoint; one is signed every "
                "%(seconds)d seconds. Try again in a minute."
            )
            % {"seq": event.seq, "seconds": settings.LAWTRAIL_CHECKPOINT_SECONDS},
            [],
        )
    bundle = proofs.bundle(event, latest)
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lawtrail-event-{event.seq}.json"'
    return response
