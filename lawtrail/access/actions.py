"""Actions of confidentiality and access: one function per change, its ledger event in the same
transaction (第二十条, 第二十一条). An action that raises has changed nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.access.models import (
    RANK,
    AccessDecision,
    AccessRequest,
    ConfidentialityMark,
    Grant,
    Level,
    RequestedEvidence,
    Revocation,
)
from lawtrail.access.rules import (
    AV_KINDS,
    bound_matter,
    evidence_level,
    grants_allowed,
    matter_level,
    relations,
)
from lawtrail.errors import Forbidden, Invalid, NotFound, Refused, Unmet
from lawtrail.evidence.models import Binding, Evidence
from lawtrail.ledger import events
from lawtrail.matters.models import Matter
from lawtrail.matters.permissions import require_officer

MAX_TEXT = 2000


def required_text(value: str, name: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(
            _("%(field)s is required.") % {"field": name}, {name: [_("This field is required.")]}
        )
    if len(text) > MAX_TEXT:
        raise Invalid(
            _("%(field)s is longer than %(n)d characters.") % {"field": name, "n": MAX_TEXT},
            {name: [_("At most %(n)s characters.") % {"n": MAX_TEXT}]},
        )
    return text


def clean_level(level: str) -> Level:
    if level not in Level.values:
        raise Invalid(
            _("Unknown confidentiality level %(level)s.") % {"level": str(level)[:32]},
            {"level": [", ".join(Level.values)]},
        )
    return Level(level)


def may_set(user: Any, matter: Matter, old: str, new: str) -> None:
    """Heads of the matter's agency set any level; handlers may only make it stricter."""
    mine = relations(user, matter)
    if "head" in mine:
        return
    if "handler" in mine:
        if RANK[Level(new)] <= RANK[Level(old)]:
            raise Forbidden(
                _("A handler may make the level stricter; only the head may lower or change it.")
            )
        return
    raise Forbidden(_("Only the matter's handlers and the head of its agency may set its level."))


def refuse_state_secret_av(matter: Matter) -> None:
    av = Binding.objects.filter(matter=matter, evidence__kind__in=AV_KINDS)
    current = [b for b in av.select_related("evidence") if bound_matter(b.evidence) == matter]
    if current:
        raise Refused(
            _("This matter cannot become a state secret while audio/video is bound to it."),
            [
                Unmet(
                    "state_secret_av",
                    "第十五条",
                    _(
                        "A 国家秘密 matter takes no audio/video recording (第十五条); move its "
                        "%(n)d audio/video item(s) to another matter first."
                    )
                    % {"n": len(current)},
                )
            ],
        )


@transaction.atomic
def set_matter_level(user: Any, matter: Matter, level: str, reason: str) -> ConfidentialityMark:
    """第二十一条: mark a matter's confidentiality level, with a reason."""
    new = clean_level(level)
    reason = required_text(reason, "reason")
    old = matter_level(matter)
    if new == old:
        raise Invalid(_("The matter is already at this level."), {"level": []})
    may_set(user, matter, old, new)
    if new == Level.STATE_SECRET:
        refuse_state_secret_av(matter)
    mark = ConfidentialityMark.objects.create(
        matter=matter, level=new, reason=reason, set_by=user, set_at=timezone.now()
    )
    events.append(
        events.Actor.of(user),
        "access.matter_level_set",
        mark,
        {"matter": matter.number, "from": old, "to": new, "reason": reason},
        context=matter.context,
    )
    return mark


@transaction.atomic
def set_evidence_level(
    user: Any, evidence: Evidence, level: str, reason: str
) -> ConfidentialityMark:
    """第二十一条: mark bound evidence's own level; its effective level is the stricter of this
    and its matter's."""
    new = clean_level(level)
    reason = required_text(reason, "reason")
    matter = bound_matter(evidence)
    if matter is None:
        raise Invalid(_("Bind the evidence to a matter before marking its level."), {"level": []})
    from lawtrail.access.rules import own_evidence_level

    old = own_evidence_level(evidence) or evidence_level(evidence, matter)
    if new == own_evidence_level(evidence):
        raise Invalid(_("The evidence is already at this level."), {"level": []})
    may_set(user, matter, old, new)
    mark = ConfidentialityMark.objects.create(
        evidence=evidence, level=new, reason=reason, set_by=user, set_at=timezone.now()
    )
    events.append(
        events.Actor.of(user),
        "access.evidence_level_set",
        mark,
        {
            "evidence": evidence.pk,
            "matter": matter.number,
            "from": old,
            "to": new,
            "reason": reason,
        },
        context=matter.context,
    )
    return mark


