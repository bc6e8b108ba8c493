"""/api/v1 routes for written records (文书/笔录, 第八条, 第十三条), their versions, signatures
and service.

Thin: reads go through ``lawtrail.records.permissions`` (a record of a matter outside the
caller's scope is 404), every change through one action of ``lawtrail.records.actions``; an
action's error becomes a 4xx answer (``lawtrail.api.api``) and has changed nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from lawtrail.api.api import caller
from lawtrail.api.pagination import paginate
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, OfficerRef, officer_ref
from lawtrail.errors import Invalid, NotFound
from lawtrail.matters.permissions import get_visible_matter
from lawtrail.matters.queries import on_days
from lawtrail.records import actions
from lawtrail.records.catalogue import all_types, get_type
from lawtrail.records.models import Record, RecordVersion, Service, Signature
from lawtrail.records.permissions import get_visible_record
from lawtrail.records.signatures import decode_image

router = Router(tags=["records"])


# ---------------------------------------------------------------- shapes


class FieldSpecOut(Schema):
    name: str
    label: str = Field(description="The label on the printed form (Chinese).")
    type: str = Field(
        json_schema_extra={
            "enum": ["text", "textarea", "date", "datetime", "number", "choice", "list"]
        }
    )
    required: bool
    choices: list[str]
    items: list[FieldSpecOut] = Field(
        default_factory=list, description="For a list of objects: the fields of each entry."
    )


class SignerOut(Schema):
    role: str
    label: str
    side: str = Field(description="party (第十三条(三)), witness or officer.")


class RecordTypeOut(Schema):
    code: str
    name: str = Field(description="The official Chinese name.")
    article: str = Field(description="The source article, e.g. 第十三条(一)2.")
    touches_party_rights: bool = Field(description="第十三条(三): the party signs or refuses.")
    is_decision: bool = Field(description="第十三条(五)4: never served by fax or e-mail.")
    served: bool = Field(description="Whether the document is served on the party.")
    number_nature: str | None = Field(description="执法性质 of the 文号; null if unnumbered.")
    signers: list[SignerOut]
    fields: list[FieldSpecOut]


class RecordIn(Input):
    record_type: str = Field(json_schema_extra={"enum": [t.code for t in all_types()]})
    fields: dict[str, Any] = Field(description="Values by field name, see /record-types.")


class CorrectionIn(Input):
    fields: dict[str, Any] = Field(description="The whole corrected content.")
    reason: str = Field(description="Why the record is corrected; required.")


class SignatureIn(Input):
    signer_role: str
    signer_name: str = Field("", description="Officer-side roles sign in the caller's name.")
    status: str = Field(json_schema_extra={"enum": list(Signature.Status.values)})
    image_png: str | None = Field(
        None, description="The handwritten signature: base64 PNG or a data:image/png URL."
    )
    circumstances: str = Field("", description="Required when refused or unable.")
    witness_ids: list[int] = Field(
        default_factory=list, description="Officers handling the matter who witnessed it."
    )


class ServiceIn(Input):
    method: str = Field(json_schema_extra={"enum": list(Service.Method.values)})
    served_at: datetime.datetime
    recipient: str
    channel: str = Field("", description="fax or email, for electronic service only.")
    proof: dict[str, Any] = Field(
        default_factory=dict, description="What the method needs, see 第十三条(五)."
    )
    receipt_id: int | None = Field(None, description="The 送达回执 record (direct, entrusted).")


class RecordFilters(Schema):
    record_type: str | None = None
    created_from: datetime.date | None = Field(None, description="Local date, inclusive.")
    created_to: datetime.date | None = Field(None, description="Local date, inclusive.")
    q: str | None = Field(
        None,
        max_length=200,
        description="Part of the 文号, or of the record type's name or code.",
    )
    limit: int = Field(50, ge=1, le=200)
    after: str | None = Field(None, description="The `next` cursor of the previous page.")


class SignatureOut(Schema):
    id: int
    version: int
    signer_role: str
    signer_name: str
    signer_officer: OfficerRef | None
    status: str
    image_sha256: str
    circumstances: str
    witnesses: list[OfficerRef]
    recorded_by: OfficerRef
    at: datetime.datetime


class VersionOut(Schema):
    version: int
    fields: dict[str, Any]
    digest: str = Field(description="SHA-256 of the canonical JSON of the fields.")
    created_by: OfficerRef
    created_at: datetime.datetime
    corrects: int | None = Field(description="The version this one corrects.")
    reason: str
    signatures: list[SignatureOut]


class ServiceOut(Schema):
    id: int
    version: int = Field(description="The version that was served.")
    method: str
    channel: str
    served_at: datetime.datetime
    recipient: str
    proof: dict[str, Any]
    receipt_id: int | None
    created_by: OfficerRef
    created_at: datetime.datetime


class RecordSummary(Schema):
    id: int
    matter_id: int
    record_type: str
    type_name: str
    number: str = Field(description="文号, or empty for an unnumbered type.")
    created_by: OfficerRef
    created_at: datetime.datetime
    version: int = Field(description="The current version.")
    digest: str


class RecordDetail(RecordSummary):
    versions: list[VersionOut]
    services: list[ServiceOut]


class RecordPage(Schema):
    items: list[RecordSummary]
    next: str | None = Field(description="Pass as `after` for the next page; null at the end.")


FieldSpecOut.model_rebuild()


# ---------------------------------------------------------------- rows to shapes


def signature_out(signature: Signature, version: int) -> SignatureOut:
    return SignatureOut(
        id=signature.pk,
        version=version,
        signer_role=signature.signer_role,
        signer_name=signature.signer_name,
        signer_officer=officer_ref(signature.signer_officer) if signature.signer_officer else None,
        status=signature.status,
        image_sha256=signature.image_sha256,
        circumstances=signature.circumstances,
        witnesses=[officer_ref(w) for w in signature.witnesses.all()],
        recorded_by=officer_ref(signature.recorded_by),
        at=signature.at,
    )


def version_out(version: RecordVersion) -> VersionOut:
    return VersionOut(
        version=version.version,
        fields=version.fields,
        digest=version.digest,
        created_by=officer_ref(version.created_by),
        created_at=version.created_at,
        corrects=version.corrects.version if version.corrects else None,
        reason=version.reason,
        signatures=[signature_out(s, version.version) for s in version.signatures.all()],
    )


def service_out(service: Service) -> ServiceOut:
    return ServiceOut(
        id=service.pk,
        version=service.version.version,
        method=service.method,
        channel=service.channel,
        served_at=service.served_at,
        recipient=service.recipient,
        proof=service.proof,
        receipt_id=service.receipt_id,
        created_by=officer_ref(service.created_by),
        created_at=service.created_at,
    )


def _summary(record: Record, current: RecordVersion) -> dict[str, Any]:
    return dict(
        id=record.pk,
        matter_id=record.matter_id,
        record_type=record.record_type,
        type_name=get_type(record.record_type).name,
        number=record.number,
        created_by=officer_ref(record.created_by),
        created_at=record.created_at,
        version=current.version,
        digest=current.digest,
    )


def record_detail(record: Record) -> RecordDetail:
    record = (
        Record.objects.select_related("created_by__user")
        .prefetch_related(
            models.Prefetch(
                "versions",
                queryset=RecordVersion.objects.select_related(
                    "created_by__user", "corrects"
                ).order_by("version"),
            ),
            "versions__signatures__signer_officer__user",
            "versions__signatures__recorded_by__user",
            "versions__signatures__witnesses__user",
            models.Prefetch(
                "services",
                queryset=Service.objects.select_related("version", "created_by__user"),
            ),
        )
        .get(pk=record.pk)
    )
    versions = list(record.versions.all())
    return RecordDetail(
        **_summary(record, versions[-1]),
        versions=[version_out(v) for v in versions],
        services=[service_out(s) for s in record.services.all()],
    )


# ---------------------------------------------------------------- filters


def filter_records(
    records: models.QuerySet[Record], filters: RecordFilters
) -> models.QuerySet[Record]:
    """``records`` narrowed by type, creation date (local days, inclusive) and free text."""
    if filters.record_type is not None:
        records = records.filter(record_type=get_type(filters.record_type).code)
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        raise Invalid(
            _("created_from is after created_to."), {"created_from": [], "created_to": []}
        )
    records = records.filter(on_days("created_at", filters.created_from, filters.created_to))
    text = (filters.q or "").strip()
    if text:
        # The catalogue is data in memory, so the names are matched here, not in SQL.
        folded = text.casefold()
        codes = [
            t.code
            for t in all_types()
            if folded in t.name.casefold() or folded in t.code.casefold()
        ]
        records = records.filter(models.Q(number__icontains=text) | models.Q(record_type__in=codes))
    return records.select_related("created_by__user")


# ---------------------------------------------------------------- routes


@router.get(
    "record-types", response={200: list[RecordTypeOut], **READ_ERRORS}, summary="Record types"
)
def list_record_types(request: HttpRequest) -> list[dict[str, Any]]:
    """The catalogue of 文书/笔录 (第十三条): fields, signers, source articles."""
    return [t.as_dict() for t in all_types()]


@router.get(
    "matters/{matter_id}/records",
    response={200: RecordPage, **READ_ERRORS},
    summary="List a matter's records",
)
def list_records(request: HttpRequest, matter_id: int, filters: Query[RecordFilters]) -> RecordPage:
    """The matter's records in the order they were written, one keyset page at a time."""
    matter = get_visible_matter(caller(request), matter_id)
    records = filter_records(Record.objects.filter(matter=matter), filters)
    page = paginate(records, ["id"], limit=filters.limit, after=filters.after)
    current: dict[int, RecordVersion] = {}
    for version in RecordVersion.objects.filter(record__in=page.rows).order_by("version"):
        current[version.record_id] = version
    return RecordPage(
        items=[RecordSummary(**_summary(r, current[r.pk])) for r in page.rows], next=page.next
    )


