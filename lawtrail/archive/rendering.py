"""A record's printed form kept as evidence (第八条, 第十八条, 第二十六条).

``store_record_pdf`` renders the current version of a record (``documents.record_pdf``) and
stores the PDF through the ordinary evidence ingest (``lawtrail.evidence.ingest.ingest_file``):
the stored bytes get their SHA-256 and SM3, an ``evidence.stored`` / ``evidence.acquired`` /
``evidence.bound`` event, and the binding to the record's matter; a ``record.rendered`` event
{record, version, sha256} in the matter's context says which version the PDF shows.

Permission: storing the PDF writes into the matter's case file (new evidence bound to it), so
reading rights are not enough: the caller must be allowed to write the record
(``records.permissions.require_can_record``: the matter's handlers and its head), and the ingest
itself binds only for those who work on the matter (``require_can_work_on``). Outside the
caller's scope the record does not exist (404). Anyone who may read the record may download
the PDF without storing it (``GET /records/{id}/pdf``, a ``record.viewed`` event).

Idempotent per (record, version): the PDF's dates are the version's, so the same version gives
the same bytes, and a second call returns the evidence already stored and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lawtrail.archive.documents import record_pdf
from lawtrail.errors import NotFound, Refused, Unmet
from lawtrail.evidence.ingest import IngestInput, current_binding, ingest_file
from lawtrail.evidence.models import Acquisition, Evidence
from lawtrail.ledger import events
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter, Stage
from lawtrail.matters.permissions import require_officer
from lawtrail.records.catalogue import get_type
from lawtrail.records.models import Record, RecordVersion
from lawtrail.records.permissions import require_can_record, visible_records

RENDERED = "record.rendered"


def pdf_filename(record: Record, version: RecordVersion) -> str:
    """新卫罚〔2026〕1号-行政执法决定书-第1版.pdf (the record id when it has no 文号)."""
    kind = get_type(record.record_type)
    return f"{record.number or record.pk}-{kind.name}-第{version.version}版.pdf"


def _already_stored(record: Record, version: RecordVersion, sha256: str) -> Evidence | None:
    evidence = Evidence.objects.filter(sha256=sha256).first()
    if evidence is None:
        return None
    binding = current_binding(evidence)
    rendered = Event.objects.filter(
        action=RENDERED,
        context=record.matter.context,
        object_type=record._meta.label_lower,
        object_id=str(record.pk),
    )
    if binding is None or binding.matter_id != record.matter_id:
        return None
    for body in rendered.values_list("body", flat=True):
        payload = json.loads(bytes(body))["payload"]
        if payload.get("version") == version.version and payload.get("sha256") == sha256:
            return evidence
    return None


def _refuse_archived(matter: Matter) -> None:
    if matter.stage == Stage.ARCHIVING:
        raise Refused(
            _("The matter is archived; its case file is closed and takes no new evidence."),
            [
                Unmet(
                    "records.matter_archived",
                    "第十八条; 第二十六条",
                    _("The case file of an archived matter is closed."),
                )
            ],
        )


def store_record_pdf(
    user: Any, record: Record, *, source: str = Acquisition.Source.BROWSER
) -> Evidence:
    """Render the record's current version and keep the PDF as evidence of its matter."""
    return stored_pdf(user, record, source=source)[0]


def stored_pdf(
    user: Any, record: Record, *, source: str = Acquisition.Source.BROWSER
) -> tuple[Evidence, bool]:
    """``store_record_pdf``, and whether this call stored it (False: stored before).

    The PDF is small, so it is rendered and stored inside the transaction that writes the
    evidence rows and the ``record.rendered`` event: either all of it is recorded or none.
    (A failure after the bytes reached the store leaves an unreferenced blob, which the store's
    sanity check lists as an orphan; nothing in the database points at it.)
    """
    require_officer(user)
    if not visible_records(user).filter(pk=record.pk).exists():
        raise NotFound(_("No such record."))
    require_can_record(user, record.matter, get_type(record.record_type))
    with transaction.atomic():
        matter = Matter.objects.select_for_update().get(pk=record.matter_id)
        _refuse_archived(matter)
        record = Record.objects.select_related("matter", "agency").get(pk=record.pk)
        version = record.current_version()
        data = record_pdf(record, version)
        sha256 = hashlib.sha256(data).hexdigest()
        existing = _already_stored(record, version, sha256)
        if existing is not None:
            return existing, False
        with tempfile.TemporaryDirectory(prefix="lawtrail-render-") as folder:
            path = Path(folder) / "record.pdf"
            path.write_bytes(data)
            acquisition = ingest_file(
                user,
                path,
                IngestInput(
                    source=source,
                    filename=pdf_filename(record, version),
                    matter=matter.number,
                    sha256=sha256,
                ),
            )
        evidence = acquisition.evidence
        events.append(
            events.Actor.of(user),
            RENDERED,
            record,
            {
                "matter": matter.number,
                "record": record.pk,
                "record_type": record.record_type,
                "number": record.number,
                "version": version.version,
                "version_digest": version.digest,
                "evidence": evidence.pk,
                "sha256": sha256,
                "sm3": evidence.sm3,
            },
            context=matter.context,
        )
        return evidence, True
