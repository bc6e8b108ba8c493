"""The archive package (第十八条; DA/T 70): a BagIt bag that validates fully, with an SM3 tag
manifest and a signed note; refused and nothing written while the case file is incomplete or an
original has changed; a read-only matter afterwards."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import bagit
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from lawtrail.archive import actions as archive_actions
from lawtrail.archive import numbering
from lawtrail.archive.models import ArchivePackage, PackageCheck
from lawtrail.archive.packages import signed_text
from lawtrail.archive.tests import archive_fixtures
from lawtrail.archive.tests.archive_fixtures import counts, custodian, files_under, walk
from lawtrail.compliance import engine
from lawtrail.compliance.models import Finding
from lawtrail.errors import Forbidden, Refused
from lawtrail.evidence import actions as evidence_actions
from lawtrail.evidence.tests import fixtures as evidence_fixtures
from lawtrail.evidence.tests.fixtures import store
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints, note
from lawtrail.ledger.models import Event
from lawtrail.ledger.package_verifier import sm3
from lawtrail.matters.models import Stage
from lawtrail.records import actions as record_actions
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import fields, open_matter, sign, write
from lawtrail.testing import Province

archive_home = archive_fixtures.archive_home
evidence_home = evidence_fixtures.evidence_home
media = evidence_fixtures.media
pytestmark = pytest.mark.django_db


def archive_dir() -> Path:
    return Path(django_settings.LAWTRAIL_ARCHIVE_DIR)


def staging_left() -> list[Path]:
    return (
        files_under(archive_dir() / ".staging")
        + [p for p in (archive_dir() / ".staging").glob("*")]
        if (archive_dir() / ".staging").exists()
        else []
    )


def sm3_hex(path: Path) -> str:
    digest = sm3()
    digest.update(path.read_bytes())
    return str(digest.hexdigest())


def test_archiving_a_complete_matter_makes_a_bag_that_validates_fully(
    province: Province, media: Media, archive_home: Path
) -> None:
    """第十八条: the case file becomes a BagIt package, validated in full (never fast mode)."""
    p = province
    walked = walk(p, media)
    package = archive_actions.archive_matter(custodian(p).user, walked.matter)
    bag_dir = archive_dir() / package.path
    assert package.path == f"610102/{package.archive_number}"
    assert package.archive_number.startswith(f"610102-{timezone.localdate().year}-D30-XZCF-")
    assert bag_dir.is_dir()
    bag = bagit.Bag(str(bag_dir))
    bag.validate(fast=False)
    assert set(bag.algorithms) == {"sha256", "sha512"}
    assert bag.info["External-Identifier"] == package.archive_number
    assert bag.info["Source-Organization"] == p.county_a.name
    assert bag.info["Lawtrail-Matter"] == walked.matter.number
    assert bag.info["Payload-Oxum"] == package.payload_oxum

    # The SM3 tag manifest lists every tag file the SHA-256 one does, with the right digests.
    sha_tags = [
        line.split()[1] for line in (bag_dir / "tagmanifest-sha256.txt").read_text().splitlines()
    ]
    sm3_lines = (bag_dir / "tagmanifest-sm3.txt").read_text().splitlines()
    assert sorted(line.split()[1] for line in sm3_lines) == sorted(sha_tags)
    for line in sm3_lines:
        digest, name = line.split()
        assert sm3_hex(bag_dir / name) == digest

    # signature.txt: a note by the ledger key over the 档号 and the tag manifest's SHA-256.
    bag_sha = hashlib.sha256((bag_dir / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    assert package.bag_sha256 == bag_sha
    opened = note.open_note((bag_dir / "signature.txt").read_text(), [checkpoints.verifier()])
    assert opened.text == signed_text(package.archive_number, bag_sha)

    data = bag_dir / "data"
    records = sorted(p.name for p in (data / "records").iterdir())
    assert records[0] == "001-case_acceptance.pdf" and records[1] == "002-filing_report.pdf"
    assert len(records) == walked.matter.records.count()
    originals = sorted(p.name for p in (data / "originals").iterdir())
    assert originals == sorted([f"{walked.video.sha256}.mp4", f"{walked.photo.sha256}.jpg"])
    assert (
        data / "originals" / f"{walked.video.sha256}.mp4"
    ).read_bytes() == media.video.read_bytes()
    assert json.loads((data / "references.json").read_text()) == []
    metadata = json.loads((data / "metadata.json").read_text())
    assert metadata["archive_number"] == package.archive_number
    assert metadata["da_t_46"]["档号"] == package.archive_number
    assert metadata["da_t_46"]["保管期限"] == "30年"
    xml = ET.parse(data / "metadata.xml").getroot()
    assert xml.findtext("档号") == package.archive_number
    assert xml.findtext("题名") == walked.matter.title
    assert len(xml.find("卷内目录") or []) == len(records) + 2
    assert (data / "ledger" / "verifier-key.txt").read_text().strip() == checkpoints.verifier().key
    assert (data / "case-file.pdf").read_bytes().startswith(b"%PDF-")
    assert staging_left() == []

    # One row and exactly one archive.package.created event in the matter's context.
    [event] = Event.objects.filter(action="archive.package.created")
    assert event.context == walked.matter.context
    payload = json.loads(bytes(event.body))["payload"]
    assert payload["archive_number"] == package.archive_number
    assert payload["bag_sha256"] == bag_sha
    assert payload["files"] == package.files == int(package.payload_oxum.split(".")[1])
    assert payload["references"] == 0 and payload["retention"] == "30y"
    # The 四性 checks ran at creation and passed.
    checks = {c.property: c for c in PackageCheck.objects.filter(package=package)}
    assert set(checks) == {"authenticity", "integrity", "usability", "security"}
    failed = {k: [i for i in c.items if not i["passed"]] for k, c in checks.items() if not c.passed}
    assert failed == {}
    assert {c.occasion for c in checks.values()} == {"creation"}


def test_the_30_day_rule_counts_the_matter_archived(
    province: Province, media: Media, archive_home: Path
) -> None:
    """第十八条 and the compliance rule archive.within_30_days read the created event."""
    walked = walk(province, media)
    assert walked.matter.ended_at is not None
    later = walked.matter.ended_at + datetime.timedelta(days=40)
    engine.evaluate(rules=["archive.within_30_days"], now=later)
    finding = Finding.objects.get(rule_id="archive.within_30_days", matter=walked.matter)
    assert finding.state == Finding.State.OPEN  # not archived 40 days on: breached
    archive_actions.archive_matter(custodian(province).user, walked.matter)
    engine.evaluate(rules=["archive.within_30_days"], now=later)
    finding.refresh_from_db()
    assert finding.state == Finding.State.CLOSED


def test_an_incomplete_matter_is_refused_naming_what_is_missing_and_nothing_is_written(
    province: Province, media: Media, archive_home: Path
) -> None:
    walked = walk(province, media, skip=("filing_report",), extra=("hearing_notice",))
    before = counts()
    with pytest.raises(Refused) as error:
        archive_actions.archive_matter(custodian(province).user, walked.matter)
    assert error.value.status == 409
    codes = {u.code for u in error.value.unmet}
    assert codes == {"archive.record.filing_report", "archive.record_served"}
    assert any("听证通知书" in u.message for u in error.value.unmet)
    assert counts() == before
    assert files_under(archive_dir()) == []


def test_a_matter_still_in_review_is_refused(
    province: Province, media: Media, archive_home: Path
) -> None:
    walked = walk(province, media, to=Stage.REVIEW)
    with pytest.raises(Refused) as error:
        archive_actions.archive_matter(custodian(province).user, walked.matter)
    assert [u.code for u in error.value.unmet] == ["archive.stage"]
    assert ArchivePackage.objects.count() == 0


def test_a_large_original_is_referenced_by_digest(
    province: Province, media: Media, archive_home: Path, settings: Any
) -> None:
    walked = walk(province, media)
    settings.LAWTRAIL_ARCHIVE_INLINE_MAX_BYTES = walked.photo.size  # the video is larger
    assert walked.video.size > walked.photo.size
    package = archive_actions.archive_matter(custodian(province).user, walked.matter)
    data = archive_dir() / package.path / "data"
    [ref] = json.loads((data / "references.json").read_text())
    assert ref == {
        "evidence_id": walked.video.pk,
        "sha256": walked.video.sha256,
        "sm3": walked.video.sm3,
        "size": walked.video.size,
        "kind": "video",
        "filename": media.video.name,
        "store": walked.video.store,
    }
    assert [p.name for p in (data / "originals").iterdir()] == [f"{walked.photo.sha256}.jpg"]
    assert package.references == 1
    assert all(c.passed for c in package.checks.all())


def test_a_corrupted_original_is_refused_and_named(
    province: Province, media: Media, archive_home: Path
) -> None:
    """第二十六条: an original that no longer matches its ingest digests is never archived."""
    walked = walk(province, media)
    blob = store().path(walked.photo.sha256)
    os.chmod(blob, 0o644)
    raw = bytearray(blob.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    blob.write_bytes(bytes(raw))
    before = counts()
    with pytest.raises(Refused) as error:
        archive_actions.archive_matter(custodian(province).user, walked.matter)
    [unmet] = error.value.unmet
    assert unmet.code == "archive.original_corrupt"
    assert str(walked.photo.pk) in unmet.message and walked.photo.sha256 in unmet.message
    assert counts() == before
    assert files_under(archive_dir()) == []
    assert staging_left() == []


def test_two_matters_get_consecutive_archive_numbers(
    province: Province, media: Media, archive_home: Path, settings: Any
) -> None:
    first = walk(province, media)
    second = walk(province, media)
    user = custodian(province).user
    a = archive_actions.archive_matter(user, first.matter)
    b = archive_actions.archive_matter(user, second.matter)
    year = timezone.localdate().year
    assert a.archive_number == f"610102-{year}-D30-XZCF-0001"
    assert b.archive_number == f"610102-{year}-D30-XZCF-0002"
    # The 件号 runs per kind while the template names the kind, else across kinds.
    inspection = open_matter(province, kind="inspection")
    assert numbering.next_seq(inspection) == 1
    settings.LAWTRAIL_ARCHIVE_NUMBER = "{fonds}-{year}-{retention}-{seq:04d}"
    assert numbering.next_seq(inspection) == 3


def test_only_the_custodian_or_the_head_archives(
    province: Province, media: Media, archive_home: Path
) -> None:
    """第十九条: the people named to keep the records archive them."""
    walked = walk(province, media)
    before = counts()
    with pytest.raises(Forbidden):
        archive_actions.archive_matter(province.officer_a.user, walked.matter)
    assert counts() == before
    package = archive_actions.archive_matter(province.head_a.user, walked.matter)
    assert package.created_by == province.head_a


def test_an_archived_matter_is_read_only(
    province: Province, media: Media, archive_home: Path
) -> None:
    """第十八条, 第二十六条: once archived, records cannot be written, corrected or signed, and
    the package is not made twice."""
    p = province
    walked = walk(p, media)
    archive_actions.archive_matter(custodian(p).user, walked.matter)
    decision = Record.objects.get(matter=walked.matter, record_type="decision")
    with pytest.raises(Refused):
        write(p, walked.matter, "inquiry")
    with pytest.raises(Refused):
        record_actions.correct_record(
            p.officer_a.user, decision, fields("decision", amount="1"), "改"
        )
    inquiry = Record.objects.get(matter=walked.matter, record_type="inquiry")
    with pytest.raises(Refused):
        sign(p, inquiry, "interviewee", name="钱某")
    with pytest.raises(Refused) as error:
        archive_actions.archive_matter(custodian(p).user, walked.matter)
    assert [u.code for u in error.value.unmet] == ["archive.already_archived"]
    with pytest.raises(Refused) as error:
        archive_actions.refuse_if_archived(walked.matter)
    assert [u.code for u in error.value.unmet] == ["archive.matter_archived"]
    archive_actions.refuse_if_archived(open_matter(p))  # another matter is open


def test_evidence_cannot_be_bound_to_or_moved_out_of_an_archived_matter(
    province: Province, media: Media, archive_home: Path
) -> None:
    p = province
    walked = walk(p, media)
    archive_actions.archive_matter(custodian(p).user, walked.matter)
    other = open_matter(p)
    before = counts()
    with pytest.raises(Refused):
        evidence_actions.bind_evidence(
            p.officer_a.user, walked.photo.pk, matter_id=other.pk, matter_number="", reason="移出"
        )
    assert counts() == before
