"""``verify_replica`` (issue 9 §4): both sides compared by digest; a flipped bit on the replica,
a missing object, an extra one and a damaged local original are each found and named."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from lawtrail.cli import main
from lawtrail.ledger import checkpoints
from lawtrail.ledger.models import Event
from lawtrail.replication.sync import sync, verify_replica
from lawtrail.replication.tests.test_sync import (  # noqa: F401
    evidence_home,
    flip_byte,
    penalty_and_inspection,
    replica_dir,
)
from lawtrail.storage import LocalStore, default_store, from_url
from lawtrail.storage.base import blob_key


def test_a_synced_replica_verifies(penalty_and_inspection: Any) -> None:  # noqa: F811
    sync(backoff=0.001)
    report = verify_replica()
    assert report.ok, report.lines()
    assert report.checked == 2  # the original and its metadata
    assert report.replica_objects == 2
    assert Event.objects.filter(action="replica.verified").count() == 1


def test_a_flipped_bit_on_the_replica_is_found_and_named(
    penalty_and_inspection: Any,  # noqa: F811
    replica_dir: Path,  # noqa: F811
) -> None:
    important, _plain = penalty_and_inspection
    sync(backoff=0.001)
    flip_byte(replica_dir / blob_key(important.sha256), at=4321)
    report = verify_replica()
    assert report.exit_code == 1
    [problem] = report.problems
    assert (problem.kind, problem.evidence, problem.filename, problem.sha256) == (
        "changed",
        important.pk,
        "penalty.bin",
        important.sha256,
    )
    assert important.sha256 in "\n".join(report.lines())
    assert report.as_dict()["changed"] == 1
    # The quick check only looks for presence: it does not see the flipped bit.
    assert verify_replica(deep=False).ok


def test_missing_and_extra_objects_are_named(
    penalty_and_inspection: Any,  # noqa: F811
    replica_dir: Path,  # noqa: F811
) -> None:
    important, _plain = penalty_and_inspection
    sync(backoff=0.001)
    (replica_dir / blob_key(important.sha256)).unlink()
    stranger = from_url(replica_dir.as_uri()).put_stream([os.urandom(1000)])
    for deep in (True, False):
        report = verify_replica(deep=deep)
        kinds = {(p.kind, p.sha256) for p in report.problems}
        assert ("missing", important.sha256) in kinds
        assert ("extra", stranger.sha256) in kinds
        assert report.exit_code == 1


def test_the_local_side_is_checked_too(
    penalty_and_inspection: Any,  # noqa: F811
) -> None:
    important, _plain = penalty_and_inspection
    sync(backoff=0.001)
    store = default_store()
    assert isinstance(store, LocalStore)
    flip_byte(store.path(important.sha256))
    report = verify_replica()
    [problem] = report.problems
    assert (problem.side, problem.kind, problem.evidence) == ("local", "changed", important.pk)


def test_important_evidence_not_yet_copied_is_listed_as_pending(
    penalty_and_inspection: Any,  # noqa: F811
) -> None:
    important, _plain = penalty_and_inspection
    report = verify_replica()
    assert [p.evidence for p in report.pending] == [important.pk]
    assert report.as_dict()["pending"] == 1


def test_lawtrail_verify_reads_the_replica_back_and_names_a_flipped_bit(
    penalty_and_inspection: Any,  # noqa: F811
    replica_dir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    settings: Any,
) -> None:
    """DESIGN.md invariant 6: ``lawtrail verify`` covers the provincial replica too."""
    settings.LAWTRAIL_SIGNING_KEY_FILE = replica_dir.parent / "signing-key"
    important, _plain = penalty_and_inspection
    checkpoints.ensure_signing_key()
    assert sync(backoff=0.001).ok
    assert main(["verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["replica"]["ok"] is True

    flip_byte(replica_dir / blob_key(important.sha256))

    assert main(["verify", "--json"]) == 1
    replica = json.loads(capsys.readouterr().out)["replica"]
    assert replica["changed"] == 1
    assert important.sha256 in json.dumps(replica["problems"])
