"""Fixtures of the access tests: a matter of county A with a played video and a photo."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.access import actions
from lawtrail.access.models import (
    AccessDecision,
    AccessRequest,
    ConfidentialityMark,
    Grant,
    Revocation,
)
from lawtrail.agencies.models import Officer
from lawtrail.evidence import derivatives
from lawtrail.evidence.models import Binding, Evidence
from lawtrail.evidence.tests.fixtures import ingest
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter
from lawtrail.testing import Province


@dataclass
class Case:
    province: Province
    matter: Matter
    video: Evidence
    photo: Evidence


@pytest.fixture
def case(province: Province, media: Media, evidence_home: Any) -> Case:
    matter = open_matter(province)
    video = ingest(province.officer_a.user, media.video, matter=matter.number).evidence
    photo = ingest(province.officer_a.user, media.photo, matter=matter.number).evidence
    for evidence in (video, photo):
        derivatives.make_derivatives(evidence.pk, Binding.objects.get(evidence=evidence).pk)
    return Case(province, matter, video, photo)


def session(officer: Officer) -> Client:
    """A browser session (the API accepts it too; the test client skips CSRF)."""
    client = Client()
    client.force_login(officer.user)
    return client


def counts() -> dict[str, int]:
    """What a refused change must leave as it was."""
    return {
        "marks": ConfidentialityMark.objects.count(),
        "requests": AccessRequest.objects.count(),
        "decisions": AccessDecision.objects.count(),
        "grants": Grant.objects.count(),
        "revocations": Revocation.objects.count(),
        "events": Event.objects.count(),
    }


def payloads(action: str) -> list[dict[str, Any]]:
    return [
        json.loads(bytes(e.body))["payload"]
        for e in Event.objects.filter(action=action).order_by("seq")
    ]


def grant_to(
    c: Case,
    holder: Officer,
    kind: str = "view",
    *,
    evidence: list[int] | None = None,
    days: int = 7,
) -> Grant:
    """``holder`` asks, head_a approves."""
    request = actions.request_access(
        holder.user,
        c.matter,
        actions.RequestInput(
            kind=kind, purpose="internal_review", justification="复核", evidence=evidence or []
        ),
    )
    actions.decide_access(
        c.province.head_a.user,
        request,
        approve=True,
        expires_at=timezone.now() + datetime.timedelta(days=days),
        reason="同意",
    )
    return Grant.objects.get(request=request)
