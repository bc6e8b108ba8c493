"""What a check is: the code half of a rule (the data half is ``rules.json``).

A check turns the rows of lawtrail into one queryset of *candidates*: every subject the rule
applies to, annotated with

- ``c_id``      the subject's primary key (a matter, acquisition, record or service),
- ``c_agency``  the agency answerable,
- ``c_matter``  the matter (NULL when the subject belongs to none),
- ``c_evidence`` the evidence (acquisition subjects; NULL otherwise),
- ``c_officer`` the officer answerable (NULL: the matter's handlers answer),
- ``c_due``     when the duty falls due (datetime or date; NULL when no deadline applies),
- ``c_done``    when the duty was fulfilled (NULL while it is not),
- ``c_breached`` whether the rule is broken now (a boolean SQL expression of ``now``),

plus the fact columns it names in ``facts``. The engine reads only the breached rows (and, for
deadlines, the pending ones), so the whole province is judged by one SQL statement per rule;
the same queryset narrowed by a ``Scope`` judges one matter after an event.
"""

from __future__ import annotations

import abc
import datetime
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import models

from lawtrail.compliance.rules import RuleSpec, rule

STANDARD = ("c_id", "c_agency", "c_matter", "c_evidence", "c_officer", "c_due", "c_done")


@dataclass(frozen=True)
class Scope:
    """Which subjects to judge: everything (``Scope.everything()``) or some matters/evidence."""

    matters: frozenset[int] | None = None
    evidence: frozenset[int] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @classmethod
    def of(cls, matters: set[int] | None = None, evidence: set[int] | None = None) -> Scope:
        return cls(frozenset(matters or ()), frozenset(evidence or ()))

    @property
    def is_everything(self) -> bool:
        return self.matters is None and self.evidence is None

    def narrow(
        self, queryset: models.QuerySet[Any], *, matter: str | None, evidence: str | None = None
    ) -> models.QuerySet[Any]:
        """Keep the rows whose ``matter`` path is in the scope's matters or whose ``evidence``
        path is in its evidence (paths are ORM lookups such as ``"matter_id"``)."""
        if self.is_everything:
            return queryset
        # Each path is looked up on its own and the keys united: an OR across a LEFT JOIN
        # (evidence__bindings__matter_id OR evidence_id) can use no index and made PostgreSQL
        # read every acquisition for one matter (bench/compliance_scan.py: 1.4 s → 0.19 s).
        rows = queryset.model._base_manager.order_by()  # no ORDER BY inside a UNION
        parts: list[models.QuerySet[Any]] = []
        if matter and self.matters:
            parts.append(rows.filter(**{f"{matter}__in": sorted(self.matters)}).values("pk"))
        if evidence and self.evidence:
            parts.append(rows.filter(**{f"{evidence}__in": sorted(self.evidence)}).values("pk"))
        if not parts:
            return queryset.none()
        keys = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
        return queryset.filter(pk__in=keys)


class Check(abc.ABC):
    """Subclass, set ``rule_id`` and ``facts``, write ``candidates``; register (``@register``)."""

    rule_id: ClassVar[str]
    #: Fact columns (annotations or fields) copied into the finding as the evidence of why.
    facts: ClassVar[tuple[str, ...]] = ()

    @property
    def spec(self) -> RuleSpec:
        return rule(self.rule_id)

    @abc.abstractmethod
    def candidates(self, scope: Scope, now: datetime.datetime) -> models.QuerySet[Any]:
        """Every subject the rule applies to, annotated with the standard columns."""

    def describe(self, facts: dict[str, Any]) -> dict[str, Any]:
        """The facts as stored in the finding (JSON); override to add derived numbers."""
        return facts


CHECKS: dict[str, Check] = {}


def register(cls: type[Check]) -> type[Check]:
    rule(cls.rule_id)  # refuses an id that rules.json does not define
    CHECKS[cls.rule_id] = cls()
    return cls


def checks() -> dict[str, Check]:
    return CHECKS


def const_null(output: models.Field[Any, Any]) -> models.Value:
    return models.Value(None, output_field=output)


def boolean(condition: models.Q) -> models.ExpressionWrapper[Any]:
    """A Q as a boolean column (``CASE WHEN … THEN true ELSE false``)."""
    return models.ExpressionWrapper(
        models.Case(models.When(condition, then=True), default=False),
        output_field=models.BooleanField(),
    )
