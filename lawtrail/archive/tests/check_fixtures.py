"""Bags for the 四性 check tests, built by hand in the layout of the brief (the contract between
the package builder and the checker), so the checks are tested on their own; the tests that use
``actions.archive_matter`` check the real builder against the same checks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from lawtrail.agencies.models import Officer, Role
from lawtrail.archive.checks import CREATED, SIGNED_HEADER, file_digests, read_manifest
from lawtrail.archive.contents import LedgerProof
from lawtrail.archive.models import ArchivePackage, Retention
from lawtrail.evidence.derivatives import font_path
from lawtrail.evidence.models import Evidence
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.evidence.tests.media import Media
from lawtrail.ledger import checkpoints, events, note, tree
from lawtrail.ledger.models import Event
from lawtrail.ledger.package_verifier import sm3
from lawtrail.matters.models import Matter
from lawtrail.records.tests.helpers import open_matter, write
from lawtrail.storage import default_store
from lawtrail.testing import Province, make_person


@dataclass
class Built:
    province: Province
    custodian: Officer
    matter: Matter
    package: ArchivePackage
    path: Path
    photo: Evidence
    video: Evidence


@pytest.fixture
def archive_home(settings: Any, evidence_home: Path) -> Path:  # noqa: F811
    settings.LAWTRAIL_SIGNING_KEY_FILE = evidence_home / "ledger" / "signing-key"
    settings.LAWTRAIL_ARCHIVE_DIR = evidence_home / "archive"
    checkpoints.ensure_signing_key()
    return evidence_home


def custodian_of(p: Province) -> Officer:
    found = Officer.objects.filter(user__username="custodian_a").first()
    return found or make_person("custodian_a", "档案员", p.county_a, [Role.CUSTODIAN])


def pdf(text: str) -> bytes:
    doc = FPDF()
    doc.add_font("noto", fname=str(font_path()))
    doc.add_page()
    doc.set_font("noto", size=14)
    doc.cell(text=text)
    return bytes(doc.output())


def evidence_entry(evidence: Evidence, inline: bool) -> dict[str, Any]:
    return {
        "evidence_id": evidence.pk,
        "kind": evidence.kind,
        "filename": f"{evidence.kind}.bin",
        "sha256": evidence.sha256,
        "sm3": evidence.sm3,
        "size": evidence.size,
        "inline": inline,
    }


def proofs(wanted: list[Event]) -> tuple[list[dict[str, Any]], str]:
    checkpoint = checkpoints.make_checkpoint()
    out = [
        dataclasses.asdict(
            LedgerProof(
                event_seq=e.seq,
                action=e.action,
                leaf_hash=bytes(e.leaf_hash).hex(),
                tree_size=checkpoint.size,
                proof=[h.hex() for h in tree.inclusion_proof(e.seq, checkpoint.size)],
            )
        )
        for e in wanted
    ]
    return out, checkpoint.note


def write_bag(
    folder: Path, archive_number: str, matter: Matter, photo: Evidence, video: Evidence
) -> None:
    """Photo inline (data/originals/), video referenced by digest (references.json).
    bagit moves the folder's files into data/, so they are written at the top first."""
    data = folder
    (data / "records").mkdir(parents=True)
    (data / "originals").mkdir()
    (data / "ledger").mkdir()
    (data / "case-file.pdf").write_bytes(pdf(f"案卷 {archive_number}"))
    (data / "records" / "001-inquiry.pdf").write_bytes(pdf("询问笔录"))
    src = default_store().open(photo.sha256)
    try:
        with (data / "originals" / f"{photo.sha256}.jpg").open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    finally:
        src.close()
    references = [{**evidence_entry(video, False), "store": "default"}]
    (data / "references.json").write_text(json.dumps(references, ensure_ascii=False))
    record = matter.records.get()
    metadata = {
        "archive_number": archive_number,
        "matter_number": matter.number,
        "title": matter.title,
        "retention": Retention.YEARS_30,
        "records": [record.pk],
        "catalogue": [{"position": 1, "title": "询问笔录", "record_id": record.pk}],
        "evidence": [evidence_entry(photo, True), evidence_entry(video, False)],
        "档号": archive_number,
    }
    (data / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False))
    (data / "metadata.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<案卷><档号>{archive_number}</档号></案卷>\n'
    )
    wanted = list(
        Event.objects.filter(
            action="evidence.stored", object_id__in=[str(photo.pk), str(video.pk)]
        ).order_by("seq")
    )
    found, checkpoint = proofs(wanted)
    (data / "ledger" / "proofs.json").write_text(json.dumps(found))
    (data / "ledger" / "checkpoint.txt").write_text(checkpoint)
    (data / "ledger" / "verifier-key.txt").write_text(checkpoints.verifier().key + "\n")
    bagit.make_bag(
        str(folder),
        {"External-Identifier": archive_number, "Lawtrail-Matter": matter.number},
        checksums=["sha256", "sha512"],
    )
    sign_bag(folder, archive_number)


def sign_bag(folder: Path, archive_number: str) -> str:
    """Write tagmanifest-sm3.txt and signature.txt, as the builder does after bagit."""
    listed = read_manifest((folder / "tagmanifest-sha256.txt").read_text())
    lines = []
    for name in sorted(listed):
        s3 = sm3()
        s3.update((folder / name).read_bytes())
        lines.append(f"{s3.hexdigest()}  {name}\n")
    (folder / "tagmanifest-sm3.txt").write_text("".join(lines))
    bag_sha = file_digests(folder / "tagmanifest-sha256.txt")[0]
    text = f"{SIGNED_HEADER}\n{archive_number}\n{bag_sha}\n"
    (folder / "signature.txt").write_text(note.sign_note(text, [checkpoints.signer()]))
    return bag_sha


def build(p: Province, media: Media, archive_number: str = "610102-2026-30Y-CF-0001") -> Built:
    """A matter of county A with one record, a photo and a video, and its package."""
    matter = open_matter(p)
    write(p, matter, "inquiry")
    photo = ingest(p.officer_a.user, media.photo, matter=matter.number).evidence
    video = ingest(p.officer_a.user, media.video, matter=matter.number).evidence
    relative = f"{p.county_a.region_code}/{archive_number}"
    folder = Path(settings.LAWTRAIL_ARCHIVE_DIR) / relative
    folder.mkdir(parents=True)
    write_bag(folder, archive_number, matter, photo, video)
    custodian = custodian_of(p)
    bag_sha = hashlib.sha256((folder / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    info = bagit.Bag(str(folder)).info
    with transaction.atomic():
        package = ArchivePackage.objects.create(
            matter=matter,
            archive_number=archive_number,
            retention=Retention.YEARS_30,
            path=relative,
            bag_sha256=bag_sha,
            payload_oxum=info["Payload-Oxum"],
            files=int(info["Payload-Oxum"].split(".")[1]),
            references=1,
            created_by=custodian,
            created_at=timezone.now(),
        )
        events.append(
            events.Actor.of(custodian.user),
            CREATED,
            package,
            {"archive_number": archive_number, "bag_sha256": bag_sha},
            context=matter.context,
        )
    return Built(p, custodian, matter, package, folder, photo, video)
