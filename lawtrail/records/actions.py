"""Every change of a record: one function each, one transaction each, one ledger event each.

第八条 makes the written case file a way of recording, 第十三条 says which records each step
needs, and 第二十六条 forbids altering or deleting them: a correction is a new version, a
signature and a service are new rows, and each action appends its event to the ledger in the
same transaction (its payload carries the version's digest, so the ledger commits to the
content). An action that raises has changed nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Officer
from lawtrail.agencies.numbering import issue_number
from lawtrail.agencies.scope import can_see_matters_of
from lawtrail.errors import Forbidden, Invalid, NotFound, Refused, Unmet
from lawtrail.ledger import canonical, events
from lawtrail.matters.models import Handler, Matter, Stage
from lawtrail.matters.permissions import require_officer
from lawtrail.records.catalogue import get_type, signer_role
from lawtrail.records.fields import clean_fields, digest
from lawtrail.records.models import Record, RecordVersion, Service, Signature
from lawtrail.records.permissions import require_can_record, require_can_sign
from lawtrail.records.service import ServiceInput, clean_service
from lawtrail.records.signatures import SignatureInput, clean_signature

__all__ = [
    "ServiceInput",
    "SignatureInput",
    "correct_record",
    "create_record",
    "note_viewed",
    "record_service",
    "sign_record",
]

REASON_MAX = 5000


def _require_visible(user: Any, matter: Matter) -> None:
    require_officer(user)
    if not can_see_matters_of(user, matter.agency):
        raise NotFound(_("No such matter."))


def _lock_open_matter(matter: Matter) -> Matter:
    """Lock the matter row, so that it cannot be archived while its records change."""
    matter = Matter.objects.select_for_update().select_related("agency").get(pk=matter.pk)
    if matter.stage == Stage.ARCHIVING:
        raise Refused(
            _(
                "The matter is archived; its records can no longer be created, corrected, signed "
                "or served."
            ),
            [
                Unmet(
                    "records.matter_archived",
                    "第十八条; 第二十六条",
                    _("The case file of an archived matter is closed."),
                )
            ],
        )
    return matter


def _version_payload(record: Record, version: RecordVersion) -> dict[str, Any]:
    return {
        "matter": record.matter.number,
        "record": record.pk,
        "record_type": record.record_type,
        "number": record.number,
        "version": version.version,
        "digest": version.digest,
    }


@transaction.atomic
def create_record(user: Any, matter: Matter, record_type: str, fields: dict[str, Any]) -> Record:
    """Write a record of the matter (第八条, 第十三条); a numbered type takes its 文号 here.

    Refused (409) once the matter is archived (第十八条).
    """
    _require_visible(user, matter)
    kind = get_type(record_type)
    officer = require_can_record(user, matter, kind)
    matter = _lock_open_matter(matter)
    cleaned = clean_fields(kind, fields)
    nature = kind.nature_for(matter.kind, cleaned)
    # 卫生部令第87号 第四条: taken inside this transaction, so a failed write returns no number.
    number = issue_number(matter.agency, nature) if nature else ""
    now = timezone.now()
    record = Record.objects.create(
        matter=matter,
        agency=matter.agency,
        record_type=kind.code,
        number=number,
        created_by=officer,
        created_at=now,
    )
    version = RecordVersion.objects.create(
        record=record,
        version=1,
        fields=cleaned,
        created_by=officer,
        created_at=now,
        digest=digest(cleaned),
    )
    events.append(
        events.Actor.of(user),
        "record.created",
        record,
        _version_payload(record, version),
        context=matter.context,
    )
    return record


@transaction.atomic
def correct_record(user: Any, record: Record, fields: dict[str, Any], reason: str) -> RecordVersion:
    """Correct a record with a new version that points at the one it corrects (第二十六条).

    The fields are the whole corrected content; every earlier version stays readable.
    """
    matter = record.matter
    _require_visible(user, matter)
    kind = get_type(record.record_type)
    officer = require_can_record(user, matter, kind)
    matter = _lock_open_matter(matter)
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise Invalid(
            _("Say why the record is corrected."), {"reason": [_("This field is required.")]}
        )
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long."), {"reason": [_("Too long.")]})
    cleaned = clean_fields(kind, fields)
    record = Record.objects.select_for_update().select_related("matter").get(pk=record.pk)
    current = record.current_version()
    new_digest = digest(cleaned)
    if new_digest == current.digest:
        raise Invalid(
            _("The correction changes nothing."), {"fields": [_("Same as the current version.")]}
        )
    if kind.nature_for(matter.kind, cleaned) != kind.nature_for(matter.kind, current.fields):
        raise Invalid(
            _("This change would alter the document number; write a new document instead."),
            {f"fields.{kind.nature_field}": [_("Cannot change after numbering.")]},
        )
    version = RecordVersion.objects.create(
        record=record,
        version=current.version + 1,
        fields=cleaned,
        created_by=officer,
        created_at=timezone.now(),
        corrects=current,
        reason=reason,
        digest=new_digest,
    )
    payload = _version_payload(record, version)
    payload.update(
        {"corrects": current.version, "corrects_digest": current.digest, "reason": reason}
    )
    events.append(
        events.Actor.of(user), "record.corrected", version, payload, context=matter.context
    )
    return version


def _witnesses(matter: Matter, ids: tuple[int, ...]) -> list[Officer]:
    handlers = {
        h.officer_id: h.officer
        for h in Handler.objects.filter(matter=matter, officer_id__in=ids).select_related("officer")
    }
    missing = [i for i in ids if i not in handlers]
    if missing:
        raise Invalid(
            _("Witnesses must be officers handling the matter; not: %(ids)s")
            % {"ids": ", ".join(str(i) for i in missing)},
            {"witness_ids": [_("Not a handler of this matter.")]},
        )
    return [handlers[i] for i in ids]


@transaction.atomic
def sign_record(user: Any, record: Record, data: SignatureInput) -> Signature:
    """签字, or the record of a refusal or inability to sign (第十三条(三)), on the current version.

    An officer-side signature is made by that officer's own login and is always ``signed``.
    """
    matter = record.matter
    _require_visible(user, matter)
    kind = get_type(record.record_type)
    role = signer_role(data.signer_role)
    if role.code not in kind.signers:
        raise Invalid(
            _("%(role)s does not sign a %(type)s.") % {"role": role.label, "type": kind.name},
            {"signer_role": [_("Not a signer of this record type.")]},
        )
    officer = require_can_sign(user, matter, role)
    clean = clean_signature(data)
    matter = _lock_open_matter(matter)
    signer_officer: Officer | None = None
    name = clean.signer_name
    if role.is_officer_side:
        if clean.status != Signature.Status.SIGNED:
            raise Invalid(
                _("An officer signs; only the party side refuses or is unable."),
                {"status": [_("Officers sign.")]},
            )
        if name and name != officer.name:
            raise Invalid(
                _("An officer signs in their own name, with their own login."),
                {"signer_name": [_("Not the signing officer's name.")]},
            )
        name, signer_officer = officer.name, officer
    elif not name:
        raise Invalid(
            _("Name the person who signs or refuses."),
            {"signer_name": [_("This field is required.")]},
        )
    witnesses = _witnesses(matter, clean.witness_ids)
    record = Record.objects.select_for_update().select_related("matter").get(pk=record.pk)
    version = record.current_version()
    earlier = version.signatures.filter(signer_role=role.code, signer_name=name)
    if earlier.filter(status__in=[clean.status, Signature.Status.SIGNED]).exists():
        raise Invalid(
            _("%(name)s has already signed this version as %(role)s.")
            % {"name": name, "role": role.label},
            {"signer_name": [_("Already recorded.")]},
        )
    signature = Signature.objects.create(
        version=version,
        signer_role=role.code,
        signer_name=name,
        signer_officer=signer_officer,
        status=clean.status,
        image=clean.image,
        image_sha256=clean.image_sha256,
        circumstances=clean.circumstances,
        recorded_by=officer,
        at=timezone.now(),
    )
    if witnesses:
        signature.witnesses.add(*witnesses)
    payload = _version_payload(record, version)
    payload.update(
        {
            "signer_role": role.code,
            "signer_name": name,
            "signer_officer": signer_officer.pk if signer_officer else None,
            "status": clean.status,
            "image_sha256": clean.image_sha256,
            "circumstances": clean.circumstances,
            "witnesses": [{"officer": w.pk, "name": w.name} for w in witnesses],
        }
    )
    events.append(
        events.Actor.of(user), "record.signed", signature, payload, context=matter.context
    )
    return signature


@transaction.atomic
def record_service(user: Any, record: Record, data: ServiceInput) -> Service:
    """送达 of the record's current version, with the proof its method needs (第十三条(五))."""
    matter = record.matter
    _require_visible(user, matter)
    kind = get_type(record.record_type)
    officer = require_can_record(user, matter, kind)
    matter = _lock_open_matter(matter)
    clean = clean_service(matter, record, kind, data)
    version = record.current_version()
    service = Service.objects.create(
        record=record,
        version=version,
        method=clean.method,
        channel=clean.channel,
        served_at=clean.served_at,
        recipient=clean.recipient,
        proof=clean.proof,
        receipt=clean.receipt,
        created_by=officer,
        created_at=timezone.now(),
    )
    payload = _version_payload(record, version)
    payload.update(
        {
            "method": clean.method,
            "channel": clean.channel,
            "served_at": canonical.format_time(clean.served_at),
            "recipient": clean.recipient,
            "proof": clean.proof,
            "receipt": clean.receipt.pk if clean.receipt else None,
            "receipt_digest": clean.receipt.current_version().digest if clean.receipt else None,
        }
    )
    events.append(events.Actor.of(user), "record.served", service, payload, context=matter.context)
    return service