def check_av_allowed(matter: Matter, evidence: Evidence) -> None:
    """第十五条: no audio/video on a state-secret matter (``evidence.ingest.bind`` asks)."""
    if evidence.kind in AV_KINDS and matter_level(matter) == Level.STATE_SECRET:
        raise Refused(
            _("Matter %(n)s is a state secret and takes no audio/video.") % {"n": matter.number},
            [
                Unmet(
                    "state_secret_av",
                    "第十五条",
                    _(
                        "第十五条: matters that involve state secrets are not recorded on "
                        "audio/video; keep written records only."
                    ),
                )
            ],
        )


# ------------------------------------------------------------------------------ requests


@dataclass
class RequestInput:
    kind: str
    purpose: str
    justification: str
    evidence: list[int] = field(default_factory=list)
    recipient_name: str = ""
    recipient_organisation: str = ""


@transaction.atomic
def request_access(user: Any, matter: Matter, data: RequestInput) -> AccessRequest:
    """第二十条: ask to view or copy a matter (or some of its evidence). A user in the matter's
    scope asks for themselves; a handler or the head enters an outside recipient's request."""
    mine = relations(user, matter)
    if "scope" not in mine:
        raise NotFound(_("No such matter."))
    if data.kind not in AccessRequest.Kind.values:
        raise Invalid(
            _("Unknown kind %(k)s.") % {"k": str(data.kind)[:16]},
            {"kind": AccessRequest.Kind.values},
        )
    if data.purpose not in AccessRequest.Purpose.values:
        raise Invalid(
            _("Unknown purpose %(p)s.") % {"p": str(data.purpose)[:32]},
            {"purpose": AccessRequest.Purpose.values},
        )
    justification = required_text(data.justification, "justification")
    name = data.recipient_name.strip()
    organisation = data.recipient_organisation.strip()
    outsider = bool(name or organisation)
    if outsider:
        if not (name and organisation):
            raise Invalid(
                _("Name both the recipient and their organisation."),
                {"recipient_name": [], "recipient_organisation": []},
            )
        if len(name) > 100 or len(organisation) > 200:
            raise Invalid(
                _("The recipient's name or organisation is too long."), {"recipient_name": []}
            )
        if not mine & {"handler", "head"}:
            raise Forbidden(
                _("Only the matter's handlers and its head enter an outside recipient's request.")
            )
    ids = sorted(set(data.evidence))
    found = []
    for evidence_id in ids:
        evidence = Evidence.objects.filter(pk=evidence_id).first()
        if evidence is None or bound_matter(evidence) != matter:
            raise Invalid(
                _("Evidence %(id)s is not bound to matter %(n)s.")
                % {"id": evidence_id, "n": matter.number},
                {"evidence": [str(evidence_id)]},
            )
        found.append(evidence)
    levels = [evidence_level(e, matter) for e in found] or [matter_level(matter)]
    if any(not grants_allowed(level) for level in levels):
        raise Refused(
            _("State secrets are not viewed or copied through access requests."),
            [
                Unmet(
                    "state_secret", "第二十一条", _("依法应保密的除外 (第二十条); see 第二十一条.")
                )
            ],
        )
    request = AccessRequest.objects.create(
        matter=matter,
        kind=data.kind,
        purpose=data.purpose,
        requester=None if outsider else user,
        recipient_name=name,
        recipient_organisation=organisation,
        entered_by=user,
        justification=justification,
        requested_at=timezone.now(),
    )
    RequestedEvidence.objects.bulk_create(
        [RequestedEvidence(request=request, evidence=e) for e in found]
    )
    events.append(
        events.Actor.of(user),
        "access.requested",
        request,
        {
            "request": request.pk,
            "matter": matter.number,
            "kind": request.kind,
            "purpose": request.purpose,
            "for": request.who(),
            "evidence": ids,
            "justification": justification,
        },
        context=matter.context,
    )
    return request


