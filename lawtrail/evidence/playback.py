"""Playing evidence in the browser: the watermarked working copy and the thumbnail (第十九条).

Viewers never get the original here (that is ``actions.start_download``, narrower and logged
per request); they get the latest derivative of the kind asked for, the one made for the
current binding, with HTTP Range so that a ``<video>`` element can seek. 第二十条: the working
copy plays only for the bound matter's handlers, the head of its agency and holders of a live
grant (``queries.content_decision``); a refusal is a ledger event too. The thumbnail follows
the confidentiality level (``access.rules.details_decision``). The start of each playback (a
request from byte 0) is a ledger event written before the first byte, so the ledger shows who
watched what and when; the Range requests that follow while seeking are not logged one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lawtrail.errors import Forbidden, NotFound
from lawtrail.evidence.actions import ByteRange, OriginalMissing, closed_on_error, parse_range
from lawtrail.evidence.models import Derivative, Evidence
from lawtrail.evidence.queries import content_decision, current_binding, get_visible_evidence
from lawtrail.ledger import events
from lawtrail.storage import BlobNotFound, default_store


@dataclass
class Stream:
    evidence: Evidence
    derivative: Derivative
    range: ByteRange
    chunks: Iterator[bytes]


def latest_derivative(evidence: Evidence, kind: str) -> Derivative | None:
    """The newest derivative of ``kind``: made for the current binding when there is one."""
    derivatives = Derivative.objects.filter(evidence=evidence, kind=kind).order_by(
        "-made_at", "-id"
    )
    binding = current_binding(evidence)
    if binding is not None:
        for_binding = derivatives.filter(binding=binding).first()
        if for_binding is not None:
            return for_binding
    return derivatives.first()


def may_open(user: Any, evidence: Evidence, kind: str, range_header: str | None) -> int | None:
    """Refuse (and log the refusal of) a working copy the caller may not play, or a thumbnail
    the confidentiality level hides; the grant that allowed a working copy, if any."""
    from lawtrail.access.rules import details_decision

    if kind != Derivative.Kind.WORKING_COPY:
        if current_binding(evidence) is not None and not details_decision(user, evidence):
            raise Forbidden(_("The confidentiality level of this evidence hides its thumbnail."))
        return None
    decision = content_decision(user, evidence, "view")
    if decision.allowed:
        return decision.grant_id
    binding = current_binding(evidence)
    with transaction.atomic():
        events.append(
            events.Actor.of(user),
            "evidence.working_copy_refused",
            evidence,
            {
                "evidence": evidence.pk,
                "user": user.get_username() if user is not None else None,
                "range": range_header or "",
                "status": decision.status,
                "reason": decision.reason,
            },
            context=binding.matter.context if binding else "",
        )
    raise Forbidden(
        _(
            "Only the bound matter's handlers, the head of its agency and holders of a live "
            "grant (第二十条) may play the working copy."
        )
    )


def open_derivative(user: Any, evidence_id: int, kind: str, range_header: str | None) -> Stream:
    """Check the caller sees the evidence, pick the derivative, log the start of a playback,
    then open the bytes. ``RangeNotSatisfiable`` when the Range names no bytes."""
    evidence = get_visible_evidence(user, evidence_id)
    grant_id = may_open(user, evidence, kind, range_header)
    derivative = latest_derivative(evidence, kind)
    if derivative is None:
        if kind == Derivative.Kind.THUMBNAIL:
            raise NotFound(_("Evidence %(id)d has no thumbnail (yet).") % {"id": evidence.pk})
        raise NotFound(
            _("The working copy of evidence %(id)d is not made yet; try again shortly.")
            % {"id": evidence.pk}
        )
    byte_range = parse_range(range_header, derivative.size)
    try:
        chunks = default_store().read_range(derivative.sha256, byte_range.start, byte_range.end)
    except BlobNotFound:
        raise OriginalMissing(
            _("A working copy of evidence %(id)d is missing from the store; run lawtrail verify.")
            % {"id": evidence.pk}
        ) from None
    if kind == Derivative.Kind.WORKING_COPY and byte_range.start == 0:
        binding = current_binding(evidence)
        with closed_on_error(chunks), transaction.atomic():
            events.append(
                events.Actor.of(user),
                "evidence.working_copy_played",
                evidence,
                {
                    "evidence": evidence.pk,
                    "derivative": derivative.pk,
                    "sha256": derivative.sha256,
                    "user": user.get_username(),
                    "range": byte_range.describe(),
                    "grant": grant_id,
                },
                context=binding.matter.context if binding else "",
            )
    return Stream(evidence, derivative, byte_range, chunks)
