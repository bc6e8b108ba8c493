"""State changes of the compliance room made by people (zulip's actions: one function each,
permission, validation, rows and ledger event in one transaction)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer, Role
from lawtrail.agencies.scope import officer_of
from lawtrail.compliance.models import Explanation, Finding, RuleSetting
from lawtrail.compliance.rules import rule_specs
from lawtrail.errors import Forbidden, Invalid
from lawtrail.ledger import events

REASON_MAX = 2000
WEIGHT_MAX = 100


def can_explain(officer: Officer | None, finding: Finding) -> bool:
    """The finding's agency head (or a head above it) or a provincial supervisor."""
    if officer is None:
        return False
    if officer.has_role(Role.SUPERVISOR) or officer.has_role(Role.HEAD):
        return finding.agency.is_within(officer.agency)
    return False


def clean_reason(reason: Any) -> str:
    if not isinstance(reason, str) or not reason.strip():
        message = _("Say why: an explanation needs a reason.")
        raise Invalid(message, {"reason": [message]})
    cleaned: str = reason.strip()
    if len(cleaned) > REASON_MAX:
        message = _("A reason is at most %(n)d characters.") % {"n": REASON_MAX}
        raise Invalid(message, {"reason": [message]})
    return cleaned


def explain_finding(user: Any, finding: Finding, reason: Any) -> Explanation:
    """Record a justified exception. The finding stays, open or closed, and is still shown."""
    officer = officer_of(user)
    if not can_explain(officer, finding):
        raise Forbidden(_("Only the agency's head or a provincial supervisor explains a finding."))
    assert officer is not None
    cleaned = clean_reason(reason)
    with transaction.atomic():
        explanation = Explanation.objects.create(
            finding=finding, by=officer, at=timezone.now(), reason=cleaned
        )
        events.append(
            events.Actor.of(user),
            "compliance.finding.explained",
            finding,
            {"rule": finding.rule_id, "subject": finding.subject, "reason": cleaned},
            context=f"matter/{finding.matter_id}" if finding.matter_id else "",
        )
    return explanation


def set_rule_weight(
    user: Any, rule_id: str, *, weight: Any, enabled: bool = True, reason: Any
) -> RuleSetting:
    """Change a rule's weight in the assessment (第二十四条); only a provincial supervisor."""
    officer = officer_of(user)
    if officer is None or not officer.has_role(Role.SUPERVISOR):
        raise Forbidden(_("Only a provincial supervisor sets the weights of the assessment."))
    if rule_id not in rule_specs():
        message = _("No rule %(rule)s.") % {"rule": rule_id}
        raise Invalid(message, {"rule": [message]})
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= WEIGHT_MAX:
        message = _("A weight is a whole number from 0 to %(n)d.") % {"n": WEIGHT_MAX}
        raise Invalid(message, {"weight": [message]})
    cleaned = clean_reason(reason)
    with transaction.atomic():
        setting, _created = RuleSetting.objects.update_or_create(
            rule_id=rule_id,
            defaults={
                "weight": weight,
                "enabled": bool(enabled),
                "changed_by": officer,
                "changed_at": timezone.now(),
                "reason": cleaned,
            },
        )
        events.append(
            events.Actor.of(user),
            "compliance.rule.weighted",
            ("compliance.rule", rule_id),
            {"weight": weight, "enabled": bool(enabled), "reason": cleaned},
        )
    return setting