def require_deciding_head(user: Any, matter: Matter, request: AccessRequest | None = None) -> None:
    require_officer(user)
    mine = relations(user, matter)
    if "scope" not in mine:
        raise NotFound(_("No such access request."))
    if "head" not in mine:
        raise Forbidden(_("Only the head of the matter's agency decides access (第二十条)."))
    if request is not None and user.pk in (request.requester_id, request.entered_by_id):
        raise Forbidden(_("Nobody decides an access request they made or entered themselves."))


@transaction.atomic
def decide_access(
    user: Any,
    request: AccessRequest,
    *,
    approve: bool,
    expires_at: datetime.datetime | None,
    reason: str,
) -> AccessDecision:
    """第二十条: the head approves (a grant until ``expires_at``) or refuses (with a reason)."""
    request = AccessRequest.objects.select_for_update().get(pk=request.pk)
    matter = request.matter
    require_deciding_head(user, matter, request)
    if AccessDecision.objects.filter(request=request).exists():
        raise Invalid(_("This request has already been decided."), {"approve": []})
    now = timezone.now()
    reason = reason.strip()
    if approve:
        if expires_at is None or expires_at <= now:
            raise Invalid(
                _("An approval needs an expiry in the future."),
                {"expires_at": [_("This field is required.")]},
            )
        if expires_at > now + datetime.timedelta(days=366):
            raise Invalid(_("A grant lasts at most a year."), {"expires_at": []})
        levels = [
            evidence_level(e, matter)
            for e in Evidence.objects.filter(pk__in=request.evidence_ids())
        ]
        if any(not grants_allowed(lv) for lv in [*levels, matter_level(matter)]):
            raise Refused(
                _("The matter or its evidence became a state secret; it cannot be granted."),
                [Unmet("state_secret", "第二十一条", _("依法应保密的除外 (第二十条)."))],
            )
    else:
        reason = required_text(reason, "reason")
        expires_at = None
    decision = AccessDecision.objects.create(
        request=request,
        approved=approve,
        expires_at=expires_at,
        reason=reason,
        decided_by=user,
        decided_at=now,
    )
    payload: dict[str, Any] = {
        "request": request.pk,
        "matter": matter.number,
        "approved": approve,
        "reason": reason,
    }
    if approve:
        assert expires_at is not None
        grant = Grant.objects.create(
            request=request,
            matter=matter,
            kind=request.kind,
            holder=request.requester,
            granted_at=now,
            expires_at=expires_at,
        )
        payload.update(
            {"grant": grant.pk, "expires_at": expires_at.isoformat(), "for": request.who()}
        )
    events.append(
        events.Actor.of(user),
        "access.approved" if approve else "access.refused",
        request,
        payload,
        context=matter.context,
    )
    return decision


@transaction.atomic
def revoke_grant(user: Any, grant: Grant, reason: str) -> Revocation:
    """The head ends a grant before it expires; the revocation is an event."""
    grant = Grant.objects.select_for_update().get(pk=grant.pk)
    require_deciding_head(user, grant.matter)
    reason = required_text(reason, "reason")
    if Revocation.objects.filter(grant=grant).exists():
        raise Invalid(_("This grant has already been revoked."), {"grant": []})
    if grant.expires_at <= timezone.now():
        raise Invalid(_("This grant has already expired."), {"grant": []})
    revocation = Revocation.objects.create(
        grant=grant, revoked_by=user, revoked_at=timezone.now(), reason=reason
    )
    events.append(
        events.Actor.of(user),
        "access.grant_revoked",
        grant,
        {
            "grant": grant.pk,
            "request": grant.request_id,
            "matter": grant.matter.number,
            "reason": reason,
        },
        context=grant.matter.context,
    )
    return revocation
