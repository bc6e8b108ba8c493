"""Ingest: a file becomes evidence (第十九条), in small steps like a paperless consumer.

1. ``clean`` the declared facts (matter, officer, device, capture times, GIS, the 第十七条
   notice; for a collection station the officer it uploads for, its dock session and the
   device's clock, decision 0013) before a byte is stored, so bad input changes nothing;
2. stream the bytes into the store, computing SHA-256 and SM3 on the way; a digest the client
   declared is compared, never trusted (a mismatch stores and registers nothing);
3. probe the media (a broken file is kept and flagged, never dropped);
4. in one transaction: the Evidence row (once per content), the Acquisition with the device
   registry's findings about it (第二十三条: kept, never refused), the Binding to a matter if
   one was named, and their ledger events.

Slow I/O (steps 2 and 3) runs outside any database transaction; the row that makes the
evidence visible is committed only after the bytes are durable.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from io import BufferedReader
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from lawtrail.agencies.models import Certificate, Officer
from lawtrail.agencies.scope import officer_of
from lawtrail.devices.models import DockSession, Station
from lawtrail.devices.stations import station_of
from lawtrail.errors import Invalid, NotFound
from lawtrail.evidence.models import (
    Acquisition,
    AcquisitionFinding,
    Binding,
    Evidence,
    Upload,
)
from lawtrail.evidence.probe import probe
from lawtrail.evidence.provenance import (
    device_findings,
    parse_offset,
    station_dock,
    station_officer,
)
from lawtrail.ledger import events
from lawtrail.matters.models import Matter
from lawtrail.matters.permissions import require_can_work_on, require_officer, visible_matters
from lawtrail.storage import StoredBlob, default_store
from lawtrail.storage.errors import ContentMismatch

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass
class IngestInput:
    """What the client says about a file. Strings as they arrive; ``clean`` checks them."""

    source: str = Acquisition.Source.CLI
    filename: str = ""
    matter: str = ""  # the matter number
    officer: str = ""  # the officer's certificate number or username
    device: str = ""
    station: str = ""
    recorded_from: str = ""
    recorded_to: str = ""
    gis: list[dict[str, str]] = field(default_factory=list)
    notice_given: str = ""  # "true" / "false" / ""
    notice_method: str = ""
    interruption_reason: str = ""
    sha256: str = ""
    # Decision 0013: what a collection station adds.
    dock: str = ""  # the dock session id
    clock_offset: str = ""  # device clock minus station clock, seconds, decimal
    device_recorded_from: str = ""  # as the device's clock said
    device_recorded_to: str = ""


@dataclass
class Cleaned:
    source: str
    filename: str
    matter: Matter | None
    officer: Officer | None
    device: str
    station: str
    recorded_from: datetime | None
    recorded_to: datetime | None
    gis: list[dict[str, str]]
    notice_given: bool | None
    notice_method: str
    interruption_reason: str
    sha256: str
    collection_station: Station | None = None
    dock: DockSession | None = None
    clock_offset: Decimal | None = None
    device_recorded_from: datetime | None = None
    device_recorded_to: datetime | None = None


METADATA_FIELDS = {
    "filename",
    "matter",
    "officer",
    "device",
    "station",
    "recorded_from",
    "recorded_to",
    "gis",
    "notice_given",
    "notice_method",
    "interruption_reason",
    "sha256",
    "filetype",
    "dock",
    "clock_offset",
    "device_recorded_from",
    "device_recorded_to",
}


def from_metadata(metadata: dict[str, str], source: str) -> IngestInput:
    """tus Upload-Metadata → IngestInput. ``gis`` is ``lat,lon[,datum];…``."""
    unknown = set(metadata) - METADATA_FIELDS
    if unknown:
        raise Invalid(
            _("Unknown Upload-Metadata keys: %(keys)s.") % {"keys": ", ".join(sorted(unknown))},
            {"Upload-Metadata": []},
        )
    points = []
    for item in filter(None, metadata.get("gis", "").split(";")):
        parts = [p.strip() for p in item.split(",")]
        if len(parts) not in (2, 3):
            raise Invalid(_("A GIS point is 'latitude,longitude[,datum]'."), {"gis": []})
        points.append(
            {
                "latitude": parts[0],
                "longitude": parts[1],
                "datum": parts[2] if len(parts) == 3 else "WGS-84",
            }
        )
    return IngestInput(
        source=source,
        filename=metadata.get("filename", ""),
        matter=metadata.get("matter", ""),
        officer=metadata.get("officer", ""),
        device=metadata.get("device", ""),
        station=metadata.get("station", ""),
        recorded_from=metadata.get("recorded_from", ""),
        recorded_to=metadata.get("recorded_to", ""),
        gis=points,
        notice_given=metadata.get("notice_given", ""),
        notice_method=metadata.get("notice_method", ""),
        interruption_reason=metadata.get("interruption_reason", ""),
        sha256=metadata.get("sha256", ""),
        dock=metadata.get("dock", ""),
        clock_offset=metadata.get("clock_offset", ""),
        device_recorded_from=metadata.get("device_recorded_from", ""),
        device_recorded_to=metadata.get("device_recorded_to", ""),
    )


def safe_filename(name: str) -> str:
    """Keep the name for people to read, never as a path: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:255]


