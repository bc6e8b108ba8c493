"""Every change of a matter: one function each, one transaction each, one ledger event each.

The API and the pages call these; nothing else writes matter rows. Each action checks
permission, validates, writes and appends its event in the same transaction, so an action that
raises has changed nothing.

Who (第十条): opening a matter, adding a handler, requesting an approval, moving or returning
the stage and setting the review requirements are the responsible officer's steps
(``require_responsible``: a handler who may enforce, or the head). Adding a party or a GIS
point records what was found on site, which an assistant (协助人员) handling the matter may
help with (``require_can_work_on``), like writing records and capturing evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Agency, Officer, Role
from lawtrail.agencies.numbering import issue_number
from lawtrail.agencies.scope import can_see_matters_of
from lawtrail.errors import Forbidden, Invalid, NotFound, Refused, Unmet
from lawtrail.ledger import events
from lawtrail.matters import gis
from lawtrail.matters.models import (
    STAGE_ORDER,
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
from lawtrail.matters.permissions import (
    is_head_of,
    require_can_work_on,
    require_officer,
    require_responsible,
)
from lawtrail.matters.stages import unmet_conditions

# 卫生部令第87号 art. 4: the 执法性质 part of a matter's number, by kind.
MATTER_NATURE = {
    Kind.LICENSE: "许",
    Kind.INSPECTION: "检",
    Kind.SAMPLING: "抽",
    Kind.PENALTY: "立",
}

AV_FLAGS = (
    "av_contentious",
    "av_personal_rights",
    "av_major_event",
    "av_complaint",
    "av_emergency",
)


def invalid_from(error: ValidationError, prefix: str = "") -> Invalid:
    fields: dict[str, list[str]] = {}
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            fields[f"{prefix}{name}"] = list(errors)
    else:
        fields[prefix.rstrip(".") or "__all__"] = list(error.messages)
    first = next(iter(fields.items()))
    return Invalid(f"{first[0]}: {first[1][0]}", fields)


@dataclass
class PartyInput:
    type: str
    name: str
    id_number: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    address: str = ""
    phone: str = ""


@dataclass
class GisInput:
    latitude: Any
    longitude: Any
    datum: str = "WGS-84"
    label: str = ""


@dataclass
class MatterInput:
    kind: str
    title: str
    place: str
    parties: list[PartyInput]
    handlers: list[int]
    lead: int | None = None
    procedure: str = Procedure.GENERAL
    summary: str = ""
    gis_points: list[GisInput] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)


def clean_party(data: PartyInput, agency: Agency, prefix: str = "") -> Party:
    """A validated, unsaved party; ``prefix`` places field names (``parties[0].``)."""
    if data.type not in Party.Type.values:
        raise Invalid(
            _("Unknown party type %(type)s.") % {"type": data.type}, {f"{prefix}type": []}
        )
    party = Party(
        type=data.type,
        name=data.name.strip(),
        id_number=data.id_number.strip().upper(),
        credit_code=data.credit_code.strip().upper(),
        legal_representative=data.legal_representative.strip(),
        address=data.address.strip(),
        phone=data.phone.strip(),
        agency=agency,
    )
    if party.type == Party.Type.PERSON and not party.id_number:
        raise Invalid(
            _("A natural person needs a resident ID number."),
            {f"{prefix}id_number": [_("This field is required.")]},
        )
    if party.type == Party.Type.ORGANISATION and not party.credit_code:
        raise Invalid(
            _("An organisation needs a unified social credit code."),
            {f"{prefix}credit_code": [_("This field is required.")]},
        )
    try:
        party.full_clean()
    except ValidationError as error:
        raise invalid_from(error, prefix) from None
    return party


def clean_gis(data: GisInput, prefix: str = "") -> dict[str, Any]:
    """The columns of a GIS point in WGS-84, keeping what was given; ``prefix`` as above."""
    if data.datum not in GisPoint.Datum.values:
        raise Invalid(
            _("Unknown datum %(datum)s: use WGS-84 or GCJ-02.") % {"datum": data.datum},
            {f"{prefix}datum": [_("Use WGS-84 or GCJ-02.")]},
        )
    try:
        lat = gis.parse_coordinate(data.latitude, name=f"{prefix}latitude", limit=90)
        lon = gis.parse_coordinate(data.longitude, name=f"{prefix}longitude", limit=180)
        wlat, wlon = gis.to_wgs84(lat, lon, data.datum)
    except ValidationError as error:
        raise invalid_from(error) from None
    return {
        "label": data.label.strip()[:100],
        "latitude": wlat,
        "longitude": wlon,
        "given_datum": data.datum,
        "given_latitude": lat,
        "given_longitude": lon,
    }


def gis_payload(point: GisPoint) -> dict[str, str]:
    return {
        "label": point.label,
        "wgs84": f"{point.latitude},{point.longitude}",
        "given": f"{point.given_datum} {point.given_latitude},{point.given_longitude}",
    }


def resolve_handlers(agency: Agency, officer_ids: list[int]) -> list[Officer]:
    officers = list(Officer.objects.filter(pk__in=officer_ids, agency=agency))
    missing = set(officer_ids) - {o.pk for o in officers}
    if missing:
        raise Invalid(
            _("Handlers must be officers of the matter's agency; not: %(ids)s")
            % {"ids": ", ".join(str(i) for i in sorted(missing))},
            {"handlers": [_("Unknown officer.")]},
        )
    return officers


def check_can_handle(officer: Officer, *, lead: bool) -> None:
    """第十条: assistants help record but are never the responsible officer."""
    if not officer.has_role(Role.OFFICER):
        raise Invalid(
            _("%(name)s is not an enforcement officer and cannot handle a matter.")
            % {"name": officer.name},
            {"handlers": [_("Not an enforcement officer.")]},
        )
    if lead and officer.is_assistant:
        raise Invalid(
            _("%(name)s is an assistant (协助人员) and cannot be the lead handler (第十条).")
            % {"name": officer.name},
            {"lead": [_("Assistants cannot lead.")]},
        )


def may_open_matters(officer: Officer) -> bool:
    """第十条: an officer who may enforce, or a head who is not an assistant, opens matters."""
    if officer.is_assistant:
        return False
    return officer.can_enforce() or officer.has_role(Role.HEAD)


@transaction.atomic
def open_matter(user: Any, agency: Agency, data: MatterInput) -> Matter:
    """程序启动 (第三条): open a matter with its parties, handlers, places and 第十四条 flags.

    Only ``may_open_matters`` officers of the agency open one (第十条)."""
    officer = require_officer(user)
    if not can_see_matters_of(user, agency):
        raise NotFound(_("No such agency."))
    if officer.agency_id != agency.pk or not (
        officer.has_role(Role.OFFICER) or officer.has_role(Role.HEAD)
    ):
        raise Forbidden(_("Only officers and the head of an agency open its matters."))
    if not may_open_matters(officer):
        raise Forbidden(
            _(
                "%(name)s may not open a matter: only an established officer with an "
                "enforcement certificate valid today, or the head, opens one; assistants "
                "(协助人员) only help record (第十条)."
            )
            % {"name": officer.name}
        )
    if data.kind not in Kind.values:
        raise Invalid(_("Unknown kind of matter %(kind)s.") % {"kind": data.kind}, {"kind": []})
    if data.procedure not in Procedure.values:
        raise Invalid(_("Unknown procedure %(p)s.") % {"p": data.procedure}, {"procedure": []})
    if not data.title.strip():
        raise Invalid(_("A matter needs a title."), {"title": [_("This field is required.")]})
    if not data.place.strip():
        raise Invalid(_("A matter needs a place."), {"place": [_("This field is required.")]})
    for name in ("title", "place"):
        limit = getattr(Matter._meta.get_field(name), "max_length", None) or 0
        if len(getattr(data, name).strip()) > limit:
            raise Invalid(
                _("%(field)s: at most %(limit)d characters.") % {"field": name, "limit": limit},
                {name: [_("Too long.")]},
            )
    if not data.parties:
        raise Invalid(_("A matter needs at least one party."), {"parties": []})
    if not data.handlers:
        # Without a handler only the head could ever change the matter again.
        raise Invalid(
            _("A matter needs at least one handler."), {"handlers": [_("This field is required.")]}
        )
    unknown_flags = set(data.flags) - set(AV_FLAGS)
    if unknown_flags:
        raise Invalid(
            _("Unknown flags: %(flags)s") % {"flags": ", ".join(sorted(unknown_flags))},
            {"flags": []},
        )
    handler_ids = list(dict.fromkeys(data.handlers))
    lead_id = data.lead if data.lead is not None else (handler_ids[0] if handler_ids else None)
    if lead_id is not None and lead_id not in handler_ids:
        raise Invalid(_("The lead handler must be one of the handlers."), {"lead": []})
    handlers = resolve_handlers(agency, handler_ids)
    for handler in handlers:
        check_can_handle(handler, lead=handler.pk == lead_id)
    parties = [clean_party(p, agency, f"parties[{i}].") for i, p in enumerate(data.parties)]
    points = [clean_gis(p, f"gis_points[{i}].") for i, p in enumerate(data.gis_points)]

    now = timezone.now()
    matter = Matter.objects.create(
        agency=agency,
        kind=data.kind,
        procedure=data.procedure,
        number=issue_number(agency, MATTER_NATURE[Kind(data.kind)], category="案"),
        title=data.title.strip(),
        summary=data.summary.strip(),
        place=data.place.strip(),
        opened_at=now,
        opened_by=officer,
        **{flag: bool(data.flags.get(flag, False)) for flag in AV_FLAGS},
    )
    for party in parties:
        party.save()
    matter.parties.set(parties)
    for handler in handlers:
        Handler.objects.create(
            matter=matter, officer=handler, is_lead=handler.pk == lead_id, added_at=now
        )
    saved_points = [GisPoint.objects.create(matter=matter, recorded_at=now, **p) for p in points]
    events.append(
        events.Actor.of(user),
        "matter.opened",
        matter,
        {
            "agency": agency.region_code,
            "number": matter.number,
            "kind": matter.kind,
            "procedure": matter.procedure,
            "title": matter.title,
            "place": matter.place,
            "parties": [{"type": p.type, "name": p.name, "id": p.identifier} for p in parties],
            "handlers": [
                {"officer": h.pk, "name": h.name, "lead": h.pk == lead_id} for h in handlers
            ],
            "gis_points": [gis_payload(p) for p in saved_points],
            "av_flags": [flag for flag in AV_FLAGS if getattr(matter, flag)],
        },
        context=matter.context,
    )
    return matter


@transaction.atomic
def add_handler(user: Any, matter: Matter, officer_id: int, *, lead: bool = False) -> Handler:
    """Add an officer to the team; the responsible officer or the head does (第十条)."""
    actor = require_responsible(user, matter)
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    [officer] = resolve_handlers(matter.agency, [officer_id])
    check_can_handle(officer, lead=lead)
    if matter.handlers.filter(officer=officer).exists():
        raise Invalid(
            _("%(name)s already handles this matter.") % {"name": officer.name}, {"officer": []}
        )
    if lead:
        matter.handlers.update(is_lead=False)
    handler = Handler.objects.create(
        matter=matter, officer=officer, is_lead=lead, added_at=timezone.now()
    )
    events.append(
        events.Actor.of(user),
        "matter.handler_added",
        matter,
        {"officer": officer.pk, "name": officer.name, "lead": lead, "by": actor.name},
        context=matter.context,
    )
    return handler


@transaction.atomic
def add_party(user: Any, matter: Matter, data: PartyInput) -> Party:
    """Record a further party; any handler, an assistant too, may help record it (第十条)."""
    require_can_work_on(user, matter)
    party = clean_party(data, matter.agency)
    party.save()
    matter.parties.add(party)
    events.append(
        events.Actor.of(user),
        "matter.party_added",
        matter,
        {"type": party.type, "name": party.name, "id": party.identifier},
        context=matter.context,
    )
    return party


@transaction.atomic
def add_gis_point(user: Any, matter: Matter, data: GisInput) -> GisPoint:
    """Record a place on site; any handler, an assistant too, may help record it (第十条)."""
    require_can_work_on(user, matter)
    point = GisPoint.objects.create(matter=matter, recorded_at=timezone.now(), **clean_gis(data))
    events.append(
        events.Actor.of(user),
        "matter.gis_point_added",
        matter,
        gis_payload(point),
        context=matter.context,
    )
    return point


@transaction.atomic
def request_approval(user: Any, matter: Matter, subject: str, note: str = "") -> Approval:
    """第十六条: the responsible officer (第十条) asks the agency head to approve one step."""
    officer = require_responsible(user, matter)
    if subject not in Approval.Subject.values:
        raise Invalid(_("Unknown approval subject %(s)s.") % {"s": subject}, {"subject": []})
    if matter.approvals.filter(subject=subject, outcome=Approval.Outcome.PENDING).exists():
        raise Invalid(_("An approval of this subject is already pending."), {"subject": []})
    approval = Approval.objects.create(
        matter=matter,
        subject=subject,
        requested_by=officer,
        requested_at=timezone.now(),
        request_note=note.strip(),
    )
    events.append(
        events.Actor.of(user),
        "approval.requested",
        approval,
        {"matter": matter.number, "subject": subject, "note": approval.request_note},
        context=matter.context,
    )
    return approval


@transaction.atomic
def decide_approval(user: Any, approval: Approval, *, approve: bool, opinion: str) -> Approval:
    """第十三条(四), 第十六条: the head of the matter's agency approves or rejects, with an
    opinion; never the one who asked, and only once."""
    officer = require_officer(user)
    approval = Approval.objects.select_for_update().select_related("matter").get(pk=approval.pk)
    matter = approval.matter
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such approval."))
    if not is_head_of(officer, matter):
        raise Forbidden(_("Only the head of the matter's agency decides its approvals."))
    if approval.requested_by_id == officer.pk:
        raise Forbidden(_("Nobody approves their own request."))
    if approval.outcome != Approval.Outcome.PENDING:
        raise Invalid(_("This approval has already been decided."), {"outcome": []})
    if not opinion.strip():
        raise Invalid(_("The head's opinion is required."), {"opinion": [_("Required.")]})
    approval.outcome = Approval.Outcome.APPROVED if approve else Approval.Outcome.REJECTED
    approval.decided_by = officer
    approval.decided_at = timezone.now()
    approval.opinion = opinion.strip()
    approval.save()
    events.append(
        events.Actor.of(user),
        "approval.decided",
        approval,
        {
            "matter": matter.number,
            "subject": approval.subject,
            "outcome": approval.outcome,
            "opinion": approval.opinion,
        },
        context=matter.context,
    )
    return approval


@transaction.atomic
def advance_stage(user: Any, matter: Matter, target: str, reason: str = "") -> Matter:
    """Move a matter to the next stage of 第三条, refusing with every unmet condition listed.

    The responsible officer or the head moves it (第十条), never an assistant."""
    officer = require_responsible(user, matter)
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    if target not in Stage.values:
        raise Invalid(_("Unknown stage %(stage)s.") % {"stage": target}, {"stage": []})
    unmet = unmet_conditions(matter, target)
    if unmet:
        raise Refused(
            _("The matter cannot move to %(stage)s: %(count)d condition(s) unmet.")
            % {"stage": Stage(target).label, "count": len(unmet)},
            unmet,
        )
    return _change_stage(user, officer, matter, target, reason, "matter.stage_advanced")


@transaction.atomic
def return_for_investigation(user: Any, matter: Matter, reason: str) -> Matter:
    """审查决定 → 调查取证: the reviewer sends the case back for more evidence, with a reason.

    The responsible officer or the head does (第十条), never an assistant."""
    officer = require_responsible(user, matter)
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    if matter.stage != Stage.REVIEW:
        raise Refused(_("Only a matter under review can be returned for investigation."))
    if not reason.strip():
        raise Invalid(_("Say why the matter goes back."), {"reason": [_("Required.")]})
    return _change_stage(
        user, officer, matter, Stage.INVESTIGATION, reason, "matter.returned_for_investigation"
    )


def _change_stage(
    user: Any, officer: Officer, matter: Matter, target: str, reason: str, action: str
) -> Matter:
    now = timezone.now()
    StageChange.objects.create(
        matter=matter,
        from_stage=matter.stage,
        to_stage=target,
        by=officer,
        at=now,
        reason=reason.strip(),
    )
    previous = matter.stage
    matter.stage = target
    if target == Stage.ARCHIVING:
        # 第十八条: the enforcement action has ended; the 30-day archiving clock starts.
        matter.ended_at = now
    matter.save(update_fields=["stage", "ended_at"])
    events.append(
        events.Actor.of(user),
        action,
        matter,
        {"from": previous, "to": target, "reason": reason.strip()},
        context=matter.context,
    )
    return matter


@transaction.atomic
def set_review_requirements(
    user: Any,
    matter: Matter,
    *,
    legal_review: bool | None = None,
    collective_discussion: bool | None = None,
) -> Matter:
    """第十三条(四): say whether the decision needs 法制审核 and/or 集体讨论 first.

    The responsible officer (第十条: a handler who may enforce) or the head of the matter's
    agency sets them while the decision is still open, that is before 送达执行; ``None``
    leaves a requirement as it is.
    """
    require_responsible(user, matter)
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    if legal_review is None and collective_discussion is None:
        raise Invalid(
            _("Say which review requirement to set."),
            {"needs_legal_review": [], "needs_collective_discussion": []},
        )
    if STAGE_ORDER.index(matter.stage) > STAGE_ORDER.index(Stage.REVIEW):
        raise Refused(
            _("The decision has been taken; its review requirements can no longer change."),
            [
                Unmet(
                    "stage.decided",
                    "第十三条(四)",
                    _("Review requirements are set before the matter leaves %(stage)s.")
                    % {"stage": Stage.REVIEW.label},
                )
            ],
        )
    before = {
        "needs_legal_review": matter.needs_legal_review,
        "needs_collective_discussion": matter.needs_collective_discussion,
    }
    if legal_review is not None:
        matter.needs_legal_review = legal_review
    if collective_discussion is not None:
        matter.needs_collective_discussion = collective_discussion
    matter.save(update_fields=["needs_legal_review", "needs_collective_discussion"])
    events.append(
        events.Actor.of(user),
        "matter.review_requirements_set",
        matter,
        {
            "before": before,
            "after": {
                "needs_legal_review": matter.needs_legal_review,
                "needs_collective_discussion": matter.needs_collective_discussion,
            },
        },
        context=matter.context,
    )
    return matter


@transaction.atomic
def note_viewed(user: Any, matter: Matter, what: str = "matter") -> None:
    """第二十条: consulting a case file is an event, written before the content is returned."""
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such matter."))
    events.append(
        events.Actor.of(user),
        "matter.viewed",
        matter,
        {"matter": matter.number, "what": what},
        context=matter.context,
    )
