"""Who may see what at each confidentiality level, and which grants are live (第二十条, 第二十一条).

The whole rule is the table ``READERS`` below; the read paths ask ``content_decision`` (working
copies and originals) and ``sees_details`` (the parts of a page a level hides). Decision 0014
explains it. Denial is the default: a relation not in the table sees nothing.

Relations of a user to a matter:

- ``handler``: one of the matter's handlers;
- ``head``: the head of the matter's agency;
- ``reviewer``: a legal reviewer of the matter's agency;
- ``scope``: anyone whose matter scope shows the matter (``matters.permissions``);
- ``grant``: the holder of a live grant covering the evidence (view or copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from lawtrail.access.models import (
    DEFAULT_LEVEL,
    RANK,
    AccessRequest,
    ConfidentialityMark,
    Grant,
    Level,
    RequestedEvidence,
    Revocation,
)
from lawtrail.agencies.models import Role
from lawtrail.agencies.scope import can_see_matters_of, officer_of
from lawtrail.evidence.models import Binding, Evidence
from lawtrail.matters.models import Handler, Matter

#: Who sees the *details* a level hides (party identifiers and contacts on the matter page;
#: the thumbnail, media facts and GIS of evidence) and who sees *content* (working copies and
#: originals; a grant gives the working copy for ``view``, the original too for ``copy``).
READERS: dict[str, dict[str, frozenset[str]]] = {
    Level.PUBLIC: {
        "details": frozenset({"scope", "handler", "head", "reviewer", "grant"}),
        "content": frozenset({"handler", "head", "grant"}),
    },
    Level.INTERNAL: {
        "details": frozenset({"scope", "handler", "head", "reviewer", "grant"}),
        "content": frozenset({"handler", "head", "grant"}),
    },
    Level.BUSINESS_SECRET: {
        "details": frozenset({"handler", "head", "reviewer", "grant"}),
        "content": frozenset({"handler", "head", "grant"}),
    },
    Level.PERSONAL_PRIVACY: {
        "details": frozenset({"handler", "head", "reviewer", "grant"}),
        "content": frozenset({"handler", "head", "grant"}),
    },
    # 第二十一条 and 第二十条 ("依法应保密的除外"): never through grants.
    Level.STATE_SECRET: {
        "details": frozenset({"handler", "head"}),
        "content": frozenset({"handler", "head"}),
    },
}

#: 第十五条: a state-secret matter takes no audio/video recording.
AV_KINDS = frozenset({Evidence.Kind.VIDEO, Evidence.Kind.AUDIO})


def grants_allowed(level: str) -> bool:
    return "grant" in READERS[level]["content"]


# ------------------------------------------------------------------------------ levels


def matter_level(matter: Matter) -> str:
    mark = ConfidentialityMark.objects.filter(matter=matter).order_by("-set_at", "-id").first()
    return mark.level if mark else DEFAULT_LEVEL


def own_evidence_level(evidence: Evidence) -> str | None:
    """The evidence's own mark, or None: unmarked evidence takes its matter's level."""
    mark = ConfidentialityMark.objects.filter(evidence=evidence).order_by("-set_at", "-id").first()
    return mark.level if mark else None


def stricter(a: str, b: str) -> str:
    """The stricter of two levels; on a tie (商业秘密 vs 个人隐私) the first."""
    return b if RANK[Level(b)] > RANK[Level(a)] else a


def bound_matter(evidence: Evidence) -> Matter | None:
    binding = (
        Binding.objects.filter(evidence=evidence)
        .select_related("matter", "matter__agency")
        .order_by("-bound_at", "-id")
        .first()
    )
    return binding.matter if binding else None


def evidence_level(evidence: Evidence, matter: Matter | None = None) -> str:
    """The effective level: the stricter of the evidence's own mark and its matter's."""
    matter = matter if matter is not None else bound_matter(evidence)
    own = own_evidence_level(evidence)
    if matter is None:
        return own or DEFAULT_LEVEL
    of_matter = matter_level(matter)
    return stricter(own, of_matter) if own else of_matter


# ------------------------------------------------------------------------------ grants


def live_grants() -> models.QuerySet[Grant]:
    revoked = Revocation.objects.filter(grant=models.OuterRef("pk"))
    return Grant.objects.filter(expires_at__gt=timezone.now()).exclude(models.Exists(revoked))


def grant_covers(grant: Grant, evidence: Evidence, matter: Matter | None) -> bool:
    """A grant covers the evidence it names, or every evidence of its matter when it names
    none, and only while the evidence is still bound to that matter."""
    if matter is None or matter.pk != grant.matter_id:
        return False
    items = RequestedEvidence.objects.filter(request_id=grant.request_id)
    return not items.exists() or items.filter(evidence=evidence).exists()


def grant_covers_now(grant: Grant, evidence: Evidence) -> bool:
    """``grant_covers`` for a live grant at a level that allows grants (``Grant.covers``)."""
    if not grant.is_live():
        return False
    matter = bound_matter(evidence)
    if not grant_covers(grant, evidence, matter):
        return False
    return grants_allowed(evidence_level(evidence, matter))


def covering_grant(user: Any, evidence: Evidence, matter: Matter | None, kind: str) -> Grant | None:
    """The user's live grant covering ``evidence`` for ``kind`` (a copy grant covers view)."""
    if user is None or not getattr(user, "is_authenticated", False) or matter is None:
        return None
    kinds = [AccessRequest.Kind.COPY]
    if kind == AccessRequest.Kind.VIEW:
        kinds.append(AccessRequest.Kind.VIEW)
    for grant in live_grants().filter(holder=user, matter=matter, kind__in=kinds).order_by("id"):
        if grant_covers(grant, evidence, matter):
            return grant
    return None