def parse_time(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but impossible, like February 30th
        parsed = None
    if parsed is None:
        raise Invalid(
            _("%(name)s is not an ISO 8601 time: %(value)s") % {"name": name, "value": value[:40]},
            {name: []},
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def find_officer(value: str) -> Officer | None:
    if not value:
        return None
    officer = Officer.objects.filter(user__username=value).first()
    if officer is None:
        certificate = Certificate.objects.filter(number=value).select_related("officer").first()
        officer = certificate.officer if certificate else None
    if officer is None:
        raise Invalid(
            _("No officer has the certificate number or username %(v)s.") % {"v": value[:40]},
            {"officer": []},
        )
    return officer


def clean(user: Any, data: IngestInput) -> Cleaned:
    """Check everything the client declared before a byte is stored."""
    from lawtrail.matters.actions import GisInput, clean_gis

    # Evidence is brought in by people with an officer profile, or by a collection station
    # acting for an officer of its agency (decision 0013); a login with neither has no inbox.
    station = station_of(user)
    matter = None
    if station is None:
        require_officer(user)
        if data.source == Acquisition.Source.STATION:
            raise Invalid(
                _("Only a collection station's login brings recordings in as a station."),
                {"source": []},
            )
    elif data.matter:
        raise Invalid(
            _(
                "A station does not bind recordings to matters; the officer binds them from "
                "the inbox."
            ),
            {"matter": []},
        )
    if data.matter:
        matter = visible_matters(user).filter(number=data.matter).first()
        if matter is None:
            raise NotFound(_("No visible matter has the number %(n)s.") % {"n": data.matter[:64]})
        require_can_work_on(user, matter)
    dock = station_dock(station, data.dock)
    offset = parse_offset(data.clock_offset)
    if offset is None and dock is not None:
        offset = dock.clock_offset_seconds
    device_from = parse_time(data.device_recorded_from, "device_recorded_from")
    device_to = parse_time(data.device_recorded_to, "device_recorded_to")
    if device_from and device_to and device_to < device_from:
        raise Invalid(
            _("The recording cannot end before it starts (device clock)."),
            {"device_recorded_to": []},
        )
    # The device's own clock may say anything; the corrected times must make sense.
    recorded_from = parse_time(data.recorded_from, "recorded_from")
    recorded_to = parse_time(data.recorded_to, "recorded_to")
    if recorded_from and recorded_to and recorded_to < recorded_from:
        raise Invalid(_("The recording cannot end before it starts."), {"recorded_to": []})
    if recorded_to and recorded_to > timezone.now() + timedelta(minutes=10):
        raise Invalid(_("The recording cannot end in the future."), {"recorded_to": []})
    if recorded_from and recorded_from > timezone.now() + timedelta(minutes=10):
        raise Invalid(_("The recording cannot start in the future."), {"recorded_from": []})
    if data.notice_given not in ("", "true", "false"):
        raise Invalid(_("notice_given is 'true' or 'false'."), {"notice_given": []})
    if data.sha256 and not SHA256.match(data.sha256):
        raise Invalid(_("sha256 must be 64 hexadecimal digits."), {"sha256": []})
    gis = []
    for index, point in enumerate(data.gis):
        cleaned = clean_gis(
            GisInput(
                point.get("latitude"),
                point.get("longitude"),
                point.get("datum", "WGS-84"),
                point.get("label", ""),
            ),
            f"gis[{index}].",
        )
        gis.append(
            {
                "wgs84": f"{cleaned['latitude']},{cleaned['longitude']}",
                "given": f"{cleaned['given_datum']} {cleaned['given_latitude']},"
                f"{cleaned['given_longitude']}",
            }
        )
    if data.source not in Acquisition.Source.values:
        raise Invalid(_("Unknown source %(s)s.") % {"s": data.source}, {"source": []})
    device = data.device.strip()[:64]
    if dock is not None and device and device != dock.serial:
        raise Invalid(
            _("Dock session %(dock)d is of device %(serial)s, not %(device)s.")
            % {"dock": dock.pk, "serial": dock.serial, "device": device},
            {"device": []},
        )
    if dock is not None and not device:
        device = dock.serial
    officer = find_officer(data.officer)
    if station is not None:
        at = recorded_from or recorded_to
        officer = station_officer(station, officer, dock, device, at)
    return Cleaned(
        source=Acquisition.Source.STATION if station else data.source,
        filename=safe_filename(data.filename),
        matter=matter,
        officer=officer,
        device=device,
        station=station.name[:64] if station else data.station.strip()[:64],
        recorded_from=recorded_from,
        recorded_to=recorded_to,
        gis=gis,
        notice_given={"true": True, "false": False}.get(data.notice_given),
        notice_method=data.notice_method.strip()[:200],
        interruption_reason=data.interruption_reason.strip(),
        sha256=data.sha256.lower(),
        collection_station=station,
        dock=dock,
        clock_offset=offset,
        device_recorded_from=device_from,
        device_recorded_to=device_to,
    )


class Progress:
    """A file that reports how many bytes were read (for progress bars)."""

    def __init__(self, f: BufferedReader, report: Callable[[int], object]) -> None:
        self.f = f
        self.report = report

    def readinto(self, buffer: Any) -> int:
        n = self.f.readinto(buffer) or 0
        self.report(n)
        return n


def ingest_file(
    user: Any,
    path: Path,
    data: IngestInput,
    *,
    upload: Upload | None = None,
    expected_size: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> Acquisition:
    """Store ``path`` as evidence and record its acquisition. Returns once both are durable.

    ``expected_size`` (an upload's declared length) is compared with what is read; by default
    the size of the file when it is opened. ``progress`` is called with each count of bytes.
    """
    cleaned = clean(user, data)
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size if expected_size is None else expected_size
            source: Any = f if progress is None else Progress(f, progress)
            blob = default_store().put_stream(
                source, expected_size=size, expected_sha256=cleaned.sha256 or None
            )
    except ContentMismatch as error:
        raise Invalid(
            _("The file does not match what was declared (%(field)s); nothing was stored.")
            % {"field": error.field},
            {error.field: [str(error)]},
        ) from None
    facts = probe(path)
    return register(user, blob, facts, cleaned, upload=upload)


@transaction.atomic
def register(
    user: Any, blob: StoredBlob, facts: Any, cleaned: Cleaned, *, upload: Upload | None
) -> Acquisition:
    now = timezone.now()
    actor = events.Actor.of(user)
    evidence, created = Evidence.objects.get_or_create(
        sha256=blob.sha256,
        defaults={
            "sm3": blob.sm3,
            "size": blob.size,
            "kind": facts.kind,
            "content_type": facts.content_type,
            "media": facts.media,
            "readable": facts.readable,
            "store": default_store().kind,
            "store_version": blob.version or "",
            "stored_at": now,
        },
    )
    context = cleaned.matter.context if cleaned.matter else ""
    if created:
        events.append(
            actor,
            "evidence.stored",
            evidence,
            {
                "sha256": evidence.sha256,
                "sm3": evidence.sm3,
                "size": evidence.size,
                "kind": evidence.kind,
                "readable": evidence.readable,
                "media": facts.media,
            },
            context=context,
        )
    acquisition = Acquisition.objects.create(
        evidence=evidence,
        source=cleaned.source,
        upload=upload,
        acquired_by=user,
        acquired_at=now,
        filename=cleaned.filename,
        officer=cleaned.officer,
        device_serial=cleaned.device,
        station=cleaned.station,
        recorded_from=cleaned.recorded_from,
        recorded_to=cleaned.recorded_to,
        gis=cleaned.gis,
        notice_given=cleaned.notice_given,
        notice_method=cleaned.notice_method,
        interruption_reason=cleaned.interruption_reason,
        declared_sha256=cleaned.sha256,
        collection_station=cleaned.collection_station,
        dock=cleaned.dock,
        clock_offset_seconds=cleaned.clock_offset,
        device_recorded_from=cleaned.device_recorded_from,
        device_recorded_to=cleaned.device_recorded_to,
    )
    findings = device_findings(
        cleaned.device,
        cleaned.officer if cleaned.officer or cleaned.collection_station else officer_of(user),
        cleaned.recorded_from or cleaned.recorded_to or now,
    )
    AcquisitionFinding.objects.bulk_create(
        AcquisitionFinding(
            acquisition=acquisition,
            code=finding.code,
            article=finding.article,
            detail=finding.detail,
            found_at=now,
        )
        for finding in findings
    )
    events.append(
        actor,
        "evidence.acquired",
        acquisition,
        {
            "evidence": evidence.pk,
            "sha256": evidence.sha256,
            "source": cleaned.source,
            "filename": cleaned.filename,
            "officer": cleaned.officer.user.get_username() if cleaned.officer else None,
            "device": cleaned.device,
            "station": cleaned.station,
            "recorded_from": cleaned.recorded_from.isoformat() if cleaned.recorded_from else None,
            "recorded_to": cleaned.recorded_to.isoformat() if cleaned.recorded_to else None,
            "gis": cleaned.gis,
            "notice_given": cleaned.notice_given,
            "upload": str(upload.pk) if upload else None,
            "collection_station": (
                cleaned.collection_station.pk if cleaned.collection_station else None
            ),
            "dock": cleaned.dock.pk if cleaned.dock else None,
            "clock_offset_seconds": (
                str(cleaned.clock_offset) if cleaned.clock_offset is not None else None
            ),
            "device_recorded_from": (
                cleaned.device_recorded_from.isoformat() if cleaned.device_recorded_from else None
            ),
            "device_recorded_to": (
                cleaned.device_recorded_to.isoformat() if cleaned.device_recorded_to else None
            ),
            "findings": [finding.code for finding in findings],
        },
        context=context,
    )
    if upload is not None:
        # In the same transaction as the rows, so a crash cannot leave one without the other.
        Upload.objects.filter(pk=upload.pk).update(state=Upload.State.INGESTED)
    current = current_binding(evidence) if not created else None
    if cleaned.matter is not None and current is None:
        bind(user, evidence, cleaned.matter, reason="")
    elif cleaned.matter is not None and current is not None:
        if current.matter_id != cleaned.matter.pk:
            # Identical bytes already bound elsewhere: a new arrival never moves them out of
            # that matter (its people would lose them); rebinding is an action with a reason.
            events.append(
                actor,
                "evidence.binding_refused",
                evidence,
                {"evidence": evidence.pk, "matter": cleaned.matter.number, "reason": "bound"},
                context=context,
            )
    elif created:
        schedule_working_copies(evidence, None)
    return acquisition


def schedule_working_copies(evidence: Evidence, binding: Binding | None) -> None:
    """After the commit, queue the watermarked working copy for this binding (第十九条)."""
    from lawtrail.evidence.tasks import make_working_copies

    binding_id = binding.pk if binding else None
    transaction.on_commit(lambda: make_working_copies.enqueue(evidence.pk, binding_id))


def current_binding(evidence: Evidence) -> Binding | None:
    """The latest binding counts; earlier ones are history."""
    return (
        Binding.objects.filter(evidence=evidence)
        .select_related("matter")
        .order_by("-bound_at", "-id")
        .first()
    )


def bind(user: Any, evidence: Evidence, matter: Matter, *, reason: str) -> Binding:
    """Bind evidence to a matter; call inside a transaction. Earlier bindings are kept.
    第十五条: audio/video is refused on a state-secret matter; 第十八条: an archived case file is
    closed, so evidence is neither bound to it nor moved out of it."""
    from lawtrail.access.actions import check_av_allowed
    from lawtrail.archive.actions import refuse_if_archived

    require_can_work_on(user, matter)
    check_av_allowed(matter, evidence)
    refuse_if_archived(matter)
    current = current_binding(evidence)
    if current is not None:
        refuse_if_archived(current.matter)
    binding = Binding.objects.create(
        evidence=evidence,
        matter=matter,
        bound_by=user,
        bound_at=timezone.now(),
        reason=reason.strip(),
    )
    events.append(
        events.Actor.of(user),
        "evidence.bound",
        binding,
        {
            "evidence": evidence.pk,
            "sha256": evidence.sha256,
            "matter": matter.number,
            "reason": binding.reason,
        },
        context=matter.context,
    )
    schedule_working_copies(evidence, binding)
    return binding
