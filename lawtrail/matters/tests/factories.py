"""Building blocks for the tests of matters and of the API: valid inputs and logged-in clients.

Personas come from the ``province`` fixture (``lawtrail.testing``); these helpers only save
typing. A valid resident ID number and credit code are used throughout.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.agencies.models import Certificate, Officer
from lawtrail.api.tokens import create_token
from lawtrail.ledger.models import Event, LogHead
from lawtrail.matters import actions
from lawtrail.matters.models import (
    Approval,
    GisPoint,
    Handler,
    Kind,
    Matter,
    Party,
    Procedure,
    Stage,
    StageChange,
)
from lawtrail.testing import Province

PERSON_ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"


def person_party(name: str = "张三", id_number: str = PERSON_ID) -> actions.PartyInput:
    return actions.PartyInput(type="person", name=name, id_number=id_number)


def organisation_party(
    name: str = "西安某某餐饮有限公司", credit_code: str = CREDIT_CODE
) -> actions.PartyInput:
    return actions.PartyInput(type="organisation", name=name, credit_code=credit_code)


def matter_input(p: Province, **overrides: Any) -> actions.MatterInput:
    """An inspection in county A handled by officer_a (lead) and officer_a2."""
    fields: dict[str, Any] = {
        "kind": Kind.INSPECTION,
        "title": "餐饮单位日常监督检查",
        "place": "西安市新城区解放路1号",
        "parties": [organisation_party()],
        "handlers": [p.officer_a.pk, p.officer_a2.pk],
        "lead": p.officer_a.pk,
    }
    fields.update(overrides)
    return actions.MatterInput(**fields)


def open_matter(p: Province, by: Officer | None = None, **overrides: Any) -> Matter:
    by = by or p.officer_a
    return actions.open_matter(by.user, by.agency, matter_input(p, **overrides))


def open_penalty(p: Province, **overrides: Any) -> Matter:
    return open_matter(p, **{"kind": Kind.PENALTY, "procedure": Procedure.GENERAL, **overrides})


def approve(p: Province, matter: Matter, subject: str) -> Approval:
    """officer_a asks, head_a approves."""
    approval = actions.request_approval(p.officer_a.user, matter, subject, "请批准")
    return actions.decide_approval(p.head_a.user, approval, approve=True, opinion="同意")


def matter_json(p: Province, **overrides: Any) -> dict[str, Any]:
    """The API body for opening the same inspection as ``matter_input``."""
    body: dict[str, Any] = {
        "kind": "inspection",
        "title": "餐饮单位日常监督检查",
        "place": "西安市新城区解放路1号",
        "parties": [
            {"type": "organisation", "name": "西安某某餐饮有限公司", "credit_code": CREDIT_CODE}
        ],
        "handlers": [p.officer_a.pk, p.officer_a2.pk],
        "lead": p.officer_a.pk,
    }
    body.update(overrides)
    return body


def api_client(officer: Officer | None = None, *, user: Any = None) -> Client:
    """A client that authenticates with a fresh bearer token of ``officer`` (or ``user``)."""
    account = user if user is not None else officer.user if officer else None
    if account is None:
        return Client()
    return Client(headers={"Authorization": f"Bearer {create_token(account)}"})


def expire(certificate: Certificate) -> None:
    """Make a certificate lapse yesterday (a test arrangement, not an action)."""
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Certificate.objects.filter(pk=certificate.pk).update(
        valid_from=yesterday - datetime.timedelta(days=365), valid_to=yesterday
    )


def snapshot() -> dict[str, int]:
    """Counts that a refused request must leave as they were."""
    head = LogHead.objects.first()
    return {
        "matters": Matter.objects.count(),
        "events": Event.objects.count(),
        "log_size": head.size if head else 0,
        "approvals": Approval.objects.count(),
        "decided": Approval.objects.exclude(outcome=Approval.Outcome.PENDING).count(),
        "parties": Party.objects.count(),
        "handlers": Handler.objects.count(),
        "gis_points": GisPoint.objects.count(),
        "stage_changes": StageChange.objects.count(),
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The personas' passwords need no strength in tests; PBKDF2 made each set-up take seconds.

    Autouse where imported: the conftests of matters and agencies, and each API test module.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def matters_rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the stage conditions of the matters app itself.

    The records app adds conditions on written records (第十三条) when it is installed; those
    are tested with the records. Here a matter may walk the stages on handlers and approvals.
    """
    from lawtrail.matters import stages

    own = [stages.two_certified_handlers, stages.filing_approved, stages.decision_approved]
    monkeypatch.setattr(stages, "CONDITIONS", own)


def advance_to(p: Province, matter: Matter, target: str) -> Matter:
    """Walk ``matter`` stage by stage to ``target``, asking for and giving the approvals a
    penalty or license matter needs on the way (第十六条). Needs ``matters_rules_only``."""
    order = [s.value for s in Stage]
    while order.index(matter.stage) < order.index(target):
        following = order[order.index(matter.stage) + 1]
        if following == Stage.INVESTIGATION and matter.kind == Kind.PENALTY:
            approve(p, matter, Approval.Subject.FILING)
        if following == Stage.EXECUTION and matter.kind in (Kind.PENALTY, Kind.LICENSE):
            approve(p, matter, Approval.Subject.DECISION)
        matter = actions.advance_stage(p.officer_a.user, matter, following)
    return matter


# Which of those matters each persona sees (invariant 7; 第六条 scope of heads and supervisors).
SEES = {
    "officer_a": {"a"},
    "officer_a2": {"a"},
    "head_a": {"a"},
    "reviewer_a": {"a"},
    "assistant_a": {"a"},
    "officer_b": {"b"},
    "officer_b2": {"b"},
    "head_city": {"a", "b"},
    "supervisor": {"a", "b"},
    "admin": set(),
}
