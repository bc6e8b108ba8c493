"""``restore`` (issue 9 §4): a lost local store is rebuilt from the replica and every digest
re-verified; what the replica does not hold is named as not restored."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from lawtrail.evidence.sanity import check
from lawtrail.evidence.tests.fixtures import ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger.models import Event
from lawtrail.replication.restore import restore
from lawtrail.replication.sync import sync
from lawtrail.replication.tests.test_sync import (  # noqa: F401
    evidence_home,
    flip_byte,
    penalty_and_inspection,
    replica_dir,
)
from lawtrail.storage import LocalStore, default_store
from lawtrail.storage.base import blob_key
from lawtrail.testing import Province


def local_root() -> Path:
    store = default_store()
    assert isinstance(store, LocalStore)
    return store.root


def test_restore_brings_every_digest_back(
    settings: Any,
    penalty_and_inspection: Any,  # noqa: F811
) -> None:
    settings.LAWTRAIL_REPLICA_SCOPE = "all"
    sync(backoff=0.001)
    before = check()
    assert before.ok
    shutil.rmtree(local_root())
    assert check().count("missing") == 2
    report = restore()
    assert report.ok, report.lines()
    assert (report.objects, len(report.restored), report.present) == (2, 2, 0)
    after = check()
    assert after.ok, after.lines()
    assert Event.objects.filter(action="replica.restored").count() == 1
    again = restore()
    assert (len(again.restored), again.present) == (0, 2)


def test_what_the_replica_lacks_is_named(
    penalty_and_inspection: Any,  # noqa: F811
) -> None:
    important, plain = penalty_and_inspection
    sync(backoff=0.001)  # only the important one goes
    shutil.rmtree(local_root())
    report = restore()
    assert report.exit_code == 1
    assert [i.sha256 for i in report.restored] == [important.sha256]
    [lost] = report.not_restored
    assert (lost.evidence, lost.filename) == (plain.pk, "inspection.bin")
    assert [u.sha256 for u in report.unverified] == [plain.sha256]


def test_a_damaged_local_original_is_replaced_and_a_damaged_replica_copy_refused(
    penalty_and_inspection: Any,  # noqa: F811
    replica_dir: Path,  # noqa: F811
) -> None:
    important, _plain = penalty_and_inspection
    sync(backoff=0.001)
    flip_byte(local_root() / blob_key(important.sha256))
    assert [i.sha256 for i in restore().restored] == [important.sha256]
    assert default_store().verify(important.sha256, expected_sm3=important.sm3).ok
    # A replica copy that is itself damaged is never written into the local store.
    flip_byte(local_root() / blob_key(important.sha256))
    flip_byte(replica_dir / blob_key(important.sha256))
    report = restore()
    assert any(i.sha256 == important.sha256 for i in report.not_restored)
    assert "damaged" in report.not_restored[0].detail


def test_working_copies_go_to_the_replica_and_come_back(
    province: Province,
    replica_dir: Path,  # noqa: F811
    media: Media,  # noqa: F811
) -> None:
    from lawtrail.evidence.derivatives import make_derivatives
    from lawtrail.evidence.ingest import current_binding
    from lawtrail.evidence.models import Derivative
    from lawtrail.matters.tests.factories import open_penalty
    from lawtrail.replication.models import ReplicaCopy
    from lawtrail.replication.sync import verify_replica

    matter = open_penalty(province)
    video = ingest(province.officer_a.user, media.video, matter=matter.number).evidence
    binding = current_binding(video)
    assert binding is not None
    make_derivatives(video.pk, binding.pk)
    made = set(Derivative.objects.filter(evidence=video).values_list("sha256", flat=True))
    assert made
    report = sync(backoff=0.001)
    assert report.ok and report.derivatives == len(made)
    copied = ReplicaCopy.objects.filter(kind="derivative").values_list("sha256", flat=True)
    assert set(copied) == made
    assert verify_replica().ok
    assert sync(backoff=0.001).derivatives == 0
    shutil.rmtree(local_root())
    restored = restore()
    assert restored.ok, restored.lines()
    assert {i.sha256 for i in restored.restored} == made | {video.sha256}
    assert check().ok
