"""Compare both sides, and rebuild a lost local store from the replica (issue 9 §4).

``verify_replica`` reads back every recorded copy (or checks that it is there, when quick) and
lists what is missing, changed or extra on each replica and what is wrong with the local
originals. ``restore`` brings back every blob the database knows (originals and working
copies) that the local store lacks or holds damaged, from whichever replica has it intact, and
then re-hashes every digest in the local store.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lawtrail.evidence.models import Derivative, Evidence
from lawtrail.evidence.sanity import expected_objects
from lawtrail.ledger import events
from lawtrail.replication import replica as targets
from lawtrail.replication.models import ReplicaCopy
from lawtrail.replication.sync import (
    EVENT_PROBLEMS,
    Counting,
    Item,
    Progress,
    first_filenames,
    plan,
)
from lawtrail.storage import BlobStore, ContentMismatch, default_store


@dataclass
class RestoreReport:
    replicas: list[str]
    objects: int = 0
    present: int = 0
    restored: list[Item] = field(default_factory=list)
    bytes: int = 0
    not_restored: list[Item] = field(default_factory=list)
    #: What still fails its digests in the local store after the restore.
    unverified: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.not_restored and not self.unverified

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "replicas": self.replicas,
            "objects": self.objects,
            "present": self.present,
            "restored": len(self.restored),
            "bytes": self.bytes,
            "not_restored": [i.as_dict() for i in self.not_restored],
            "unverified": [i.as_dict() for i in self.unverified],
            "restored_objects": [i.as_dict() for i in self.restored],
        }

    def lines(self) -> list[str]:
        lines = [
            _(
                "restore: %(o)d objects known, %(p)d already intact, %(r)d restored "
                "(%(b)d bytes), %(n)d could not be restored, %(u)d fail their digests"
            )
            % {
                "o": self.objects,
                "p": self.present,
                "r": len(self.restored),
                "b": self.bytes,
                "n": len(self.not_restored),
                "u": len(self.unverified),
            }
        ]
        lines.extend(f"  - {i.sentence()}" for i in self.not_restored)
        lines.extend(f"  - {i.sentence()}" for i in self.unverified)
        return lines


def restore(progress: Progress | None = None) -> RestoreReport:
    """Rebuild the local store from the replicas, then re-verify every digest.
    Raises ``replica.NoReplica``."""
    urls = targets.require_replica()
    report = RestoreReport(replicas=[targets.label(u) for u in urls])
    local = default_store()
    stores = [(targets.label(u), targets.store_for(u)) for u in urls]
    errors = targets.replica_errors()
    for item in expected_objects():
        report.objects += 1
        owner = item.evidence[0] if item.evidence else None
        name = first_filenames([owner]).get(owner, "") if owner else ""
        if local.verify(item.sha256, expected_sm3=item.sm3).ok:
            report.present += 1
            continue
        tried: list[str] = []
        for lbl, store in stores:
            try:
                if not store.exists(item.sha256):
                    tried.append(_("%(r)s: not there") % {"r": lbl})
                    continue
                source = store.open(item.sha256)
                try:
                    local.put_stream(
                        Counting(source, progress),
                        expected_size=item.size,
                        expected_sha256=item.sha256,
                        expected_sm3=item.sm3,
                    )
                finally:
                    source.close()
            except ContentMismatch as error:
                tried.append(_("%(r)s: damaged (%(e)s)") % {"r": lbl, "e": error})
                continue
            except errors as error:
                tried.append(_("%(r)s: %(e)s") % {"r": lbl, "e": error})
                continue
            report.restored.append(Item("restored", item.sha256, owner, name, lbl))
            report.bytes += item.size
            break
        else:
            detail = "; ".join(tried) or _("no replica")
            report.not_restored.append(
                Item("not_restored", item.sha256, owner, name, "", detail, side="local")
            )
    for item in expected_objects():
        result = local.verify(item.sha256, expected_sm3=item.sm3)
        if not result.ok:
            owner = item.evidence[0] if item.evidence else None
            name = first_filenames([owner]).get(owner, "") if owner else ""
            report.unverified.append(
                Item(result.problem, item.sha256, owner, name, "", result.detail, side="local")
            )
    with transaction.atomic():
        events.append(
            events.SYSTEM,
            "replica.restored",
            ("replication.replica", "all"),
            {
                "ok": report.ok,
                "objects": report.objects,
                "present": report.present,
                "restored": len(report.restored),
                "bytes": report.bytes,
                "not_restored": [i.as_dict() for i in report.not_restored[:EVENT_PROBLEMS]],
                "unverified": [i.as_dict() for i in report.unverified[:EVENT_PROBLEMS]],
            },
        )
    return report


@dataclass
class VerifyReport:
    replicas: list[str]
    deep: bool
    checked: int = 0
    replica_objects: int = 0
    pending: list[Item] = field(default_factory=list)
    problems: list[Item] = field(default_factory=list)

    def count(self, *kinds: str) -> int:
        return sum(1 for p in self.problems if p.kind in kinds)

    @property
    def ok(self) -> bool:
        return not any(p.kind != "extra" for p in self.problems)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def counts(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "replica_objects": self.replica_objects,
            "missing": self.count("missing"),
            "changed": self.count("changed", "sm3", "key"),
            "extra": self.count("extra"),
            "unreachable": self.count("replica_unreachable"),
            "pending": len(self.pending),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "deep": self.deep,
            "replicas": self.replicas,
            **self.counts(),
            "problems": [p.as_dict() for p in self.problems],
            "pending_evidence": [p.as_dict() for p in self.pending],
        }

    def lines(self) -> list[str]:
        c = self.counts()
        lines = [
            _(
                "verify: %(checked)d copies checked, %(replica_objects)d objects on the "
                "replicas; %(missing)d missing, %(changed)d changed, %(extra)d extra, "
                "%(pending)d important evidence not copied yet"
            )
            % c
        ]
        lines.extend(f"  - {item.sentence()}" for item in self.problems)
        lines.extend(f"  - {item.sentence()}" for item in self.pending)
        return lines


def verify_replica(deep: bool = True, progress: Progress | None = None) -> VerifyReport:
    """Compare both sides by digest; with ``deep`` every copy is read back and re-hashed
    (else only its presence is checked). Raises ``replica.NoReplica``."""
    urls = targets.require_replica()
    report = VerifyReport(replicas=[targets.label(u) for u in urls], deep=deep)
    local = default_store()
    for url in urls:
        check_target(url, report, local, deep, progress)
    for batch in plan():
        names = first_filenames([p.evidence.pk for p in batch])
        for planned in batch:
            if not planned.copied:
                e = planned.evidence
                detail = _("important, not yet on its replica")
                name = names.get(e.pk, "")
                report.pending.append(Item("pending", e.sha256, e.pk, name, planned.label, detail))
    with transaction.atomic():
        events.append(
            events.SYSTEM,
            "replica.verified",
            ("replication.replica", "all"),
            {
                "ok": report.ok,
                "deep": deep,
                **report.counts(),
                "problems": [p.as_dict() for p in report.problems[:EVENT_PROBLEMS]],
                "problems_total": len(report.problems),
            },
        )
    return report


def check_target(
    url: str, report: VerifyReport, local: BlobStore, deep: bool, progress: Progress | None
) -> None:
    lbl = targets.label(url)
    store = targets.store_for(url)
    errors = targets.replica_errors()
    rows = (
        ReplicaCopy.objects.filter(replica=lbl)
        .order_by("sha256", "id")
        .values_list("sha256", "sm3", "size", "kind", "evidence_id")
        .iterator(chunk_size=1000)
    )
    try:
        for sha, group in itertools.groupby(rows, key=lambda r: r[0]):
            same = list(group)
            _sha, sm3, size, kind, evidence_id = same[0]
            report.checked += 1
            owner = next((r[4] for r in same if r[3] == ReplicaCopy.Kind.ORIGINAL), evidence_id)
            name = first_filenames([owner]).get(owner, "") if owner else ""
            if deep:
                result = store.verify(sha, expected_sm3=sm3)
                ok, problem, detail = result.ok, result.problem, result.detail
            else:
                ok = store.exists(sha)
                problem, detail = ("" if ok else "missing"), ""
            if progress is not None:
                progress(size)
            if not ok:
                detail = detail or (
                    _("not on the replica") if problem == "missing" else _("digests differ")
                )
                report.problems.append(Item(problem, sha, owner, name, lbl, f"{kind}: {detail}"))
            local_kinds = (ReplicaCopy.Kind.ORIGINAL, ReplicaCopy.Kind.DERIVATIVE)
            if any(r[3] in local_kinds for r in same):
                check_local(sha, sm3, owner, name, local, deep, report)
        for keys in batches(store.iter_keys()):
            report.replica_objects += len(keys)
            known = set(
                ReplicaCopy.objects.filter(replica=lbl, sha256__in=keys).values_list(
                    "sha256", flat=True
                )
            )
            known |= set(Evidence.objects.filter(sha256__in=keys).values_list("sha256", flat=True))
            known |= set(
                Derivative.objects.filter(sha256__in=keys).values_list("sha256", flat=True)
            )
            detail = _("on the replica, but nothing here knows it")
            report.problems.extend(
                Item("extra", key, None, "", lbl, detail) for key in keys if key not in known
            )
    except errors as error:
        report.problems.append(Item("replica_unreachable", "", None, "", lbl, str(error)))


def check_local(
    sha: str,
    sm3: str,
    evidence_id: int | None,
    name: str,
    local: BlobStore,
    deep: bool,
    report: VerifyReport,
) -> None:
    if deep:
        result = local.verify(sha, expected_sm3=sm3)
        ok, problem, detail = result.ok, result.problem, result.detail
    else:
        ok, problem, detail = local.exists(sha), "missing", ""
    if not ok:
        report.problems.append(
            Item(problem, sha, evidence_id, name, "", detail or _("local original"), side="local")
        )


def batches(keys: Iterator[str], size: int = 1000) -> Iterator[list[str]]:
    while batch := list(itertools.islice(keys, size)):
        yield batch
