"""/api/v1 routes for the printed records (文书, 卫生部令第87号): the PDF of a record.

- ``GET /records/{record_id}/pdf``: the current version as an A4 PDF of its official form, for
  whoever may read the record; the reading is a ledger event (``record.viewed``, 第二十条), and
  at 商业秘密 / 个人隐私 / 国家秘密 (第二十一条) a refusal for those who may not see the content.
- ``POST /records/{record_id}/pdf``: keep that PDF as evidence of the matter with its SHA-256 and
  SM3 (``lawtrail.archive.rendering.store_record_pdf``); 201 when stored, 200 when this version
  was stored already (the same bytes, nothing written).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router, Schema, Status

from lawtrail.api.api import caller
from lawtrail.api.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut
from lawtrail.archive.documents import record_pdf
from lawtrail.archive.rendering import pdf_filename, stored_pdf
from lawtrail.records import actions
from lawtrail.records.permissions import get_visible_record

router = Router(tags=["documents"])

PDF = "application/pdf"


class StoredPdfOut(Schema):
    evidence_id: int
    record_id: int
    version: int
    filename: str
    size: int
    sha256: str
    sm3: str


@router.get(
    "records/{record_id}/pdf",
    response={200: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="The record as PDF",
    openapi_extra={"responses": {"200": {"content": {PDF: {}}}}},
)
def get_record_pdf(request: HttpRequest, record_id: int) -> HttpResponse:
    """The current version in the layout of its official form, Noto Sans SC embedded."""
    user = caller(request)
    record = get_visible_record(user, record_id)
    actions.note_viewed(user, record)
    version = record.current_version()
    data = record_pdf(record, version)
    response = HttpResponse(data, content_type=PDF)
    response["Content-Disposition"] = (
        content_disposition_header(True, pdf_filename(record, version)) or "attachment"
    )
    response["Content-Length"] = str(len(data))
    return response


@router.post(
    "records/{record_id}/pdf",
    response={200: StoredPdfOut, 201: StoredPdfOut, **WRITE_ERRORS, **READ_ERRORS},
    summary="Keep the record's PDF as evidence",
)
def store_pdf(request: HttpRequest, record_id: int) -> Status[Any]:
    """Render the current version and store it as evidence bound to the record's matter."""
    user = caller(request)
    record = get_visible_record(user, record_id)
    evidence, created = stored_pdf(user, record)
    version = record.current_version()
    body = StoredPdfOut(
        evidence_id=evidence.pk,
        record_id=record.pk,
        version=version.version,
        filename=pdf_filename(record, version),
        size=evidence.size,
        sha256=evidence.sha256,
        sm3=evidence.sm3,
    )
    return Status(201 if created else 200, body)
