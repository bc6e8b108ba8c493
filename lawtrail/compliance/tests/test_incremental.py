"""Incremental evaluation (issue 7 §2): an event about a matter or an evidence puts it in the
outbox in the event's own transaction; the scan loop beside ``lawtrail serve`` drains it every
few seconds. Nothing else is written and nothing after the commit, so an ingest pays one small
insert."""

from __future__ import annotations

import datetime
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lawtrail.compliance.engine import evaluate
from lawtrail.compliance.models import Finding, PendingEvaluation
from lawtrail.compliance.tasks import drain_pending
from lawtrail.evidence.ingest import IngestInput, ingest_file
from lawtrail.evidence.models import Acquisition
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.ledger import events
from lawtrail.matters.models import Matter
from lawtrail.testing import Province

pytestmark = pytest.mark.usefixtures("evidence_home")


def late_photo(p: Province, tmp_path: Path, matter: Matter | None = None) -> Acquisition:
    path = tmp_path / "late.jpg"
    path.write_bytes(b"\xff\xd8 late " * 100)
    ended = timezone.now() - datetime.timedelta(hours=50)
    return ingest_file(
        p.officer_a.user,
        path,
        IngestInput(
            filename=path.name,
            officer=p.officer_a.user.username,
            matter=matter.number if matter else "",
            recorded_to=ended.isoformat(),
        ),
    )


def queued() -> Any:
    return DBTaskResult.objects.filter(task_path__endswith="drain_pending")


def outbox() -> set[tuple[str, int]]:
    return set(PendingEvaluation.objects.values_list("kind", "object_id"))


def test_an_ingest_fills_the_outbox_in_its_own_transaction(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    """The test's transaction opened the matter and ingested: each thing it touched is in the
    outbox once, and no task, no callback waits for the commit."""
    acquisition = late_photo(province, tmp_path, matter)

    assert queued().count() == 0
    assert outbox() == {
        ("matter", matter.pk),
        ("evidence", acquisition.evidence_id),
        ("acquisition", acquisition.pk),
    }
    assert PendingEvaluation.objects.count() == 3


def test_the_worker_judges_the_outbox_and_clears_it(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    acquisition = late_photo(province, tmp_path, matter)

    result = drain_pending.call()

    assert result == {"judged": 3, "opened": 1, "closed": 1}
    (finding,) = Finding.objects.filter(rule_id="uploads.within_48h")
    assert finding.subject == f"acquisition:{acquisition.pk}"
    assert outbox() == set()


def test_our_own_events_put_nothing_in_the_outbox(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    late_photo(province, tmp_path, matter)
    drain_pending.call()
    before = queued().count()

    report = evaluate(scope=None, rules=["uploads.within_48h"])

    assert report.rules[0].breached == 1
    assert outbox() == set() and queued().count() == before


def test_a_full_scan_empties_the_outbox(province: Province, tmp_path: Path, matter: Matter) -> None:
    late_photo(province, tmp_path, matter)
    evaluate()
    assert outbox() == set()


def test_a_rolled_back_transaction_leaves_neither_rows_nor_task(
    province: Province, matter: Matter
) -> None:
    before = (queued().count(), PendingEvaluation.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        events.append(events.SYSTEM, "test.touched", matter, context=matter.context)
        raise RuntimeError("rolled back")
    assert (queued().count(), PendingEvaluation.objects.count()) == before


def test_the_scan_loop_drains_the_outbox_between_scans(
    province: Province, tmp_path: Path, matter: Matter, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lawtrail.compliance import commands

    acquisition = late_photo(province, tmp_path, matter)
    monkeypatch.setattr(commands, "DRAIN_EVERY", 0.01)

    commands.drain_until(time.monotonic() + 0.05)

    (finding,) = Finding.objects.filter(rule_id="uploads.within_48h")
    assert finding.subject == f"acquisition:{acquisition.pk}"
    assert outbox() == set()
