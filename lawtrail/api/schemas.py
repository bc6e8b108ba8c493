"""Request and response shapes of the JSON API, documented in /api/v1/openapi.json.

Inputs are checked for shape here (types, required fields, no unknown fields); the rules
(check digits, coordinates, who may do what) are the actions' business, so the API and the
pages give the same answers. Outputs are filled from rows by the ``*_out`` functions below.
Choice fields are plain strings whose allowed values the spec lists, so that an unknown value
gets the action's own sentence.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.utils import timezone
from ninja import Field, Schema
from pydantic import ConfigDict, model_validator

from lawtrail.agencies.models import Agency, Certificate, Officer, Role
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


def one_of(values: list[str], description: str = "", default: Any = ...) -> Any:
    """A string field whose allowed values the OpenAPI spec lists."""
    return Field(default, description=description, json_schema_extra={"enum": list(values)})


# The roles a person may have, for the spec of a list of them.
ROLE_ITEMS: dict[str, Any] = {"items": {"type": "string", "enum": list(Role.values)}}


def has_nul(value: Any) -> bool:
    """Whether a NUL character hides anywhere in ``value`` (PostgreSQL refuses it in text)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


class Input(Schema):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def no_nul_characters(cls, data: Any) -> Any:
        if has_nul(data):
            raise ValueError("text may not contain NUL (0x00) characters")
        return data


# ---------------------------------------------------------------- errors


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    fields: dict[str, list[str]] = Field(description="The fields at fault, with what is wrong.")


class UnmetOut(Schema):
    code: str
    article: str = Field(description="The rule behind the condition, e.g. 第十六条.")
    message: str


class RefusedOut(Schema):
    detail: str
    unmet: list[UnmetOut]


READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: InvalidOut}
WRITE_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: RefusedOut,
    413: ErrorOut,
    415: ErrorOut,
    422: InvalidOut,
}


# ---------------------------------------------------------------- agencies and people


class AgencyRef(Schema):
    region_code: str
    name: str
    level: str


class AgencyOut(AgencyRef):
    short_name: str
    parent: str | None = Field(description="The parent agency's region code.")
    responsible_unit: str = Field(description="第十一条: the unit responsible for recording.")
    responsible_person: str | None = Field(description="第十一条: username of the person.")


class AgencyIn(Input):
    name: str = Field(max_length=100)
    level: str = one_of(Agency.Level.values)
    region_code: str = Field(description="Six digits, e.g. 610102.")
    short_name: str = Field(max_length=8, description="For document numbers, e.g. 陕.")
    parent_code: str = ""
    responsible_unit: str = ""


class CertificateOut(Schema):
    number: str
    issuer: str
    valid_from: datetime.date
    valid_to: datetime.date
    status: str = one_of(Certificate.Status.values)
    in_force: bool = Field(description="Valid status and today within its dates (第十条).")


class CertificateIn(Input):
    number: str = Field(max_length=32)
    issuer: str = one_of(Certificate.Issuer.values)
    valid_from: datetime.date
    valid_to: datetime.date


class CertificateStatusIn(Input):
    status: str = one_of(Certificate.Status.values)


class PersonOut(Schema):
    id: int = Field(description="The officer id used for matter handlers.")
    username: str
    name: str
    agency: AgencyRef
    employment: str = one_of(Officer.Employment.values)
    roles: list[str]
    active: bool
    can_enforce: bool = Field(
        description="第十条: established staff with the officer role and a certificate in force."
    )
    certificates: list[CertificateOut]


class PersonIn(Input):
    username: str = Field(max_length=150)
    name: str = Field(max_length=50)
    roles: list[str] = Field(default_factory=list, json_schema_extra=ROLE_ITEMS)
    employment: str = one_of(Officer.Employment.values, default=Officer.Employment.ESTABLISHED)
    password: str = Field("", description="Leave empty for a login that cannot use a password.")


class MeOut(Schema):
    username: str
    officer: PersonOut | None = Field(description="None for a login without an officer profile.")


def agency_ref(agency: Agency) -> AgencyRef:
    return AgencyRef(region_code=agency.region_code, name=agency.name, level=agency.level)


def agency_out(agency: Agency) -> AgencyOut:
    return AgencyOut(
        region_code=agency.region_code,
        name=agency.name,
        level=agency.level,
        short_name=agency.short_name,
        parent=agency.parent.region_code if agency.parent else None,
        responsible_unit=agency.responsible_unit,
        responsible_person=(
            agency.responsible_person.user.get_username() if agency.responsible_person else None
        ),
    )


def in_force(certificate: Certificate, on: datetime.date) -> bool:
    # The same test as Officer.valid_certificate, on rows already fetched.
    return (
        certificate.status == Certificate.Status.VALID
        and certificate.valid_from <= on <= certificate.valid_to
    )


def certificate_out(certificate: Certificate, on: datetime.date | None = None) -> CertificateOut:
    return CertificateOut(
        number=certificate.number,
        issuer=certificate.issuer,
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        status=certificate.status,
        in_force=in_force(certificate, on or timezone.localdate()),
    )


def person_out(officer: Officer) -> PersonOut:
    """Expects ``user``, ``agency`` and ``certificates`` fetched along (one query per list)."""
    today = timezone.localdate()
    certificates = sorted(officer.certificates.all(), key=lambda c: (c.valid_to, c.number))
    can_enforce = (
        officer.employment == Officer.Employment.ESTABLISHED
        and officer.has_role(Role.OFFICER)
        and any(in_force(c, today) for c in certificates)
    )
    return PersonOut(
        id=officer.pk,
        username=officer.user.get_username(),
        name=officer.name,
        agency=agency_ref(officer.agency),
        employment=officer.employment,
        roles=list(officer.roles),
        active=officer.user.is_active,
        can_enforce=can_enforce,
        certificates=[certificate_out(c, today) for c in certificates],
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


class PageParams(Schema):
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


class OfficerRef(Schema):
    id: int
    username: str
    name: str


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


def officer_ref(officer: Officer) -> OfficerRef:
    return OfficerRef(id=officer.pk, username=officer.user.get_username(), name=officer.name)


def party_out(party: Party) -> PartyOut:
    return PartyOut(
        id=party.pk,
        type=party.type,
        name=party.name,
        id_number=party.id_number,
        credit_code=party.credit_code,
        legal_representative=party.legal_representative,
        address=party.address,
        phone=party.phone,
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


def matter_detail(matter: Matter) -> MatterDetail:
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
        parties=[party_out(p) for p in parties],
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
