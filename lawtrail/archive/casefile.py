"""The case file (案卷) of an ended matter: what stops it being archived, and its assembly.

第十八条: within 30 days of the end of an enforcement action, its written and audio/video records
form a case file archived under the Archives Law. ``missing_for_archive`` lists every reason
the matter cannot be archived yet (each an ``Unmet`` with its article), re-checking the stage
conditions of the records app rather than repeating them; ``assemble`` gathers the records in
their legal order (the stages of 第三条, within a stage the catalogue's order), the 卷内目录, the
evidence bound to the matter and the ledger proofs of the events that made them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.access.models import Level
from lawtrail.access.rules import matter_level
from lawtrail.archive import numbering
from lawtrail.archive.contents import CaseFile, CatalogueEntry, EvidenceEntry, LedgerProof
from lawtrail.archive.models import ArchivePackage
from lawtrail.errors import Unmet
from lawtrail.evidence.models import Acquisition, Binding, Evidence
from lawtrail.ledger import checkpoints, tree
from lawtrail.ledger.models import Checkpoint, Event
from lawtrail.matters import stages
from lawtrail.matters.models import STAGE_ORDER, Kind, Matter, Procedure, Stage
from lawtrail.records import conditions
from lawtrail.records.catalogue import all_types, get_type
from lawtrail.records.models import Record
from lawtrail.storage import default_store

#: The stage of 第三条 each record type belongs to: the case file follows these stages, and
#: within a stage the catalogue's order (卷内文件排列).
STAGE_OF: dict[str, str] = {
    "case_acceptance": Stage.INITIATION,
    "filing_report": Stage.INITIATION,
    "on_site_inspection": Stage.INVESTIGATION,
    "inquiry": Stage.INVESTIGATION,
    "sampling_list": Stage.INVESTIGATION,
    "seizure_decision": Stage.INVESTIGATION,
    "seizure_inventory": Stage.INVESTIGATION,
    "hearing_notice": Stage.REVIEW,
    "hearing_record": Stage.REVIEW,
    "testing_commission": Stage.INVESTIGATION,
    "inspection_refusal": Stage.INVESTIGATION,
    "statement_notice": Stage.REVIEW,
    "statement_record": Stage.REVIEW,
    "statement_waiver": Stage.REVIEW,
    "legal_review_opinion": Stage.REVIEW,
    "collective_discussion": Stage.REVIEW,
    "decision": Stage.REVIEW,
    "service_receipt": Stage.EXECUTION,
    "reminder": Stage.EXECUTION,
    "enforcement_application": Stage.EXECUTION,
    "supervision_opinion": Stage.INVESTIGATION,
    "electronic_service_consent": Stage.INVESTIGATION,
    "evidence_preservation": Stage.INVESTIGATION,
    "preservation_disposal": Stage.INVESTIGATION,
    "hearing_rights_notice": Stage.REVIEW,
    "hearing_request": Stage.REVIEW,
    "seizure_extension": Stage.INVESTIGATION,
    "seizure_release": Stage.INVESTIGATION,
    "fine_payment": Stage.EXECUTION,
    "payment_deferral": Stage.EXECUTION,
}

#: Records a kind of matter must have in its file beyond what the stage conditions ask
#: (第十六条: a penalty case under the general procedure is opened on a 立案报告).
REQUIRED: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    (Kind.PENALTY, Procedure.GENERAL): (("filing_report", "第十六条; 第十三条"),),
}

RECORD_ACTIONS = ("record.created", "record.corrected", "record.signed", "record.served")
EVIDENCE_ACTIONS = ("evidence.stored", "evidence.acquired", "evidence.bound")


def legal_order(records: Iterable[Record]) -> list[Record]:
    """Records by stage (第三条), catalogue position, then the time they were written."""
    position = {t.code: i for i, t in enumerate(all_types())}
    last = len(STAGE_ORDER)

    def key(record: Record) -> tuple[int, int, datetime.datetime, int]:
        stage = STAGE_OF.get(record.record_type)
        return (
            STAGE_ORDER.index(stage) if stage else last,
            position.get(record.record_type, len(position)),
            record.created_at,
            record.pk,
        )

    return sorted(records, key=key)


def bound_evidence(matter: Matter) -> list[Evidence]:
    """Evidence whose latest binding is to this matter (moved-away evidence is not in it)."""
    candidates = Evidence.objects.filter(bindings__matter=matter).distinct().order_by("pk")
    out = []
    for evidence in candidates:
        latest = (
            Binding.objects.filter(evidence=evidence).order_by("-bound_at", "-id").only("matter")
        ).first()
        if latest is not None and latest.matter_id == matter.pk:
            out.append(evidence)
    return out


def _unmet_stage(matter: Matter) -> list[Unmet]:
    if ArchivePackage.objects.filter(matter=matter).exists():
        return [
            Unmet(
                "archive.already_archived",
                "第十八条",
                _("The case file of %(number)s is archived already; a package is made once.")
                % {"number": matter.number},
            )
        ]
    if matter.stage != Stage.ARCHIVING:
        return [
            Unmet(
                "archive.stage",
                "第三条; 第十八条",
                _("The matter is in %(stage)s; only a matter in 归档管理 is archived.")
                % {"stage": Stage(matter.stage).label},
            )
        ]
    return []


def _unmet_records(matter: Matter) -> list[Unmet]:
    """The stage conditions again, as of now: records written since must not undo them."""
    found: list[Unmet] = []
    checks = (
        (stages.filing_approved, Stage.INVESTIGATION),
        (conditions.investigative_records, Stage.REVIEW),
        (conditions.decision_records, Stage.EXECUTION),
        (stages.decision_approved, Stage.EXECUTION),
        (conditions.party_signatures, Stage.ARCHIVING),
        (conditions.decisions_served, Stage.ARCHIVING),
    )
    for check, target in checks:
        found.extend(check(matter, target))
    for code, article in REQUIRED.get((matter.kind, matter.procedure), ()):
        if not matter.records.filter(record_type=code).exists():
            found.append(
                Unmet(
                    f"archive.record.{code}",
                    article,
                    _("The case file has no %(type)s.") % {"type": get_type(code).name},
                )
            )
    served_types = [t.code for t in all_types() if t.served and not t.is_decision]
    for record in matter.records.filter(record_type__in=served_types).order_by("created_at", "id"):
        if not conditions._served(record):
            found.append(
                Unmet(
                    "archive.record_served",
                    "第十三条(五)",
                    _("%(record)s has not been served (as it now reads) with proof.")
                    % {"record": conditions._label(record)},
                )
            )
    return found


def _unmet_evidence(matter: Matter) -> list[Unmet]:
    store = default_store()
    found: list[Unmet] = []
    for evidence in bound_evidence(matter):
        if not evidence.readable:
            found.append(
                Unmet(
                    "archive.evidence_unreadable",
                    "第十九条; DA/T 70 可用性",
                    _("Evidence %(id)s (%(sha)s…) cannot be read as media.")
                    % {"id": evidence.pk, "sha": evidence.sha256[:12]},
                )
            )
        if not store.exists(evidence.sha256):
            found.append(
                Unmet(
                    "archive.evidence_missing",
                    "第十九条; DA/T 70 完整性",
                    _("The original of evidence %(id)s (%(sha)s…) is not in the store.")
                    % {"id": evidence.pk, "sha": evidence.sha256[:12]},
                )
            )
    return found


def missing_for_archive(matter: Matter) -> list[Unmet]:
    """Every reason the matter's case file cannot be archived now (empty: it can)."""
    unmet = _unmet_stage(matter)
    if unmet:
        return unmet
    return _unmet_records(matter) + _unmet_evidence(matter)


