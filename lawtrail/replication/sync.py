"""Copy important evidence to the provincial replica and check what is there (issue 9 §2, §4).

``sync`` copies, for each important evidence not yet verified on its replica: it re-hashes the
local original first (a source that fails its own digest is never copied: it is reported), then
streams it to the replica with the ingest digests declared, then reads the copy back and
re-hashes it. Only a copy that read back right is recorded (``ReplicaCopy``) and logged as the
ledger event ``replica.copied``. The evidence's metadata (its row, acquisitions and bindings as
canonical JSON) and the latest signed checkpoint follow it as blobs of their own.

A replica that stays down after the retries leaves its evidence pending (nothing is recorded
as copied) and is recorded once per run as a ``ReplicaProblem``.

``verify_replica`` compares both sides by digest: missing, changed and extra objects on the
replica, and the local side's own problems, each named.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.evidence.models import Acquisition, Evidence
from lawtrail.evidence.queries import latest_binding
from lawtrail.ledger import events
from lawtrail.replication import replica as targets
from lawtrail.replication.importance import important_evidence
from lawtrail.replication.models import ReplicaCopy, ReplicaProblem
from lawtrail.storage import BlobStore, ContentMismatch, default_store

BATCH = 200
EVENT_PROBLEMS = 200
Progress = Callable[[int], object]


@dataclass(frozen=True)
class Item:
    """One object a report names: a copy made, a pending evidence or a problem."""

    kind: str
    sha256: str
    evidence: int | None = None
    filename: str = ""
    replica: str = ""
    detail: str = ""
    #: "replica" or "local": where the problem is.
    side: str = "replica"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "side": self.side,
            "sha256": self.sha256,
            "evidence": self.evidence,
            "filename": self.filename,
            "replica": self.replica,
            "detail": self.detail,
        }

    def sentence(self) -> str:
        named = ""
        if self.evidence is not None:
            named = _(" (evidence %(id)d%(f)s)") % {
                "id": self.evidence,
                "f": f", {self.filename}" if self.filename else "",
            }
        where = _("local store") if self.side == "local" else self.replica
        return f"[{self.kind}] {self.sha256}{named} {where}: {self.detail}".rstrip(": ")


@dataclass
class SyncReport:
    replicas: list[str]
    copied: list[Item] = field(default_factory=list)
    metadata: int = 0
    derivatives: int = 0
    checkpoints: int = 0
    bytes: int = 0
    pending: list[Item] = field(default_factory=list)
    problems: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.pending

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "replicas": self.replicas,
            "copied": len(self.copied),
            "metadata": self.metadata,
            "derivatives": self.derivatives,
            "checkpoints": self.checkpoints,
            "bytes": self.bytes,
            "pending": [p.as_dict() for p in self.pending],
            "problems": [p.as_dict() for p in self.problems],
            "copies": [c.as_dict() for c in self.copied],
        }

    def lines(self) -> list[str]:
        lines = [
            _(
                "sync: %(n)d originals and %(d)d working copies copied and read back "
                "(%(b)d bytes), %(m)d metadata, %(c)d checkpoints; %(p)d pending"
            )
            % {
                "n": len(self.copied),
                "b": self.bytes,
                "m": self.metadata,
                "d": self.derivatives,
                "c": self.checkpoints,
                "p": len(self.pending),
            }
        ]
        lines.extend(f"  - {item.sentence()}" for item in self.problems)
        lines.extend(f"  - {item.sentence()}" for item in self.pending)
        return lines


class ReplicaDown(Exception):
    """The replica kept failing after every retry."""


class ReadBackFailed(Exception):
    """The copy was written but reads back with other digests."""


class Counting:
    """A readable that reports how many bytes went through it."""

    def __init__(self, source: Any, progress: Progress | None) -> None:
        self.source = source
        self.progress = progress

    def read(self, size: int = -1, /) -> bytes:
        data: bytes = self.source.read(size)
        if self.progress is not None and data:
            self.progress(len(data))
        return data


def copy_blob(
    replica: BlobStore,
    open_source: Callable[[], Any],
    *,
    size: int | None,
    sha256: str,
    sm3: str | None,
    retries: int,
    backoff: float,
    progress: Progress | None = None,
) -> str:
    """Stream a blob to the replica and read it back; return its SM3. ``ContentMismatch``
    (the source is not what its digests say) is raised at once; a replica that fails after
    every retry raises ``ReplicaDown`` or ``ReadBackFailed``."""
    errors = targets.replica_errors()
    last: BaseException | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            source = open_source()
            try:
                stored = replica.put_stream(
                    Counting(source, progress),
                    expected_size=size,
                    expected_sha256=sha256,
                    expected_sm3=sm3,
                )
            finally:
                source.close()
            result = replica.verify(sha256, expected_sm3=sm3 or stored.sm3)
        except ContentMismatch:
            raise
        except errors as error:
            last = error
            continue
        if result.ok:
            return sm3 or stored.sm3
        last = ReadBackFailed(f"{result.problem} {result.detail}".strip())
    if isinstance(last, ReadBackFailed):
        raise last
    raise ReplicaDown(str(last) or type(last).__name__)


def metadata_bytes(evidence: Evidence) -> bytes:
    """Canonical JSON of the evidence row, its acquisitions and bindings, and its digests."""

    def row(obj: models.Model) -> dict[str, Any]:
        return {f.attname: plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}

    document = {
        "format": "lawtrail.replica.metadata/1",
        "evidence": row(evidence),
        "digests": {"sha256": evidence.sha256, "sm3": evidence.sm3, "size": evidence.size},
        "acquisitions": [row(a) for a in evidence.acquisitions.all()],
        "bindings": [row(b) for b in evidence.bindings.all()],
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode()


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def first_filenames(ids: list[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    rows = Acquisition.objects.filter(evidence_id__in=ids).order_by("acquired_at", "id")
    for evidence_id, filename in rows.values_list("evidence_id", "filename"):
        names.setdefault(evidence_id, filename)
    return names


@dataclass
class Planned:
    evidence: Evidence
    url: str
    label: str
    matter_id: int | None
    copied: bool
    metadata: set[str]
    derivatives: set[str]

    @property
    def context(self) -> str:
        return f"matter/{self.matter_id}" if self.matter_id else ""


def plan() -> Iterator[list[Planned]]:
    """Important evidence in batches, each with its replica and what is already there."""
    from lawtrail.agencies.models import Agency

    queryset = important_evidence().annotate(
        plan_matter=models.Subquery(latest_binding().values("matter_id")[:1]),
        plan_agency=models.Subquery(latest_binding().values("matter__agency_id")[:1]),
    )
    urls: dict[int | None, str] = {}
    ids = queryset.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH)
    while batch_ids := list(itertools.islice(ids, BATCH)):
        rows = list(
            queryset.filter(pk__in=batch_ids)
            .order_by("pk")
            .prefetch_related("acquisitions", "bindings", "derivatives")
        )
        copies = ReplicaCopy.objects.filter(evidence_id__in=batch_ids)
        originals = set(
            copies.filter(kind=ReplicaCopy.Kind.ORIGINAL).values_list("evidence_id", "replica")
        )
        done: dict[tuple[str, int, str], set[str]] = {}
        for kind, evidence_id, lbl, sha in copies.exclude(
            kind=ReplicaCopy.Kind.ORIGINAL
        ).values_list("kind", "evidence_id", "replica", "sha256"):
            done.setdefault((kind, evidence_id, lbl), set()).add(sha)
        batch = []
        for evidence in rows:
            agency_id = getattr(evidence, "plan_agency", None)
            if agency_id not in urls:
                agency = Agency.objects.filter(pk=agency_id).first() if agency_id else None
                urls[agency_id] = targets.replica_url(agency)
            url = urls[agency_id]
            lbl = targets.label(url) if url else ""
            batch.append(
                Planned(
                    evidence,
                    url,
                    lbl,
                    getattr(evidence, "plan_matter", None),
                    (evidence.pk, lbl) in originals,
                    done.get((ReplicaCopy.Kind.METADATA, evidence.pk, lbl), set()),
                    done.get((ReplicaCopy.Kind.DERIVATIVE, evidence.pk, lbl), set()),
                )
            )
        yield batch


def record_copy(
    kind: str,
    *,
    evidence: Evidence | None,
    sha256: str,
    sm3: str,
    size: int,
    lbl: str,
    context: str = "",
    obj: models.Model | None = None,
    checkpoint_size: int | None = None,
) -> ReplicaCopy:
    with transaction.atomic():
        copy = ReplicaCopy.objects.create(
            evidence=evidence,
            kind=kind,
            sha256=sha256,
            sm3=sm3,
            size=size,
            replica=lbl,
            method="read_back",
            verified_at=timezone.now(),
            checkpoint_size=checkpoint_size,
        )
        payload: dict[str, Any] = {
            "kind": kind,
            "sha256": sha256,
            "sm3": sm3,
            "size": size,
            "replica": lbl,
            "method": "read_back",
        }
        if evidence is not None:
            payload["evidence"] = evidence.pk
        if checkpoint_size is not None:
            payload["checkpoint_size"] = checkpoint_size
        target = obj or evidence or ("replication.replicacopy", str(copy.pk))
        events.append(events.SYSTEM, "replica.copied", target, payload, context=context)
    return copy


def record_problem(
    kind: str,
    *,
    lbl: str,
    detail: str,
    evidence: Evidence | None = None,
    sha256: str = "",
    context: str = "",
) -> None:
    with transaction.atomic():
        ReplicaProblem.objects.create(
            evidence=evidence,
            kind=kind,
            sha256=sha256,
            replica=lbl,
            detail=detail[:2000],
            at=timezone.now(),
        )
        payload: dict[str, Any] = {"sha256": sha256, "replica": lbl, "detail": detail[:500]}
        if evidence is not None:
            payload["evidence"] = evidence.pk
        obj: Any = evidence or ("replication.replica", lbl[:64])
        events.append(events.SYSTEM, f"replica.{kind}", obj, payload, context=context)


def sync(
    *,
    limit: int | None = None,
    progress: Progress | None = None,
    retries: int = 3,
    backoff: float = 1.0,
) -> SyncReport:
    """Copy what is important and not yet verified on its replica (see the module docstring).
    ``limit`` caps the originals attempted in this run. Raises ``replica.NoReplica``."""
    urls = targets.require_replica()
    report = SyncReport(replicas=[targets.label(u) for u in urls])
    local = default_store()
    down: dict[str, str] = {}
    used: set[str] = set()
    attempted = 0
    for batch in plan():
        names = first_filenames([p.evidence.pk for p in batch])
        for planned in batch:
            evidence, lbl = planned.evidence, planned.label
            name = names.get(evidence.pk, "")
            if not planned.url:
                report.pending.append(
                    Item("pending", evidence.sha256, evidence.pk, name, "", _("no replica"))
                )
                continue
            if lbl in down:
                report.pending.append(
                    Item("pending", evidence.sha256, evidence.pk, name, lbl, down[lbl])
                )
                continue
            used.add(planned.url)
            store = targets.store_for(planned.url)
            if not planned.copied:
                if limit is not None and attempted >= limit:
                    continue
                attempted += 1
                outcome = copy_original(
                    planned, store, local, report, name, progress, retries, backoff
                )
                if outcome == "down":
                    down[lbl] = report.pending[-1].detail
                    continue
                if outcome != "copied":
                    continue
            outcome = copy_followers(
                planned, store, local, report, name, progress, retries, backoff
            )
            if outcome == "down":
                down[lbl] = report.pending[-1].detail
    for url in urls if not used else sorted(used):
        if targets.label(url) not in down:
            copy_checkpoint(url, local, report, retries, backoff)
    return report


@dataclass(frozen=True)
class Blob:
    """What to copy: a local blob (``data`` None) or bytes made here (metadata, a note)."""

    kind: str
    sha256: str
    sm3: str | None
    size: int
    data: bytes | None = None
    checkpoint: Any = None


def copy_original(
    planned: Planned,
    store: BlobStore,
    local: BlobStore,
    report: SyncReport,
    name: str,
    progress: Progress | None,
    retries: int,
    backoff: float,
) -> str:
    e = planned.evidence
    blob = Blob(ReplicaCopy.Kind.ORIGINAL, e.sha256, e.sm3, e.size)
    outcome = copy_one(blob, planned, store, local, report, name, progress, retries, backoff)
    if outcome == "copied":
        report.copied.append(Item("original", e.sha256, e.pk, name, planned.label))
        report.bytes += e.size
    return outcome


def copy_one(
    blob: Blob,
    planned: Planned | None,
    store: BlobStore,
    local: BlobStore,
    report: SyncReport,
    name: str,
    progress: Progress | None,
    retries: int,
    backoff: float,
    lbl: str = "",
) -> str:
    """Copy one blob, read it back and record it; "copied", or what went wrong (recorded and
    reported): "source_corrupt", "read_back_failed" or "down"."""
    evidence = planned.evidence if planned is not None else None
    lbl = planned.label if planned is not None else lbl
    context = planned.context if planned is not None else ""
    pk = evidence.pk if evidence is not None else None
    data = blob.data

    def problem(kind: str, detail: str, side: str = "replica") -> str:
        record_problem(
            kind, lbl=lbl, detail=detail, evidence=evidence, sha256=blob.sha256, context=context
        )
        report.problems.append(Item(kind, blob.sha256, pk, name, lbl, detail, side=side))
        return kind

    if data is None:
        check = local.verify(blob.sha256, expected_sm3=blob.sm3)
        if not check.ok:
            detail = _("the local %(k)s is %(p)s; it was not copied") % {
                "k": blob.kind,
                "p": check.problem,
            }
            return problem(ReplicaProblem.Kind.SOURCE_CORRUPT, detail, side="local")
    try:
        sm3 = copy_blob(
            store,
            (lambda: io.BytesIO(data)) if data is not None else lambda: local.open(blob.sha256),
            size=blob.size,
            sha256=blob.sha256,
            sm3=blob.sm3,
            retries=retries,
            backoff=backoff,
            progress=progress,
        )
    except ContentMismatch as error:
        detail = _("the local %(k)s changed while it was read: %(e)s") % {
            "k": blob.kind,
            "e": error,
        }
        return problem(ReplicaProblem.Kind.SOURCE_CORRUPT, detail, side="local")
    except ReadBackFailed as error:
        detail = _("the copy reads back wrong: %(e)s") % {"e": error}
        return problem(ReplicaProblem.Kind.READ_BACK_FAILED, detail)
    except ReplicaDown as error:
        unreachable(lbl, str(error), retries, report)
        detail = _("the replica is down")
        pending = "pending" if blob.kind == ReplicaCopy.Kind.ORIGINAL else f"pending_{blob.kind}"
        report.pending.append(Item(pending, blob.sha256, pk, name, lbl, detail))
        return "down"
    record_copy(
        blob.kind,
        evidence=evidence,
        sha256=blob.sha256,
        sm3=sm3,
        size=blob.size,
        lbl=lbl,
        context=context,
        obj=blob.checkpoint,
        checkpoint_size=blob.checkpoint.size if blob.checkpoint is not None else None,
    )
    return "copied"


def unreachable(lbl: str, error: str, retries: int, report: SyncReport) -> None:
    detail = _("unreachable after %(n)d attempts: %(e)s") % {"n": retries + 1, "e": error}
    record_problem(ReplicaProblem.Kind.REPLICA_UNREACHABLE, lbl=lbl, detail=detail)
    report.problems.append(Item("replica_unreachable", "", None, "", lbl, detail))


def copy_followers(
    planned: Planned,
    store: BlobStore,
    local: BlobStore,
    report: SyncReport,
    name: str,
    progress: Progress | None,
    retries: int,
    backoff: float,
) -> str:
    """The evidence's metadata and its working copies, after its original. "down" when the
    replica went down meanwhile."""
    data = metadata_bytes(planned.evidence)
    sha = hashlib.sha256(data).hexdigest()
    blobs = []
    if sha not in planned.metadata:
        blobs.append(Blob(ReplicaCopy.Kind.METADATA, sha, None, len(data), data))
    seen = set(planned.derivatives)
    for derivative in planned.evidence.derivatives.all():
        if derivative.sha256 not in seen:
            seen.add(derivative.sha256)
            blobs.append(
                Blob(
                    ReplicaCopy.Kind.DERIVATIVE, derivative.sha256, derivative.sm3, derivative.size
                )
            )
    for blob in blobs:
        outcome = copy_one(blob, planned, store, local, report, name, progress, retries, backoff)
        if outcome == "down":
            return outcome
        if outcome == "copied" and blob.kind == ReplicaCopy.Kind.METADATA:
            report.metadata += 1
        elif outcome == "copied":
            report.derivatives += 1
            report.bytes += blob.size
    return "ok"


def copy_checkpoint(
    url: str, local: BlobStore, report: SyncReport, retries: int, backoff: float
) -> str:
    from lawtrail.ledger.checkpoints import latest, served_note

    checkpoint = latest()
    if checkpoint is None:
        return "none"
    lbl = targets.label(url)
    data = served_note(checkpoint).encode()
    sha = hashlib.sha256(data).hexdigest()
    done = ReplicaCopy.objects.filter(kind=ReplicaCopy.Kind.CHECKPOINT, replica=lbl, sha256=sha)
    if done.exists():
        return "done"
    blob = Blob(ReplicaCopy.Kind.CHECKPOINT, sha, None, len(data), data, checkpoint)
    store = targets.store_for(url)
    outcome = copy_one(blob, None, store, local, report, "", None, retries, backoff, lbl=lbl)
    if outcome == "copied":
        report.checkpoints += 1
    return outcome


def verify_replica(deep: bool = True, progress: Progress | None = None) -> Any:
    """Compare both sides by digest (``restore.verify_replica``; a ``VerifyReport``)."""
    from lawtrail.replication.restore import verify_replica as compare

    return compare(deep=deep, progress=progress)
