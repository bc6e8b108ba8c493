"""The restore drill (issue 9 §5): a unit loses its whole local store, restores it from the
provincial replica, and every digest and the ledger verify again.

The replica is a local folder here (the S3 path is in test_s3_replica.py); the drill runs the
commands an operator would, in-process: ``backup sync``, ``backup restore --yes``,
``lawtrail verify`` and ``lawtrail ledger verify``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lawtrail.cli import main
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.tests.fixtures import evidence_home, ingest, media  # noqa: F401
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints
from lawtrail.ledger.models import Event
from lawtrail.matters.tests.factories import open_matter, open_penalty
from lawtrail.replication import replica as targets
from lawtrail.storage import LocalStore, default_store
from lawtrail.testing import Province


@pytest.fixture
def unit(settings: Any, evidence_home: Path, province: Province) -> Iterator[Path]:  # noqa: F811
    """County A's instance: a local folder store, and the province's replica folder."""
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    checkpoints.ensure_signing_key()
    replica = evidence_home.parent / "province-replica"
    settings.LAWTRAIL_REPLICA = replica.as_uri()
    settings.LAWTRAIL_REPLICA_SCOPE = "important"
    targets.clear_cache()
    yield replica
    targets.clear_cache()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    status = main([*args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def local_root() -> Path:
    store = default_store()
    assert isinstance(store, LocalStore)
    return Path(store.root)


def penalty_evidence(p: Province, media: Media) -> list[Evidence]:  # noqa: F811
    matter = open_penalty(p)
    return [
        ingest(p.officer_a.user, path, matter=matter.number).evidence
        for path in (media.video, media.audio_m4a, media.photo)
    ]


def test_the_drill_wipe_the_store_restore_and_every_digest_and_the_ledger_verify(
    unit: Path,
    province: Province,
    media: Media,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    stored = penalty_evidence(province, media)
    status, synced = run(capsys, "backup", "sync")
    assert status == 0, synced
    assert sorted(c["sha256"] for c in synced["copies"]) == sorted(e.sha256 for e in stored)
    assert run(capsys, "verify")[0] == 0

    # The unit's disk is lost: the whole store folder goes.
    root = local_root()
    shutil.rmtree(root)
    status, broken = run(capsys, "verify")
    assert status == 1
    assert {p["sha256"] for p in broken["store"]["problems"]} >= {e.sha256 for e in stored}

    status, restored = run(capsys, "backup", "restore", "--yes")
    assert status == 0, restored
    assert sorted(r["sha256"] for r in restored["restored_objects"]) == sorted(
        e.sha256 for e in stored
    )
    assert restored["not_restored"] == [] and restored["unverified"] == []
    assert Event.objects.filter(action="replica.restored").exists()

    # Every digest verifies, and the ledger too (the restore is an event in it).
    status, verified = run(capsys, "verify")
    assert status == 0, verified
    assert verified["ledger"]["ok"] and verified["store"]["ok"]
    assert run(capsys, "ledger", "verify")[0] == 0
    for evidence in stored:
        assert default_store().verify(evidence.sha256, expected_sm3=evidence.sm3).ok


def test_the_drill_with_working_copies(
    unit: Path,
    province: Province,
    media: Media,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Watermarked working copies (第十九条) are blobs in the store too: the drill must bring
    them back for ``lawtrail verify`` to pass."""
    from lawtrail.evidence.derivatives import make_derivatives
    from lawtrail.evidence.ingest import current_binding
    from lawtrail.evidence.models import Derivative

    video = penalty_evidence(province, media)[0]
    binding = current_binding(video)
    assert binding is not None
    make_derivatives(video.pk, binding.pk)
    assert Derivative.objects.filter(evidence=video).exists()
    assert run(capsys, "backup", "sync")[0] == 0
    shutil.rmtree(local_root())
    status, restored = run(capsys, "backup", "restore", "--yes")
    assert status == 0, restored["not_restored"]
    expected = Evidence.objects.count() + Derivative.objects.count()
    assert restored["restored"] == restored["objects"] == expected
    assert run(capsys, "verify")[0] == 0


def test_evidence_that_was_not_on_the_replica_is_named_by_the_restore(
    unit: Path,
    province: Province,
    media: Media,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    kept = penalty_evidence(province, media)[0]
    inspection = open_matter(province)
    stayed_home = ingest(
        province.officer_a.user, media.audio_wav, matter=inspection.number
    ).evidence
    assert run(capsys, "backup", "sync")[0] == 0
    shutil.rmtree(local_root())

    status, restored = run(capsys, "backup", "restore", "--yes")
    assert status == 1
    assert [i["sha256"] for i in restored["not_restored"]] == [stayed_home.sha256]
    assert restored["not_restored"][0]["evidence"] == stayed_home.pk
    assert default_store().verify(kept.sha256, expected_sm3=kept.sm3).ok
    # The human report names it too.
    shutil.rmtree(local_root())
    assert main(["backup", "restore", "--yes"]) == 1
    assert stayed_home.sha256 in capsys.readouterr().out


def test_restore_without_yes_changes_nothing(
    unit: Path,
    province: Province,
    media: Media,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    penalty_evidence(province, media)
    assert run(capsys, "backup", "sync")[0] == 0
    shutil.rmtree(local_root())
    events = Event.objects.count()
    assert main(["backup", "restore"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert not local_root().exists() and Event.objects.count() == events