@router.post(
    "matters/{matter_id}/records",
    response={201: RecordDetail, **WRITE_ERRORS},
    summary="Write a record",
)
def create_record(request: HttpRequest, matter_id: int, data: RecordIn) -> Status[RecordDetail]:
    """第八条, 第十三条: a record of the matter; a numbered type gets its 文号."""
    user = caller(request)
    matter = get_visible_matter(user, matter_id)
    record = actions.create_record(user, matter, data.record_type, data.fields)
    return Status(201, record_detail(record))


@router.get("records/{record_id}", response={200: RecordDetail, **READ_ERRORS}, summary="A record")
def get_record(request: HttpRequest, record_id: int) -> RecordDetail:
    """Every version, signature and service; the reading is a ledger event (第二十条)."""
    user = caller(request)
    record = get_visible_record(user, record_id)
    actions.note_viewed(user, record)
    return record_detail(record)


@router.post(
    "records/{record_id}/versions",
    response={201: VersionOut, **WRITE_ERRORS},
    summary="Correct a record",
)
def correct_record(request: HttpRequest, record_id: int, data: CorrectionIn) -> Status[VersionOut]:
    """A new version pointing at the one it corrects; nothing is overwritten (第二十六条)."""
    user = caller(request)
    record = get_visible_record(user, record_id)
    version = actions.correct_record(user, record, data.fields, data.reason)
    return Status(201, version_out(version))


