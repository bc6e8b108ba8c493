"""Actions on stored evidence: binding it to a matter and handing out its original.

Each checks permission, changes rows and appends its ledger event in one transaction (the
zulip shape). Reading an original is an event too, written before the first byte is served
(第二十条, invariant 4); a refused attempt is one as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lawtrail.errors import ActionError, Forbidden, Invalid, NotFound
from lawtrail.evidence.ingest import bind
from lawtrail.evidence.models import Acquisition, Binding, Evidence
from lawtrail.evidence.queries import current_binding, download_decision, get_visible_evidence
from lawtrail.ledger import events
from lawtrail.matters.models import Matter
from lawtrail.matters.permissions import require_can_work_on, visible_matters
from lawtrail.storage import BlobNotFound, default_store


@transaction.atomic
def bind_evidence(
    user: Any, evidence_id: int, *, matter_id: int | None, matter_number: str, reason: str
) -> Binding:
    """Bind visible evidence to a matter the caller works on. Moving it out of the matter it is
    bound to needs the right to change that matter too, and a reason; earlier bindings stay."""
    evidence = get_visible_evidence(user, evidence_id)
    matter = find_matter(user, matter_id, matter_number)
    current = current_binding(evidence)
    if current is not None:
        if current.matter_id == matter.pk:
            raise Invalid(
                _("The evidence is already bound to %(n)s.") % {"n": matter.number},
                {"matter": []},
            )
        require_can_work_on(user, current.matter)
        if not reason.strip():
            raise Invalid(
                _("Say why the evidence moves from %(old)s to %(new)s.")
                % {"old": current.matter.number, "new": matter.number},
                {"reason": [_("This field is required.")]},
            )
    return bind(user, evidence, matter, reason=reason)


@transaction.atomic
def note_viewed(user: Any, evidence: Evidence) -> None:
    """第二十条: consulting evidence (its page, its facts) is an event, written before the
    content is returned. The caller has already checked that ``user`` sees it."""
    binding = current_binding(evidence)
    events.append(
        events.Actor.of(user),
        "evidence.viewed",
        evidence,
        {"evidence": evidence.pk, "sha256": evidence.sha256},
        context=binding.matter.context if binding else "",
    )


def find_matter(user: Any, matter_id: int | None, matter_number: str) -> Matter:
    if (matter_id is None) == (not matter_number.strip()):
        raise Invalid(
            _("Name the matter by matter_id or by matter_number, one of them."),
            {"matter_id": [], "matter_number": []},
        )
    matters = visible_matters(user)
    if matter_id is not None:
        matter = matters.filter(pk=matter_id).first()
    else:
        matter = matters.filter(number=matter_number.strip()).first()
    if matter is None:
        raise NotFound(_("No such matter."))
    return matter


@dataclass(frozen=True)
class ByteRange:
    """``[start, end)`` of an original, or the whole of it (``full``)."""

    start: int
    end: int
    size: int
    full: bool

    @property
    def length(self) -> int:
        return self.end - self.start

    def describe(self) -> str:
        return "full" if self.full else f"bytes {self.start}-{self.end - 1}/{self.size}"


DIGITS = re.compile(r"[0-9]{1,19}")


class RangeNotSatisfiable(Exception):
    """HTTP 416: the Range header names no bytes of this original."""


def parse_range(header: str | None, size: int) -> ByteRange:
    """One ``bytes=`` range of RFC 9110 (``a-b``, ``a-``, ``-n``). Anything else that claims
    the ``bytes`` unit and cannot be served is 416; another unit, or a list of ranges, gets
    the whole original (a server may ignore Range)."""
    whole = ByteRange(0, size, size, True)
    if not header:
        return whole
    unit, _sep, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes":
        return whole
    if "," in spec:
        return whole
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first or last) or not DIGITS.fullmatch(first + last):
        raise RangeNotSatisfiable(header)
    if not first:  # the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(0, size - n), size, size, False)
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable(header)
    return ByteRange(start, end, size, False)


def refuse_download(user: Any, evidence: Evidence, status: int, reason: str, asked: str) -> None:
    """Write the refusal (its own transaction, kept even though the request fails)."""
    with transaction.atomic():
        events.append(
            events.Actor.of(user),
            "evidence.original_download_refused",
            evidence,
            {
                "evidence": evidence.pk,
                "user": user.get_username() if user is not None else None,
                "range": asked,
                "status": status,
                "reason": reason,
            },
        )


class OriginalMissing(ActionError):
    """The row is there but the store has no bytes for it: a case for ``lawtrail verify``."""

    status = 500


@contextmanager
def closed_on_error(chunks: Iterator[bytes]) -> Iterator[None]:
    """Close the opened bytes when what must precede them (the ledger event) fails."""
    try:
        yield
    except BaseException:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        raise


@dataclass
class Download:
    evidence: Evidence
    range: ByteRange
    chunks: Iterator[bytes]
    filename: str


def start_download(user: Any, evidence_id: int, range_header: str | None) -> Download:
    """Check, open, log and commit, in that order: when this returns the ``evidence.original_
    downloaded`` event is durable, and only then may the bytes flow. Refusals are logged and
    raised; a Range that names no bytes raises ``RangeNotSatisfiable`` (nothing served)."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        raise NotFound(_("No such evidence."))
    decision = download_decision(user, evidence)
    if not decision.allowed:
        refuse_download(user, evidence, decision.status, decision.reason, range_header or "")
        if decision.status == 404:
            raise NotFound(_("No such evidence."))
        raise Forbidden(
            _(
                "Only the bound matter's handlers, the head of its agency and holders of a live "
                "copy grant (第二十条) may download the original."
            )
        )
    byte_range = parse_range(range_header, evidence.size)
    try:
        chunks = default_store().read_range(evidence.sha256, byte_range.start, byte_range.end)
    except BlobNotFound:
        raise OriginalMissing(
            _("The original of evidence %(id)d is missing from the store; run lawtrail verify.")
            % {"id": evidence.pk}
        ) from None
    binding = current_binding(evidence)
    with closed_on_error(chunks), transaction.atomic():
        events.append(
            events.Actor.of(user),
            "evidence.original_downloaded",
            evidence,
            {
                "evidence": evidence.pk,
                "sha256": evidence.sha256,
                "user": user.get_username(),
                "range": byte_range.describe(),
                "bytes": byte_range.length,
                "why": decision.reason,
                "grant": decision.grant_id,
            },
            context=binding.matter.context if binding else "",
        )
    first = (
        Acquisition.objects.filter(evidence=evidence).exclude(filename="").order_by("id").first()
    )
    filename = first.filename if first else f"evidence-{evidence.pk}"
    return Download(evidence, byte_range, chunks, filename)
