"""Request and response shapes of the matter endpoints (/api/v1/matters …).

The common shapes (errors, ``Input``, agencies and people) are in ``lawtrail.api.schemas``;
the same conventions hold: shape checks here, rules in the actions.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from ninja import Field, Schema

from lawtrail.api.schemas import (
    AgencyRef,
    CertificateOut,
    Input,
    OfficerRef,
    agency_ref,
    officer_ref,
    one_of,
    person_out,
)
from lawtrail.ledger.models import Event
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

# ---------------------------------------------------------------- matters: inputs


class PartyIn(Input):
    type: str = one_of(Party.Type.values)
    name: str = Field(max_length=200)
    id_number: str = Field("", description="Resident ID number (GB 11643) of a person.")
    credit_code: str = Field("", description="Unified social credit code (GB 32100).")
    legal_representative: str = ""
    address: str = ""
    phone: str = ""

    def to_input(self) -> actions.PartyInput:
        return actions.PartyInput(**self.model_dump())


class GisPointIn(Input):
    latitude: float = Field(description="Degrees, -90 to 90, in the datum given.")
    longitude: float = Field(description="Degrees, -180 to 180, in the datum given.")
    datum: str = one_of(
        GisPoint.Datum.values, "GCJ-02 is converted to WGS-84.", GisPoint.Datum.WGS84
    )
    label: str = ""

    def to_input(self) -> actions.GisInput:
        return actions.GisInput(
            latitude=self.latitude, longitude=self.longitude, datum=self.datum, label=self.label
        )


class FlagsIn(Input):
    """第十四条: any of these makes audio/video recording mandatory."""

    av_contentious: bool = False
    av_personal_rights: bool = False
    av_major_event: bool = False
    av_complaint: bool = False
    av_emergency: bool = False


class MatterIn(Input):
    kind: str = one_of(Kind.values, "第二条")
    procedure: str = one_of(Procedure.values, default=Procedure.GENERAL)
    title: str
    place: str
    summary: str = ""
    parties: list[PartyIn]
    handlers: list[int] = Field(description="Officer ids; all of the caller's agency.")
    lead: int | None = Field(None, description="The lead handler; the first handler if absent.")
    gis_points: list[GisPointIn] = Field(default_factory=list)
    flags: FlagsIn = Field(default_factory=FlagsIn)

    def to_input(self) -> actions.MatterInput:
        return actions.MatterInput(
            kind=self.kind,
            procedure=self.procedure,
            title=self.title,
            place=self.place,
            summary=self.summary,
            parties=[p.to_input() for p in self.parties],
            handlers=list(self.handlers),
            lead=self.lead,
            gis_points=[p.to_input() for p in self.gis_points],
            flags=self.flags.model_dump(),
        )


class HandlerIn(Input):
    officer_id: int
    lead: bool = False


class ApprovalIn(Input):
    subject: str = one_of(Approval.Subject.values, "第十六条")
    note: str = ""


class DecisionIn(Input):
    approve: bool
    opinion: str = Field(description="The head's opinion; required.")


class StageIn(Input):
    stage: str = one_of(Stage.values, "第三条; one stage at a time.")
    reason: str = ""


class ReturnIn(Input):
    reason: str


class ReviewRequirementsIn(Input):
    """第十三条(四); a field left out stays as it is."""

    needs_legal_review: bool | None = None
    needs_collective_discussion: bool | None = None


class MatterFilters(Schema):
    kind: str | None = one_of(Kind.values, default=None)
    stage: str | None = one_of(Stage.values, default=None)
    agency: str | None = Field(None, description="Region code; includes the agencies below.")
    party: str | None = Field(None, description="Part of a party's name or identifier.")
    opened_from: datetime.date | None = Field(None, description="Local date, inclusive.")
    opened_to: datetime.date | None = Field(None, description="Local date, inclusive.")
    q: str | None = Field(None, description="Free text in number, title, place, party names.")
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, description="The `next` cursor of the previous page.")


# ---------------------------------------------------------------- matters: outputs


class PartyOut(Schema):
    id: int
    type: str
    name: str
    id_number: str
    credit_code: str
    legal_representative: str
    address: str
    phone: str


class HandlerOut(OfficerRef):
    lead: bool
    employment: str
    can_enforce: bool
    certificates: list[CertificateOut]


class Coordinates(Schema):
    datum: str
    latitude: float
    longitude: float


class GisPointOut(Schema):
    id: int
    label: str
    wgs84: Coordinates = Field(description="As stored.")
    given: Coordinates = Field(description="As given, in the datum given.")
    recorded_at: datetime.datetime


class ApprovalOut(Schema):
    id: int
    subject: str
    requested_by: OfficerRef
    requested_at: datetime.datetime
    note: str
    outcome: str
    decided_by: OfficerRef | None
    decided_at: datetime.datetime | None
    opinion: str


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    by: OfficerRef
    at: datetime.datetime
    reason: str


class FlagsOut(Schema):
    av_contentious: bool
    av_personal_rights: bool
    av_major_event: bool
    av_complaint: bool
    av_emergency: bool


class MatterBase(Schema):
    id: int
    number: str
    kind: str
    procedure: str
    title: str
    place: str
    stage: str
    agency: AgencyRef
    opened_at: datetime.datetime
    av_mandatory: bool = Field(description="第十四条: audio/video recording is mandatory.")


class MatterSummary(MatterBase):
    parties: list[str] = Field(description="Party names.")


class MatterDetail(MatterBase):
    summary: str
    opened_by: OfficerRef
    ended_at: datetime.datetime | None
    next_stage: str | None
    flags: FlagsOut
    needs_legal_review: bool = Field(description="第十三条(四): 法制审核 before the decision.")
    needs_collective_discussion: bool = Field(description="第十三条(四): 集体讨论.")
    parties: list[PartyOut]
    details_withheld: bool = Field(
        description="第二十一条: at this confidentiality level the caller is not entitled to the "
        "parties' identifiers and contacts (returned empty) nor to the timeline."
    )
    handlers: list[HandlerOut]
    gis_points: list[GisPointOut]
    approvals: list[ApprovalOut]
    stage_changes: list[StageChangeOut]


class MatterPage(Schema):
    items: list[MatterSummary]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


class EventOut(Schema):
    seq: int
    at: datetime.datetime
    actor: str
    action: str
    object: str
    payload: dict[str, Any]


class TimelinePage(Schema):
    items: list[EventOut]
    next: str | None


def party_out(party: Party, *, details: bool = True) -> PartyOut:
    """``details`` False (第二十一条, ``access.rules.sees_matter_details``): the name only; the
    identifiers and contacts come back empty, as the matter page hides them."""
    return PartyOut(
        id=party.pk,
        type=party.type,
        name=party.name,
        id_number=party.id_number if details else "",
        credit_code=party.credit_code if details else "",
        legal_representative=party.legal_representative if details else "",
        address=party.address if details else "",
        phone=party.phone if details else "",
    )


def handler_out(handler: Handler) -> HandlerOut:
    person = person_out(handler.officer)
    return HandlerOut(
        id=person.id,
        username=person.username,
        name=person.name,
        lead=handler.is_lead,
        employment=person.employment,
        can_enforce=person.can_enforce,
        certificates=person.certificates,
    )


def gis_point_out(point: GisPoint) -> GisPointOut:
    return GisPointOut(
        id=point.pk,
        label=point.label,
        wgs84=Coordinates(
            datum=GisPoint.Datum.WGS84,
            latitude=float(point.latitude),
            longitude=float(point.longitude),
        ),
        given=Coordinates(
            datum=point.given_datum,
            latitude=float(point.given_latitude),
            longitude=float(point.given_longitude),
        ),
        recorded_at=point.recorded_at,
    )


def approval_out(approval: Approval) -> ApprovalOut:
    return ApprovalOut(
        id=approval.pk,
        subject=approval.subject,
        requested_by=officer_ref(approval.requested_by),
        requested_at=approval.requested_at,
        note=approval.request_note,
        outcome=approval.outcome,
        decided_by=officer_ref(approval.decided_by) if approval.decided_by else None,
        decided_at=approval.decided_at,
        opinion=approval.opinion,
    )


def stage_change_out(change: StageChange) -> StageChangeOut:
    return StageChangeOut(
        from_stage=change.from_stage,
        to_stage=change.to_stage,
        by=officer_ref(change.by),
        at=change.at,
        reason=change.reason,
    )


def matter_base(matter: Matter) -> dict[str, Any]:
    return dict(
        id=matter.pk,
        number=matter.number,
        kind=matter.kind,
        procedure=matter.procedure,
        title=matter.title,
        place=matter.place,
        stage=matter.stage,
        agency=agency_ref(matter.agency),
        opened_at=matter.opened_at,
        av_mandatory=matter.av_mandatory,
    )


def matter_summary(matter: Matter) -> MatterSummary:
    """Expects ``agency`` and ``parties`` fetched along."""
    parties = sorted(matter.parties.all(), key=lambda p: p.pk)
    return MatterSummary(**matter_base(matter), parties=[p.name for p in parties])


def matter_detail(matter: Matter, *, details: bool = True) -> MatterDetail:
    matter = (
        Matter.objects.select_related("agency", "opened_by__user")
        .prefetch_related(
            "parties",
            "gis_points",
            "handlers__officer__user",
            "handlers__officer__agency",
            "handlers__officer__certificates",
            "approvals__requested_by__user",
            "approvals__decided_by__user",
            "stage_changes__by__user",
        )
        .get(pk=matter.pk)
    )
    parties = sorted(matter.parties.all(), key=lambda p: p.pk)
    return MatterDetail(
        **matter_base(matter),
        summary=matter.summary,
        opened_by=officer_ref(matter.opened_by),
        ended_at=matter.ended_at,
        next_stage=matter.next_stage(),
        flags=FlagsOut(**{flag: getattr(matter, flag) for flag in actions.AV_FLAGS}),
        needs_legal_review=matter.needs_legal_review,
        needs_collective_discussion=matter.needs_collective_discussion,
        parties=[party_out(p, details=details) for p in parties],
        details_withheld=not details,
        handlers=[
            handler_out(h)
            for h in sorted(matter.handlers.all(), key=lambda h: (not h.is_lead, h.pk))
        ],
        gis_points=[gis_point_out(p) for p in sorted(matter.gis_points.all(), key=lambda p: p.pk)],
        approvals=[approval_out(a) for a in matter.approvals.all()],
        stage_changes=[stage_change_out(c) for c in matter.stage_changes.all()],
    )


def event_out(event: Event) -> EventOut:
    """The event as the ledger holds it: the payload is decoded from the canonical bytes."""
    body = json.loads(bytes(event.body))
    return EventOut(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        object=body["object"],
        payload=body["payload"],
    )