def _local_date(at: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(at).date() if at else None


def _evidence_entry(evidence: Evidence, inline_max: int) -> EvidenceEntry:
    first = (
        Acquisition.objects.filter(evidence=evidence)
        .select_related("officer")
        .order_by("acquired_at", "id")
        .first()
    )
    return EvidenceEntry(
        evidence_id=evidence.pk,
        kind=evidence.kind,
        filename=first.filename if first else "",
        sha256=evidence.sha256,
        sm3=evidence.sm3,
        size=evidence.size,
        content_type=evidence.content_type,
        recorded_from=first.recorded_from if first else None,
        recorded_to=first.recorded_to if first else None,
        acquired_at=first.acquired_at if first else evidence.stored_at,
        officer=first.officer.name if first and first.officer else "",
        device=first.device_serial if first else "",
        inline=evidence.size <= inline_max,
    )


def ledger_events(matter: Matter, records: list[Record], evidence: list[Evidence]) -> list[Event]:
    """The events that wrote the records (created/corrected/signed/served) and brought in the
    evidence (stored/acquired/bound), in log order."""
    pks = [e.pk for e in evidence]
    acquisitions = Acquisition.objects.filter(evidence_id__in=pks).values_list("pk", flat=True)
    bindings = Binding.objects.filter(evidence_id__in=pks).values_list("pk", flat=True)
    query = (
        Q(context=matter.context, action__in=RECORD_ACTIONS)
        | Q(
            object_type=Evidence._meta.label_lower,
            action="evidence.stored",
            object_id__in=[str(pk) for pk in pks],
        )
        | Q(
            object_type=Acquisition._meta.label_lower,
            action="evidence.acquired",
            object_id__in=[str(pk) for pk in acquisitions],
        )
        | Q(
            object_type=Binding._meta.label_lower,
            action="evidence.bound",
            object_id__in=[str(pk) for pk in bindings],
        )
    )
    return list(Event.objects.filter(query).order_by("seq"))


def covering_checkpoint(events: list[Event]) -> Checkpoint:
    """The latest signed checkpoint if it covers every event, else a new one (第二十六条)."""
    needed = max((e.seq for e in events), default=-1) + 1
    latest = checkpoints.latest()
    if latest is not None and latest.size >= needed:
        return latest
    return checkpoints.make_checkpoint()


def proofs_for(events: list[Event], checkpoint: Checkpoint) -> list[LedgerProof]:
    return [
        LedgerProof(
            event_seq=event.seq,
            action=event.action,
            leaf_hash=bytes(event.leaf_hash).hex(),
            tree_size=checkpoint.size,
            proof=[h.hex() for h in tree.inclusion_proof(event.seq, checkpoint.size)],
        )
        for event in events
    ]


def catalogue_entries(
    matter: Matter, records: list[Record], evidence_count: int, proof_count: int
) -> list[CatalogueEntry]:
    """The 卷内目录: every record, then the evidence list and the ledger-proof appendix."""
    agency = matter.agency.name
    entries = [
        CatalogueEntry(
            position=i,
            title=get_type(record.record_type).name,
            number=record.number,
            responsible=agency,
            date=_local_date(record.created_at),
            record_id=record.pk,
            note=_("corrected, version %(v)d") % {"v": record.current_version().version}
            if record.current_version().version > 1
            else "",
        )
        for i, record in enumerate(records, start=1)
    ]
    ended = _local_date(matter.ended_at)
    entries.append(
        CatalogueEntry(
            position=len(entries) + 1,
            title="音像证据清单",
            number="",
            responsible=agency,
            date=ended,
            note=_("%(n)d items") % {"n": evidence_count},
        )
    )
    entries.append(
        CatalogueEntry(
            position=len(entries) + 1,
            title="审计账本证明",
            number="",
            responsible=agency,
            date=ended,
            note=_("%(n)d events") % {"n": proof_count},
        )
    )
    return entries


def assemble(matter: Matter, *, archive_number: str = "") -> CaseFile:
    """The case file of ``matter`` as plain data (the renderer and the bag builder read it).

    Signs a new ledger checkpoint when the latest one does not cover the file's events."""
    matter = Matter.objects.select_related("agency").get(pk=matter.pk)
    records = legal_order(matter.records.all())
    evidence = bound_evidence(matter)
    inline_max = int(settings.LAWTRAIL_ARCHIVE_INLINE_MAX_BYTES)
    events = ledger_events(matter, records, evidence)
    checkpoint = covering_checkpoint(events)
    proofs = proofs_for(events, checkpoint)
    level = matter_level(matter)
    handlers = [
        h.officer.name
        for h in matter.handlers.select_related("officer").order_by("-is_lead", "added_at", "id")
    ]
    return CaseFile(
        matter_id=matter.pk,
        matter_number=matter.number,
        kind=matter.kind,
        title=matter.title,
        agency_name=matter.agency.name,
        agency_region=matter.agency.region_code,
        parties=[p.name for p in matter.parties.order_by("pk")],
        handlers=handlers,
        opened_at=matter.opened_at,
        ended_at=matter.ended_at,
        archive_number=archive_number,
        retention=numbering.retention_for(matter),
        records=[r.pk for r in records],
        catalogue=catalogue_entries(matter, records, len(evidence), len(proofs)),
        evidence=[_evidence_entry(e, inline_max) for e in evidence],
        proofs=proofs,
        checkpoint=checkpoints.served_note(checkpoint),
        verifier_key=checkpoints.verifier().key,
        extra={
            "kind_label": str(Kind(matter.kind).label),
            "level": level,
            "level_label": str(Level(level).label),
            "procedure": matter.procedure,
            "place": matter.place,
            "checkpoint_size": checkpoint.size,
        },
    )
