"""Which ledger entries a caller reads whole (第二十一条, 第二十六条, decision 0019).

Everyone signed in may fetch every entry of the ledger, so that anyone can recompute the tree
and check it against the signed checkpoint. An entry's canonical bytes, though, name the
parties, places and people of a matter, so most callers get the bytes of only the events they
may see anyway, and the leaf hash of the others (which an inclusion proof already shows them).

Provincial supervisors, system administrators and ledger auditors read every entry whole. For
anyone else an event is visible when any of these holds, and withheld otherwise (denial is the
default):

- the caller did it (the event's actor is the caller's login);
- its context is a matter whose timeline the caller sees on the matter page
  (``access.rules.sees_matter_details``: the matter scope, narrowed by the confidentiality
  level, decision 0014); and, when the event is about a piece of evidence, the caller also sees
  that evidence's details (thumbnail, media facts, places: ``access.rules.details_decision``);
- it has no context and is about evidence the caller sees (the inbox while it is unbound) with
  its details; about a device, station or dock of the registry the caller sees
  (``devices.scope.registry_agencies``); or about the caller themselves (their login, officer
  profile, certificates and API tokens).

It lives in the access room, beside the rest of who may see what, not in ``ledger/``: the
ledger knows no domain (DESIGN §3; the events only carry an object type and a context). The
entries endpoint and the ledger page (proof bundles) ask it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from lawtrail.access.rules import details_decision, sees_matter_details
from lawtrail.agencies.models import Role
from lawtrail.agencies.scope import officer_of
from lawtrail.devices.scope import registry_agencies
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.queries import visible_evidence
from lawtrail.matters.models import Matter

#: Roles that read every entry whole: the provincial supervisor, the system administrator and
#: the ledger auditor (审计员), who reads the ledger and nothing else.
WHOLE_LEDGER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR})

MATTER_CONTEXT = "matter/"

#: Object types that name a piece of evidence, and the field that leads to it.
EVIDENCE_OBJECTS = {
    "evidence.evidence": "pk",
    "evidence.acquisition": "evidence",
    "evidence.binding": "evidence",
    "evidence.derivative": "evidence",
}

#: Object types of the device registry, and the field that leads to their agency.
REGISTRY_OBJECTS = {
    "devices.device": "agency",
    "devices.station": "agency",
    "devices.docksession": "station__agency",
}

#: Object types that belong to one login, and the field that leads to it.
OWN_OBJECTS = {
    "auth.user": "pk",
    "agencies.officer": "user",
    "agencies.certificate": "officer__user",
    "api.apitoken": "user",
}


def reads_whole_ledger(user: Any) -> bool:
    officer = officer_of(user)
    return officer is not None and any(officer.has_role(role) for role in WHOLE_LEDGER_ROLES)


@dataclass(frozen=True)
class EventFacts:
    """The columns of an event that decide who sees it (they repeat its canonical bytes)."""

    seq: int
    actor_id: int | None
    object_type: str
    object_id: str
    context: str


def object_pk(object_id: str) -> int | None:
    """The primary key an object id names, or None (ids of tuples such as a store's kind, and
    numbers past a 64-bit key, name no row)."""
    if object_id.isascii() and object_id.isdigit() and len(object_id) <= 18:
        return int(object_id)
    return None


def matter_of(context: str) -> int | None:
    if not context.startswith(MATTER_CONTEXT):
        return None
    return object_pk(context.removeprefix(MATTER_CONTEXT))


def resolve(label: str, ids: set[int], path: str) -> dict[int, Any]:
    """``{object pk: value of path}`` for the objects of model ``label`` with these pks."""
    model = apps.get_model(label)
    return dict(model._default_manager.filter(pk__in=ids).values_list("pk", path))


class Visibility:
    """Decides, for one caller and one batch of events, which events they see.

    Built once per request over the events it returns, so that each matter, piece of evidence
    or object is looked up once, whatever the number of its events.
    """

    def __init__(self, user: Any, events: list[EventFacts]) -> None:
        self.user = user
        self.user_pk: int | None = getattr(user, "pk", None)
        self.whole = reads_whole_ledger(user)
        self.matters: dict[int, bool] = {}
        self.details: dict[int, bool] = {}
        self.listed: dict[int, bool] = {}
        self.evidence_of: dict[tuple[str, int], int] = {}
        self.registry: set[tuple[str, int]] = set()
        self.own: set[tuple[str, int]] = set()
        if not self.whole:
            self.resolve_objects(events)

    def resolve_objects(self, events: list[EventFacts]) -> None:
        """One query per object type: the evidence, agency or login each object leads to."""
        wanted: dict[str, set[int]] = defaultdict(set)
        for event in events:
            pk = object_pk(event.object_id)
            if pk is not None:
                wanted[event.object_type].add(pk)
        for label, path in EVIDENCE_OBJECTS.items():
            if wanted[label]:
                for pk, evidence_id in resolve(label, wanted[label], path).items():
                    self.evidence_of[(label, pk)] = evidence_id
        if any(wanted[label] for label in REGISTRY_OBJECTS):
            agencies = set(registry_agencies(self.user).values_list("pk", flat=True))
            for label, path in REGISTRY_OBJECTS.items():
                if wanted[label] and agencies:
                    for pk, agency_id in resolve(label, wanted[label], path).items():
                        if agency_id in agencies:
                            self.registry.add((label, pk))
        for label, path in OWN_OBJECTS.items():
            if wanted[label] and self.user_pk is not None:
                for pk, owner in resolve(label, wanted[label], path).items():
                    if owner == self.user_pk:
                        self.own.add((label, pk))

    def sees(self, event: EventFacts) -> bool:
        if self.whole:
            return True
        if event.actor_id is not None and event.actor_id == self.user_pk:
            return True
        pk = object_pk(event.object_id)
        key = (event.object_type, pk if pk is not None else -1)
        evidence_id = self.evidence_of.get(key)
        if event.context:
            matter_id = matter_of(event.context)
            if matter_id is None or not self.sees_matter(matter_id):
                return False
            return evidence_id is None or self.sees_details(evidence_id)
        if evidence_id is not None:
            return self.sees_evidence(evidence_id) and self.sees_details(evidence_id)
        return key in self.registry or key in self.own

    def sees_matter(self, matter_id: int) -> bool:
        """The matter page shows this matter's timeline to the caller (decision 0014)."""
        if matter_id not in self.matters:
            matter = Matter.objects.select_related("agency").filter(pk=matter_id).first()
            self.matters[matter_id] = matter is not None and sees_matter_details(self.user, matter)
        return self.matters[matter_id]

    def sees_evidence(self, evidence_id: int) -> bool:
        """The evidence is in the caller's lists: the inbox, or a matter of their scope."""
        if evidence_id not in self.listed:
            found = visible_evidence(self.user).filter(pk=evidence_id).exists()
            self.listed[evidence_id] = found
        return self.listed[evidence_id]

    def sees_details(self, evidence_id: int) -> bool:
        """The evidence page shows its media facts and places to the caller (decision 0014)."""
        if evidence_id not in self.details:
            found = Evidence.objects.filter(pk=evidence_id).first()
            self.details[evidence_id] = found is not None and details_decision(self.user, found)
        return self.details[evidence_id]


def visible(user: Any, events: Iterable[EventFacts]) -> set[int]:
    """The sequence numbers among ``events`` whose canonical bytes ``user`` may read."""
    batch = list(events)
    decide = Visibility(user, batch)
    return {event.seq for event in batch if decide.sees(event)}
