"""Which evidence is important enough for the provincial copy (第十九条, issue 9 §1).

By rule: evidence whose current binding is to a 行政处罚 matter, or to a matter in one of the
situations of 第十四条 (any ``av_*`` flag). By hand: the matter's handlers or the head of its
agency mark evidence important or not, with a reason; the latest mark wins over the rule.
``LAWTRAIL_REPLICA_SCOPE=all`` copies everything.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.errors import Invalid
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import current_binding, get_visible_evidence, with_current_matter
from lawtrail.ledger import events
from lawtrail.matters.models import Kind, Matter
from lawtrail.matters.permissions import require_can_work_on, require_officer
from lawtrail.replication.models import ImportanceMark

AV_FLAGS = (
    "av_contentious",
    "av_personal_rights",
    "av_major_event",
    "av_complaint",
    "av_emergency",
)


def important_matters() -> models.QuerySet[Matter]:
    """Matters whose evidence is important by rule."""
    rule = models.Q(kind=Kind.PENALTY)
    for flag in AV_FLAGS:
        rule |= models.Q(**{flag: True})
    return Matter.objects.filter(rule)


def latest_mark() -> models.QuerySet[ImportanceMark]:
    return ImportanceMark.objects.filter(evidence=models.OuterRef("pk")).order_by("-at", "-id")


def with_importance(queryset: models.QuerySet[Evidence]) -> models.QuerySet[Evidence]:
    """Annotate ``marked`` (the latest mark: True, False or None) and ``current_matter_id``."""
    return with_current_matter(queryset).annotate(
        marked=models.Subquery(latest_mark().values("important")[:1])
    )


def important_evidence() -> models.QuerySet[Evidence]:
    """Every evidence to copy, in one query: the latest mark, else the rule (or all)."""
    if settings.LAWTRAIL_REPLICA_SCOPE == "all":
        return Evidence.objects.all()
    by_rule = models.Q(current_matter_id__in=important_matters().values("pk"))
    return with_importance(Evidence.objects.all()).filter(
        models.Q(marked=True) | (models.Q(marked__isnull=True) & by_rule)
    )


def is_important(evidence: Evidence) -> bool:
    return important_evidence().filter(pk=evidence.pk).exists()


def why(evidence: Evidence) -> str:
    """A sentence on why the evidence is (or is not) copied."""
    if settings.LAWTRAIL_REPLICA_SCOPE == "all":
        return _("LAWTRAIL_REPLICA_SCOPE=all copies every evidence")
    mark = ImportanceMark.objects.filter(evidence=evidence).order_by("-at", "-id").first()
    if mark is not None:
        return (
            _("marked important: %(r)s") if mark.important else _("marked not important: %(r)s")
        ) % {"r": mark.reason}
    binding = current_binding(evidence)
    if binding is not None and important_matters().filter(pk=binding.matter_id).exists():
        return _("bound to %(n)s, a 行政处罚 matter or a 第十四条 situation") % {
            "n": binding.matter.number
        }
    return _("not important by rule")


@transaction.atomic
def mark_important(user: Any, evidence: Evidence, important: bool, reason: str) -> ImportanceMark:
    """The matter's handlers or the head of its agency mark evidence important or not. Unbound
    evidence may be marked by whoever sees it in their inbox. A reason is required."""
    seen = get_visible_evidence(user, evidence.pk)  # NotFound outside the caller's scope
    binding = current_binding(seen)
    if binding is not None:
        require_can_work_on(user, binding.matter)
    else:
        require_officer(user)
    if not reason.strip():
        raise Invalid(
            _("Say why the evidence is or is not important."),
            {"reason": [_("This field is required.")]},
        )
    if len(reason) > 2000:
        raise Invalid(_("The reason is too long."), {"reason": []})
    if not isinstance(important, bool):
        raise Invalid(_("Say important or not important."), {"important": []})
    mark = ImportanceMark.objects.create(
        evidence=seen, important=important, reason=reason.strip(), marked_by=user, at=timezone.now()
    )
    events.append(
        events.Actor.of(user),
        "replica.marked",
        seen,
        {"evidence": seen.pk, "sha256": seen.sha256, "important": important, "reason": mark.reason},
        context=binding.matter.context if binding else "",
    )
    return mark
