"""The evidence half of ``lawtrail verify`` (paperless's sanity checker, but streaming).

Every original, and every working copy, is read back from the store and re-hashed (SHA-256 and
SM3 in one stream, ``BlobStore.verify``) against its row; missing and changed objects are named
with their evidence IDs, and store objects no row points to are listed as orphans. Memory does
not grow with the store: rows are read in batches, keys are checked against the database in
batches. The outcome is a ledger event, ``verify.completed`` (invariant 6).

Encrypted objects (issue 6 §4) are re-hashed through decryption: the digests are those of the
plaintext. Ciphertext that fails authentication (altered, truncated, reordered) is "changed";
an object under a master key that is not configured is "key" (counted as unreadable).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from lawtrail.evidence.models import Evidence
from lawtrail.ledger import events
from lawtrail.storage import BlobStore, default_store

BATCH = 1000
#: Problems named in the ledger event; the counts always cover all of them.
EVENT_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    #: missing, changed, sm3 (the SHA-256 matches, the SM3 does not), key (encrypted under a
    #: master key that is not configured), orphan, stalled_upload
    kind: str
    sha256: str
    evidence: list[int] = field(default_factory=list)
    derivatives: list[int] = field(default_factory=list)
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sha256": self.sha256,
            "evidence": self.evidence,
            "derivatives": self.derivatives,
            "detail": self.detail,
        }

    def sentence(self) -> str:
        owners = []
        if self.evidence:
            owners.append(_("evidence %(ids)s") % {"ids": ", ".join(map(str, self.evidence))})
        if self.derivatives:
            owners.append(
                _("working copy %(ids)s") % {"ids": ", ".join(map(str, self.derivatives))}
            )
        named = f" ({'; '.join(owners)})" if owners else ""
        return f"[{self.kind}] {self.sha256}{named}: {self.detail}"


@dataclass
class Report:
    store: dict[str, object]
    originals: int = 0
    derivatives: int = 0
    bytes: int = 0
    objects: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str) -> int:
        return sum(1 for p in self.problems if p.kind == kind)

    def counts(self) -> dict[str, int]:
        return {
            "originals": self.originals,
            "derivatives": self.derivatives,
            "bytes": self.bytes,
            "store_objects": self.objects,
            "missing": self.count("missing"),
            "changed": self.count("changed") + self.count("sm3"),
            "unreadable": self.count("key"),
            "orphans": self.count("orphan"),
            "stalled_uploads": self.count("stalled_upload"),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "store": self.store,
            **self.counts(),
            "problems": [p.as_dict() for p in self.problems],
        }

    def lines(self) -> list[str]:
        c = self.counts()
        lines = [
            _(
                "store: %(originals)d originals and %(derivatives)d working copies re-hashed "
                "(%(bytes)d bytes), %(objects)d objects in the store"
            )
            % {
                "originals": c["originals"],
                "derivatives": c["derivatives"],
                "bytes": c["bytes"],
                "objects": c["store_objects"],
            }
        ]
        if self.ok:
            lines.append(_("store: OK — every object matches its digests, no orphans"))
            return lines
        lines.append(
            _(
                "store: %(missing)d missing, %(changed)d changed, %(orphans)d orphaned, "
                "%(stalled)d uploads not ingested"
            )
            % {
                "missing": c["missing"],
                "changed": c["changed"],
                "orphans": c["orphans"],
                "stalled": c["stalled_uploads"],
            }
        )
        lines.extend(f"  - {p.sentence()}" for p in self.problems)
        return lines


@dataclass
class Stored:
    """One object the database says the store holds, and the rows that point to it."""

    sha256: str
    sm3: str
    size: int
    evidence: list[int] = field(default_factory=list)
    derivatives: list[int] = field(default_factory=list)


def derivative_model() -> Any:
    """Working copies, where this version has them."""
    from lawtrail.evidence import models

    return getattr(models, "Derivative", None)


def batches(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def expected_objects() -> Iterator[Stored]:
    """Originals (one row per digest), then working copies grouped by digest: identical copies
    are read once, without a set of every digest in memory."""
    for batch in batches(
        Evidence.objects.order_by("pk").values_list("pk", "sha256", "sm3", "size").iterator()
    ):
        for pk, sha256, sm3, size in batch:
            yield Stored(sha256, sm3, size, evidence=[pk])
    Derivative = derivative_model()
    if Derivative is None:
        return
    rows = (
        Derivative.objects.order_by("sha256", "pk")
        .values_list("sha256", "sm3", "size", "pk", "evidence_id")
        .iterator(chunk_size=BATCH)
    )
    for sha256, group in itertools.groupby(rows, key=lambda row: row[0]):
        same = list(group)
        _sha, sm3, size, _pk, _evidence = same[0]
        yield Stored(
            sha256,
            sm3,
            size,
            evidence=sorted({row[4] for row in same}),
            derivatives=[row[3] for row in same],
        )


def total_bytes() -> int:
    from django.db.models import Sum

    total = Evidence.objects.aggregate(n=Sum("size"))["n"] or 0
    Derivative = derivative_model()
    if Derivative is not None:
        total += Derivative.objects.aggregate(n=Sum("size"))["n"] or 0
    return int(total)


def known(digests: list[str]) -> set[str]:
    """Which of ``digests`` some row points to."""
    found = set(Evidence.objects.filter(sha256__in=digests).values_list("sha256", flat=True))
    Derivative = derivative_model()
    if Derivative is not None:
        found |= set(Derivative.objects.filter(sha256__in=digests).values_list("sha256", flat=True))
    return found


def stalled(older_than: timedelta) -> list[Problem]:
    from lawtrail.evidence.tasks import stalled_uploads

    message = _("upload %(id)s completed at %(at)s was never ingested")
    return [
        Problem("stalled_upload", "", detail=message % {"id": u.pk, "at": u.completed_at})
        for u in stalled_uploads(older_than)
    ]


def check(
    store: BlobStore | None = None,
    *,
    progress: Callable[[int], object] = lambda n: None,
    stalled_after: timedelta = timedelta(hours=1),
) -> Report:
    """Re-hash every object rows point to, then list orphans; report, change nothing."""
    store = store or default_store()
    report = Report(store=store.describe())
    for item in expected_objects():
        if item.derivatives:
            report.derivatives += len(item.derivatives)
        else:
            report.originals += 1
        result = store.verify(item.sha256, expected_sm3=item.sm3)
        progress(item.size)
        if result.actual is not None:
            report.bytes += result.actual.size
        if not result.ok:
            report.problems.append(
                Problem(result.problem, item.sha256, item.evidence, item.derivatives, result.detail)
            )
    for batch in batches(store.iter_keys()):
        report.objects += len(batch)
        pointed = known(batch)
        report.problems.extend(
            Problem("orphan", key, detail=_("no evidence or working copy points to it"))
            for key in batch
            if key not in pointed
        )
    report.problems.extend(stalled(stalled_after))
    return report


def record(report: Report, *, ledger_ok: bool | None) -> None:
    """``verify.completed``: the counts and the first problems, as a ledger event."""
    with transaction.atomic():
        events.append(
            events.SYSTEM,
            "verify.completed",
            ("evidence.store", str(report.store.get("kind", ""))),
            {
                "ok": report.ok and ledger_ok is not False,
                "ledger_ok": ledger_ok,
                **report.counts(),
                "problems": [p.as_dict() for p in report.problems[:EVENT_PROBLEMS]],
                "problems_total": len(report.problems),
            },
        )


@contextmanager
def progress_bar() -> Iterator[Callable[[int], object]]:
    """A rich progress bar over the bytes to re-hash, on stderr and only on a terminal."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    with Progress(
        TextColumn(_("re-hashing the store")),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("verify", total=total_bytes())
        yield lambda n: bar.advance(task, n)


def verify_store(*, ledger_ok: bool | None) -> Report:
    """What ``lawtrail verify`` runs after the ledger check: check, show progress, record."""
    with progress_bar() as progress:
        report = check(progress=progress)
    try:
        record(report, ledger_ok=ledger_ok)
    except (RuntimeError, TypeError, ValueError, DatabaseError) as error:
        # A broken ledger head (refused, or rewritten as text by hand) takes no appends: say
        # so in the report and go on; the ledger section has already named the damage.
        message = _("the result could not be logged: %(error)s") % {"error": error}
        report.problems.append(Problem("unrecorded", "", detail=message))
    return report
