"""Incremental evaluation (issue 7 §2): an event about a matter or an evidence gets its rules run
again once the transaction commits, in the background (one task per transaction)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lawtrail.compliance.engine import evaluate
from lawtrail.compliance.hooks import Batch
from lawtrail.compliance.models import Finding
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
    return DBTaskResult.objects.filter(task_path__endswith="evaluate_scope")


def test_an_ingest_is_judged_after_it_commits(
    province: Province, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        acquisition = late_photo(province, tmp_path)

    (finding,) = Finding.objects.filter(rule_id="uploads.within_48h")
    assert finding.subject == f"acquisition:{acquisition.pk}"


def test_one_batch_per_transaction_and_none_for_our_own_events(
    province: Province, tmp_path: Path, matter: Matter
) -> None:
    """The whole transaction (here: the test's, which opened the matter and ingested) gathers
    into one batch naming its matter and acquisition; the events the evaluation writes add
    nothing. On commit the batch enqueues one task (without a worker it waits in the queue)."""
    acquisition = late_photo(province, tmp_path, matter)
    evaluate()

    pending = [f for _s, f, _r in connection.run_on_commit if isinstance(f, Batch)]
    assert len(pending) == 1
    (batch,) = pending
    assert batch.matters == {matter.pk}
    assert batch.evidence == {acquisition.evidence_id}
    assert batch.acquisitions == {acquisition.pk}

    batch()  # what the commit does
    (task,) = queued()
    assert task.args_kwargs["args"] == [[matter.pk], [acquisition.evidence_id], [acquisition.pk]]


def test_a_rolled_back_transaction_enqueues_nothing(
    province: Province, matter: Matter, django_capture_on_commit_callbacks: Any
) -> None:
    before = queued().count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.append(events.SYSTEM, "test.touched", matter, context=matter.context)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert queued().count() == before
