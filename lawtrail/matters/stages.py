"""The guarded stage transitions of 第三条.

Each condition is a function registered here; it looks at a matter and the stage it is about to
enter and returns what is missing. The records app registers the conditions that need written
records (its ``apps.ready``), so this module does not import it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from lawtrail.errors import Unmet
from lawtrail.matters.models import STAGE_ORDER, Approval, Kind, Matter, Procedure, Stage

Condition = Callable[[Matter, str], list[Unmet]]
CONDITIONS: list[Condition] = []


def condition(func: Condition) -> Condition:
    """Register a stage condition (idempotent, so a re-imported module does not add twice)."""
    if func not in CONDITIONS:
        CONDITIONS.append(func)
    return func


def unmet_conditions(matter: Matter, target: str) -> list[Unmet]:
    unmet: list[Unmet] = []
    current = STAGE_ORDER.index(matter.stage)
    wanted = STAGE_ORDER.index(target)
    if wanted != current + 1:
        unmet.append(
            Unmet(
                "stage.order",
                "第三条",
                _(
                    "A matter moves one stage at a time: "
                    "from %(current)s the next stage is %(next)s."
                )
                % {
                    "current": Stage(matter.stage).label,
                    "next": Stage(STAGE_ORDER[current + 1]).label
                    if current + 1 < len(STAGE_ORDER)
                    else _("none"),
                },
            )
        )
        return unmet
    for check in CONDITIONS:
        unmet.extend(check(matter, target))
    return unmet


def approved(matter: Matter, subject: str) -> bool:
    return matter.approvals.filter(subject=subject, outcome=Approval.Outcome.APPROVED).exists()


@condition
def two_certified_handlers(matter: Matter, target: str) -> list[Unmet]:
    """行政处罚法 第四十二条, 行政强制法 第十八条: two officers with valid certificates (第十条)."""
    if target != Stage.INVESTIGATION:
        return []
    certified = [h for h in matter.handlers.select_related("officer") if h.officer.can_enforce()]
    if len(certified) >= 2:
        return []
    return [
        Unmet(
            "handlers.two_certified",
            "第十条; 行政处罚法 第四十二条",
            _(
                "Investigation needs at least two handlers with valid enforcement certificates; "
                "this matter has %(count)d."
            )
            % {"count": len(certified)},
        )
    ]


@condition
def filing_approved(matter: Matter, target: str) -> list[Unmet]:
    """第十六条: a penalty case under the general procedure is opened (立案) on the head's
    approval."""
    if target != Stage.INVESTIGATION or matter.kind != Kind.PENALTY:
        return []
    if matter.procedure == Procedure.SIMPLIFIED or approved(matter, Approval.Subject.FILING):
        return []
    return [
        Unmet(
            "approval.filing",
            "第十六条",
            _("The agency head has not approved opening the case (立案)."),
        )
    ]


@condition
def decision_approved(matter: Matter, target: str) -> list[Unmet]:
    """第十三条(四): a written decision carries the head's approval."""
    if target != Stage.EXECUTION or matter.kind not in (Kind.PENALTY, Kind.LICENSE):
        return []
    if matter.procedure == Procedure.SIMPLIFIED or approved(matter, Approval.Subject.DECISION):
        return []
    return [
        Unmet(
            "approval.decision",
            "第十三条(四); 第十六条",
            _("The agency head has not approved the decision."),
        )
    ]