def _refuse_reading(user: Any, record: Record) -> None:
    """The refused reading, in its own transaction: kept though the request fails."""
    with transaction.atomic():
        events.append(
            events.Actor.of(user),
            "record.view_refused",
            record,
            {"matter": record.matter.number, "record": record.pk, "reason": "confidentiality"},
            context=record.matter.context,
        )


def note_viewed(user: Any, record: Record) -> None:
    """Reading a record is an event too (第二十条), written before the content is returned.

    At 商业秘密, 个人隐私 and 国家秘密 (第二十一条) the content is for the matter's handlers, its
    head, the legal reviewer and grant holders only (``access.rules.READERS``); others in the
    matter's scope are refused, and the refusal is an event too."""
    from lawtrail.access.models import Level
    from lawtrail.access.rules import matter_level, sees_matter_details

    _require_visible(user, record.matter)
    if not sees_matter_details(user, record.matter):
        _refuse_reading(user, record)
        raise Forbidden(
            _(
                "This matter is classified %(level)s (第二十一条); its records are for its "
                "handlers, its head and those granted access. Ask for access."
            )
            % {"level": Level(matter_level(record.matter)).label}
        )
    with transaction.atomic():
        events.append(
            events.Actor.of(user),
            "record.viewed",
            record,
            {
                "matter": record.matter.number,
                "record": record.pk,
                "record_type": record.record_type,
                "number": record.number,
            },
            context=record.matter.context,
        )