@router.post(
    "records/{record_id}/signatures",
    response={201: SignatureOut, **WRITE_ERRORS},
    summary="Sign, or record a refusal",
)
def sign_record(request: HttpRequest, record_id: int, data: SignatureIn) -> Status[SignatureOut]:
    """第十三条(三): the signature (PNG), or a refusal or inability with circumstances and a
    witnessing handler, on the current version."""
    user = caller(request)
    record = get_visible_record(user, record_id)
    image = decode_image(data.image_png) if data.image_png else None
    signature = actions.sign_record(
        user,
        record,
        actions.SignatureInput(
            signer_role=data.signer_role,
            signer_name=data.signer_name,
            status=data.status,
            image_png=image,
            circumstances=data.circumstances,
            witness_ids=list(data.witness_ids),
        ),
    )
    return Status(201, signature_out(signature, signature.version.version))


@router.get(
    "records/{record_id}/signatures/{signature_id}/image",
    response={200: None, **READ_ERRORS},
    summary="A signature's image (PNG)",
)
def signature_image(request: HttpRequest, record_id: int, signature_id: int) -> HttpResponse:
    """The PNG as captured; viewing it is a ledger event (第二十条)."""
    user = caller(request)
    record = get_visible_record(user, record_id)
    signature = Signature.objects.filter(pk=signature_id, version__record=record).first()
    if signature is None or signature.image is None:
        raise NotFound(_("No such signature image."))
    actions.note_viewed(user, record)
    response = HttpResponse(bytes(signature.image), content_type="image/png")
    response["X-Content-SHA256"] = signature.image_sha256
    return response


@router.post(
    "records/{record_id}/services",
    response={201: ServiceOut, **WRITE_ERRORS},
    summary="Record the service of a document",
)
def record_service(request: HttpRequest, record_id: int, data: ServiceIn) -> Status[ServiceOut]:
    """送达 by one of the six methods of 第十三条(五), with the proof that method needs."""
    user = caller(request)
    record = get_visible_record(user, record_id)
    service = actions.record_service(
        user,
        record,
        actions.ServiceInput(
            method=data.method,
            served_at=data.served_at,
            recipient=data.recipient,
            channel=data.channel,
            proof=data.proof,
            receipt_id=data.receipt_id,
        ),
    )
    return Status(201, service_out(service))
