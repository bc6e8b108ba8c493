"""``sync`` (issue 9 §2): important evidence is copied to a local-folder replica, read back and
recorded; a corrupt source is reported and never copied; a replica that is down leaves the
evidence pending after the retries. The fixtures here are shared by the other tests of this
app that use a folder replica."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils.translation import gettext as _

from lawtrail.evidence.models import Evidence
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.matters.tests.factories import open_matter, open_penalty
from lawtrail.replication import replica as targets
from lawtrail.replication.models import ReplicaCopy, ReplicaProblem
from lawtrail.replication.sync import metadata_bytes, sync
from lawtrail.storage import LocalStore, default_store
from lawtrail.storage.base import blob_key
from lawtrail.testing import Province


@pytest.fixture
def replica_dir(settings: Any, evidence_home: Path) -> Iterator[Path]:  # noqa: F811
    """A provincial replica in a folder of the test's own (``LAWTRAIL_REPLICA``)."""
    folder = evidence_home.parent / "province-replica"
    settings.LAWTRAIL_REPLICA = folder.as_uri()
    settings.LAWTRAIL_REPLICA_SCOPE = "important"
    targets.clear_cache()
    yield folder
    targets.clear_cache()


def make_file(folder: Path, name: str, size: int = 50_000) -> Path:
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


def evidence_in(matter: Matter | None, user: Any, folder: Path, name: str) -> Evidence:
    path = make_file(folder, name)
    acquisition = ingest(user, path, matter=matter.number if matter else "")
    return acquisition.evidence


@pytest.fixture
def penalty_and_inspection(province: Province, replica_dir: Path, tmp_path: Path) -> Any:
    """Evidence of a 行政处罚 matter (important) and of a plain inspection (not)."""
    p = province
    penalty = open_penalty(p)
    inspection = open_matter(p)
    user = p.officer_a.user
    return (
        evidence_in(penalty, user, tmp_path, "penalty.bin"),
        evidence_in(inspection, user, tmp_path, "inspection.bin"),
    )


def flip_byte(path: Path, at: int = 100) -> None:
    os.chmod(path, 0o644)
    with path.open("r+b") as f:
        f.seek(at)
        byte = f.read(1)
        f.seek(at)
        f.write(bytes([byte[0] ^ 0x01]))


def test_important_evidence_is_copied_read_back_and_logged(
    penalty_and_inspection: Any, replica_dir: Path
) -> None:
    important, plain = penalty_and_inspection
    report = sync(backoff=0.001)
    assert report.ok, report.lines()
    assert [c.evidence for c in report.copied] == [important.pk]
    assert report.metadata == 1
    copied = (replica_dir / blob_key(important.sha256)).read_bytes()
    with default_store().open(important.sha256) as f:  # type: ignore[attr-defined]
        assert copied == f.read()
    assert not (replica_dir / blob_key(plain.sha256)).exists()
    original = ReplicaCopy.objects.get(evidence=important, kind="original")
    assert original.method == "read_back"
    assert original.replica == replica_dir.as_uri()
    assert (original.sha256, original.sm3, original.size) == (
        important.sha256,
        important.sm3,
        important.size,
    )
    meta = ReplicaCopy.objects.get(evidence=important, kind="metadata")
    document = json.loads((replica_dir / blob_key(meta.sha256)).read_bytes())
    assert document["digests"]["sha256"] == important.sha256
    assert document["bindings"][0]["matter_id"] == important.bindings.get().matter_id
    assert meta.sha256 != important.sha256
    event = Event.objects.filter(action="replica.copied", object_id=str(important.pk)).first()
    assert event is not None
    assert event.context == important.bindings.get().matter.context
    payload = json.loads(bytes(event.body))["payload"]
    assert payload["sha256"] == important.sha256
    assert payload["sm3"] == important.sm3
    assert payload["method"] == "read_back"


def test_a_second_sync_copies_nothing_new(penalty_and_inspection: Any) -> None:
    assert sync(backoff=0.001).ok
    copies, copied_events = (
        ReplicaCopy.objects.count(),
        Event.objects.filter(action="replica.copied").count(),
    )
    again = sync(backoff=0.001)
    assert again.ok
    assert (len(again.copied), again.metadata, again.checkpoints) == (0, 0, 0)
    assert ReplicaCopy.objects.count() == copies
    assert Event.objects.filter(action="replica.copied").count() == copied_events


def test_new_metadata_is_copied_when_the_evidence_is_bound_again(
    province: Province, penalty_and_inspection: Any
) -> None:
    from lawtrail.evidence.actions import bind_evidence

    important, _plain = penalty_and_inspection
    sync(backoff=0.001)
    other = open_penalty(province)
    bind_evidence(
        province.officer_a.user, important.pk, matter_id=other.pk, matter_number="", reason="移送"
    )
    report = sync(backoff=0.001)
    assert (len(report.copied), report.metadata) == (0, 1)
    shas = ReplicaCopy.objects.filter(evidence=important, kind="metadata").values_list(
        "sha256", flat=True
    )
    assert len(set(shas)) == 2
    assert metadata_bytes(important)  # the current one is among them