# ------------------------------------------------------------------------------ relations


def relations(user: Any, matter: Matter) -> set[str]:
    officer = officer_of(user)
    found: set[str] = set()
    if officer is None:
        return found
    if can_see_matters_of(user, matter.agency):
        found.add("scope")
    if matter.handlers.filter(officer=officer).exists():
        found.add("handler")
    if officer.agency_id == matter.agency_id:
        if officer.has_role(Role.HEAD):
            found.add("head")
        if officer.has_role(Role.LEGAL_REVIEWER):
            found.add("reviewer")
    return found


def details_visible(user: Any) -> models.Q:
    """The matters whose details ``user`` may see, as a filter: ``sees_matter_details`` for a
    whole query at once (the matter list matches party ID numbers and credit codes only there,
    so a search cannot probe a business secret's parties; 第二十一条)."""
    from lawtrail.agencies.scope import matter_agencies

    officer = officer_of(user)
    if officer is None:
        return models.Q(pk__in=[])
    holds: dict[str, models.Q | None] = {
        "scope": models.Q(agency__in=matter_agencies(user)),
        "handler": models.Q(pk__in=Handler.objects.filter(officer=officer).values("matter")),
        "head": models.Q(agency=officer.agency_id) if officer.has_role(Role.HEAD) else None,
        "reviewer": (
            models.Q(agency=officer.agency_id) if officer.has_role(Role.LEGAL_REVIEWER) else None
        ),
        "grant": models.Q(pk__in=live_grants().filter(holder=user).values("matter")),
    }
    latest = ConfidentialityMark.objects.filter(matter=models.OuterRef("pk")).order_by(
        "-set_at", "-id"
    )
    levels = Matter.objects.annotate(
        level=Coalesce(models.Subquery(latest.values("level")[:1]), models.Value(DEFAULT_LEVEL))
    )
    allowed = models.Q(pk__in=[])
    for level, readers in READERS.items():
        relations_q = models.Q(pk__in=[])
        for relation in readers["details"]:
            q = holds.get(relation)
            if q is not None:
                relations_q |= q
        allowed |= models.Q(pk__in=levels.filter(models.Q(level=level) & relations_q).values("pk"))
    return allowed


def sees_matter_details(user: Any, matter: Matter) -> bool:
    """Whether the matter page shows its party identifiers and contacts to ``user``."""
    level = matter_level(matter)
    allowed = READERS[level]["details"]
    mine = relations(user, matter)
    if mine & allowed:
        return True
    if "grant" in allowed:
        return live_grants().filter(holder=user, matter=matter).exists()
    return False


@dataclass(frozen=True)
class ContentDecision:
    allowed: bool
    level: str
    why: str
    grant: Grant | None = None


def content_decision(user: Any, evidence: Evidence, kind: str) -> ContentDecision:
    """Whether ``user`` may have the working copy (``kind`` view) or the original (copy) of
    bound evidence, and why. Unbound evidence is the caller's business (the inbox)."""
    matter = bound_matter(evidence)
    level = evidence_level(evidence, matter)
    if matter is None:
        return ContentDecision(False, level, "unbound")
    allowed = READERS[level]["content"]
    mine = relations(user, matter)
    if "handler" in mine and "handler" in allowed:
        return ContentDecision(True, level, "handler of the bound matter")
    if "head" in mine and "head" in allowed:
        return ContentDecision(True, level, "head of the bound matter's agency")
    if "grant" in allowed:
        grant = covering_grant(user, evidence, matter, kind)
        if grant is not None:
            return ContentDecision(True, level, f"grant {grant.pk}", grant)
    return ContentDecision(False, level, f"no handler, head or live {kind} grant at level {level}")


def details_decision(user: Any, evidence: Evidence) -> bool:
    """Whether the evidence page shows thumbnail, media facts and GIS to ``user``."""
    matter = bound_matter(evidence)
    if matter is None:
        return True  # the inbox: only its own people see it at all
    level = evidence_level(evidence, matter)
    allowed = READERS[level]["details"]
    if relations(user, matter) & allowed:
        return True
    return "grant" in allowed and covering_grant(user, evidence, matter, "view") is not None
