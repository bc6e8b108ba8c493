"""Who sees which evidence, and who may fetch an original (invariant 7: denial is the default).

Evidence is visible when its current binding (the latest) is to a matter the caller's scope
shows, or, while it is bound to nothing, when the caller brought it in or is the officer it was
recorded by: the officer's inbox. Playing a working copy or downloading an original is narrower
(第二十条, decision 0014): the handlers of the bound matter, the head of its agency and holders
of a live grant, or the people of the inbox while it is unbound.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Certificate
from lawtrail.agencies.scope import officer_of
from lawtrail.errors import Invalid, NotFound
from lawtrail.evidence.models import Acquisition, Binding, Evidence
from lawtrail.matters.permissions import visible_matters

#: The annotation ``with_current_matter`` adds (named through a constant for the type checker,
#: which does not follow annotations).
CURRENT_MATTER = "current_matter_id"


def latest_binding() -> models.QuerySet[Binding]:
    return Binding.objects.filter(evidence=models.OuterRef("pk")).order_by("-bound_at", "-id")


def with_current_matter(queryset: models.QuerySet[Evidence]) -> models.QuerySet[Evidence]:
    """Annotate ``current_matter_id``: the matter of the latest binding, or None."""
    return queryset.annotate(
        current_matter_id=models.Subquery(latest_binding().values("matter_id")[:1])
    )


def own_acquisitions(user: Any) -> models.Q:
    """Acquisitions the caller made, or that name the caller as the recording officer."""
    mine = models.Q(acquired_by=user)
    officer = officer_of(user)
    if officer is not None:
        mine |= models.Q(officer=officer)
    return mine


def visible_evidence(user: Any) -> models.QuerySet[Evidence]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Evidence.objects.none()
    inbox = Acquisition.objects.filter(own_acquisitions(user), evidence=models.OuterRef("pk"))
    return with_current_matter(Evidence.objects.all()).filter(
        models.Q(current_matter_id__in=visible_matters(user).values("pk"))
        | models.Q(current_matter_id__isnull=True, pk__in=models.Subquery(inbox.values("evidence")))
    )


def get_visible_evidence(user: Any, pk: int | str) -> Evidence:
    try:
        return visible_evidence(user).get(pk=int(pk))
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such evidence.")) from None


def current_binding(evidence: Evidence) -> Binding | None:
    return (
        Binding.objects.filter(evidence=evidence)
        .select_related("matter", "bound_by")
        .order_by("-bound_at", "-id")
        .first()
    )


def sees_through_matter(user: Any, binding: Binding | None) -> bool:
    return binding is not None and visible_matters(user).filter(pk=binding.matter_id).exists()


def shown_acquisitions(user: Any, evidence: Evidence) -> models.QuerySet[Acquisition]:
    """Every acquisition when the evidence is seen through its matter; in the inbox only the
    caller's own (who else holds the same bytes is not theirs to know)."""
    acquisitions = (
        Acquisition.objects.filter(evidence=evidence)
        .select_related("acquired_by", "officer", "officer__user")
        .order_by("acquired_at", "id")
    )
    if sees_through_matter(user, current_binding(evidence)):
        return acquisitions
    return acquisitions.filter(own_acquisitions(user))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: 404 when the caller may not even know the evidence exists, else 403.
    status: int
    reason: str
    #: The grant that allowed it (第二十条), logged with the view or download.
    grant_id: int | None = None


def content_decision(user: Any, evidence: Evidence, kind: str) -> Decision:
    """Whether ``user`` may have the working copy (``kind`` "view") or the original ("copy").

    第二十条: without a grant, nobody but the bound matter's handlers and the head of its agency
    sees originals or working copies; a live view grant gives the working copy, a copy grant
    the original too, within what the confidentiality level allows (``access.rules``). While
    the evidence is bound to nothing, its acquirer and recording officer (the inbox) may."""
    from lawtrail.access.rules import content_decision as by_level

    if not visible_evidence(user).filter(pk=evidence.pk).exists():
        return Decision(False, 404, "not visible")
    if current_binding(evidence) is None:
        return Decision(True, 200, "acquirer of unbound evidence")
    decision = by_level(user, evidence, kind)
    if decision.allowed:
        grant_id = decision.grant.pk if decision.grant is not None else None
        return Decision(True, 200, decision.why, grant_id)
    return Decision(False, 403, decision.why)


def download_decision(user: Any, evidence: Evidence) -> Decision:
    """Whether ``user`` may fetch the original: see ``content_decision`` (a copy grant)."""
    return content_decision(user, evidence, "copy")


# -------------------------------------------------------------------------- list filters


@dataclass
class EvidenceFilters:
    matter: str | None = None
    officer: str | None = None
    device: str | None = None
    kind: str | None = None
    acquired_from: datetime.date | None = None
    acquired_to: datetime.date | None = None
    unbound: bool | None = None
    #: 第十九条's 48-hour status: on_time, late or unknown (see ``deadlines``).
    deadline: str | None = None


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the local time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(user: Any, filters: EvidenceFilters) -> models.QuerySet[Evidence]:
    """The caller's visible evidence narrowed by ``filters``; each filter matches any of the
    evidence's acquisitions where it is about acquisitions."""
    evidence = visible_evidence(user)
    if filters.kind is not None:
        if filters.kind not in Evidence.Kind.values:
            raise Invalid(
                _("Unknown kind of evidence %(kind)s.") % {"kind": filters.kind},
                {"kind": [", ".join(Evidence.Kind.values)]},
            )
        evidence = evidence.filter(kind=filters.kind)
    if filters.matter:
        matters = visible_matters(user).filter(number=filters.matter.strip())
        evidence = evidence.filter(**{CURRENT_MATTER + "__in": matters.values("pk")})
    if filters.deadline is not None:
        from lawtrail.evidence import deadlines

        if filters.deadline not in deadlines.EVIDENCE_STATUSES:
            raise Invalid(
                _("Unknown 48-hour status %(status)s.") % {"status": filters.deadline[:32]},
                {"deadline": [", ".join(deadlines.EVIDENCE_STATUSES)]},
            )
        evidence = deadlines.with_status(evidence, filters.deadline)
    if filters.unbound is not None:
        evidence = evidence.filter(**{CURRENT_MATTER + "__isnull": filters.unbound})
    since, until = filters.acquired_from, filters.acquired_to
    if since and until and since > until:
        raise Invalid(
            _("acquired_from is after acquired_to."), {"acquired_from": [], "acquired_to": []}
        )
    arrivals = Acquisition.objects.all()
    narrowed = False
    if filters.officer:
        value = filters.officer.strip()
        certified = Certificate.objects.filter(number=value).values("officer")
        arrivals = arrivals.filter(
            models.Q(officer__user__username=value) | models.Q(officer__in=certified)
        )
        narrowed = True
    if filters.device:
        arrivals = arrivals.filter(device_serial=filters.device.strip())
        narrowed = True
    if filters.acquired_from:
        arrivals = arrivals.filter(acquired_at__gte=start_of(filters.acquired_from))
        narrowed = True
    if filters.acquired_to:
        next_day = filters.acquired_to + datetime.timedelta(days=1)
        arrivals = arrivals.filter(acquired_at__lt=start_of(next_day))
        narrowed = True
    if narrowed:
        evidence = evidence.filter(models.Exists(arrivals.filter(evidence=models.OuterRef("pk"))))
    return evidence