def test_a_corrupt_source_is_reported_and_never_copied(
    penalty_and_inspection: Any, replica_dir: Path
) -> None:
    important, _plain = penalty_and_inspection
    store = default_store()
    assert isinstance(store, LocalStore)
    flip_byte(store.path(important.sha256))
    report = sync(backoff=0.001)
    assert not report.ok
    [problem] = report.problems
    assert (problem.kind, problem.evidence, problem.sha256) == (
        "source_corrupt",
        important.pk,
        important.sha256,
    )
    assert "penalty.bin" in problem.sentence()
    assert not (replica_dir / blob_key(important.sha256)).exists()
    assert not ReplicaCopy.objects.exists()
    assert ReplicaProblem.objects.get().kind == "source_corrupt"
    assert Event.objects.filter(action="replica.source_corrupt").count() == 1


def test_a_replica_that_stays_down_leaves_evidence_pending(
    settings: Any, province: Province, replica_dir: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the replica folder should be")
    settings.LAWTRAIL_REPLICA = (blocker / "replica").as_uri()
    targets.clear_cache()
    penalty = open_penalty(province)
    first = evidence_in(penalty, province.officer_a.user, tmp_path, "one.bin")
    second = evidence_in(penalty, province.officer_a.user, tmp_path, "two.bin")
    report = sync(retries=2, backoff=0.001)
    assert report.exit_code == 1
    assert {p.evidence for p in report.pending} == {first.pk, second.pk}
    assert [p.kind for p in report.problems] == ["replica_unreachable"]
    # retries=2: three attempts in all, said in the operator's language.
    assert report.problems[0].detail.startswith(
        (_("unreachable after %(n)d attempts: %(e)s") % {"n": 3, "e": ""}).rstrip()
    )
    assert not ReplicaCopy.objects.exists()
    assert ReplicaProblem.objects.filter(kind="replica_unreachable").count() == 1
    assert not Event.objects.filter(action="replica.copied").exists()
    # Back up: everything pending is copied, nothing was lost.
    settings.LAWTRAIL_REPLICA = replica_dir.as_uri()
    targets.clear_cache()
    assert len(sync(backoff=0.001).copied) == 2


def test_limit_caps_the_originals_of_one_run(
    province: Province, replica_dir: Path, tmp_path: Path
) -> None:
    penalty = open_penalty(province)
    for name in ("a.bin", "b.bin", "c.bin"):
        evidence_in(penalty, province.officer_a.user, tmp_path, name)
    assert len(sync(limit=2, backoff=0.001).copied) == 2
    assert len(sync(backoff=0.001).copied) == 1


def test_the_latest_signed_checkpoint_is_copied(
    settings: Any,
    penalty_and_inspection: Any,
    replica_dir: Path,
    evidence_home: Path,  # noqa: F811
) -> None:
    from lawtrail.ledger.checkpoints import ensure_signing_key, make_checkpoint, served_note

    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    ensure_signing_key()
    checkpoint = make_checkpoint()
    report = sync(backoff=0.001)
    assert report.checkpoints == 1
    copy = ReplicaCopy.objects.get(kind="checkpoint")
    assert copy.checkpoint_size == checkpoint.size
    assert (replica_dir / blob_key(copy.sha256)).read_text() == served_note(checkpoint)


def test_scope_all_copies_everything(
    settings: Any, penalty_and_inspection: Any, province: Province, tmp_path: Path
) -> None:
    settings.LAWTRAIL_REPLICA_SCOPE = "all"
    unbound = evidence_in(None, province.officer_a.user, tmp_path, "unbound.bin")
    report = sync(backoff=0.001)
    assert len(report.copied) == 3
    assert unbound.pk in {c.evidence for c in report.copied}


def test_without_a_replica_sync_refuses(settings: Any, province: Province) -> None:
    settings.LAWTRAIL_REPLICA = ""
    targets.clear_cache()
    with pytest.raises(targets.NoReplica, match="LAWTRAIL_REPLICA"):
        sync()


def test_an_agency_target_takes_its_evidence(
    province: Province, penalty_and_inspection: Any, replica_dir: Path, tmp_path: Path
) -> None:
    from lawtrail.errors import Forbidden
    from lawtrail.replication.replica import set_agency_replica

    important, _plain = penalty_and_inspection
    own = tmp_path / "county-a-replica"
    with pytest.raises(Forbidden):
        set_agency_replica(province.head_a.user, province.county_a, own.as_uri())
    set_agency_replica(province.admin.user, province.county_a, own.as_uri())
    b_penalty = open_penalty(
        province,
        by=province.officer_b,
        handlers=[province.officer_b.pk, province.officer_b2.pk],
        lead=province.officer_b.pk,
    )
    other = evidence_in(b_penalty, province.officer_b.user, tmp_path, "b.bin")
    report = sync(backoff=0.001)
    assert report.ok, report.lines()
    assert (own / blob_key(important.sha256)).exists()
    assert not (replica_dir / blob_key(important.sha256)).exists()
    assert (replica_dir / blob_key(other.sha256)).exists()
    assert targets.replica_store(province.county_a) is targets.store_for(own.as_uri())
    from lawtrail.replication.sync import verify_replica

    verified = verify_replica()
    assert verified.ok and verified.checked == 4
