"""Incremental evaluation (issue 7 §2): an event about a matter or an evidence puts it in the
outbox in the event's own transaction, with one drain task; the worker judges it after the
commit. Nothing is written after the commit, so an ingest pays no extra commit."""

from __future__ import annotations

import datetime
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

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

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


def test_an_ingest_fills_the_outbox_and_queues_one_task_in_its_own_transaction(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    """The test's transaction opened the matter and ingested: one task for all of it, and each
    thing touched once in the outbox — nothing waits for the commit."""
    acquisition = late_photo(province, tmp_path, matter)

    assert queued().count() == 1
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


def test_with_tasks_run_at_once_the_ingest_is_judged_after_its_commit(
    province: Province, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        acquisition = late_photo(province, tmp_path)

    (finding,) = Finding.objects.filter(rule_id="uploads.within_48h")
    assert finding.subject == f"acquisition:{acquisition.pk}"
    assert outbox() == set()
