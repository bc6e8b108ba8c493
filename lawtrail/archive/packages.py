"""The archive package (归档包) of a case file: a BagIt 1.0 bag (第十八条; DA/T 70, DA/T 46/63).

``build_bag`` writes the payload into ``LAWTRAIL_ARCHIVE_DIR/.staging/<uuid>/`` (a fresh folder,
because bagit moves files in place), bags it with SHA-256 and SHA-512 manifests, adds the SM3 tag
manifest and the signed note ``signature.txt``, fsyncs every file and folder, validates the whole
bag (``validate(fast=False)``, never the fast mode; SM3 recomputed; signature verified) and only
then renames it to ``<region>/<档号>/``. Originals are streamed from the store and checked
against their recorded digests before they go in; any failure removes the staging folder.

The layout is the contract with the 四性 checks (``checks.py``): bagit.txt, bag-info.txt,
manifest-/tagmanifest-sha256/sha512, tagmanifest-sm3.txt, signature.txt (signing
"lawtrail archive package\n<档号>\n<SHA-256 of tagmanifest-sha256.txt>\n"), and under data/:
case-file.pdf, records/NNN-<type>.pdf, originals/<sha256>.<ext>, references.json,
metadata.json, metadata.xml, ledger/proofs.json, ledger/checkpoint.txt, ledger/verifier-key.txt.

``bagit.make_bag`` changes the process's working folder while it runs, which would move it
under every other thread of a web server; it runs in a child process (``make_bag``), so
``build_bag`` is safe from a request, a command or a worker alike.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit  # type: ignore[import-untyped]
from django.utils.translation import gettext as _

from lawtrail.access.packages import original_suffix
from lawtrail.archive import documents
from lawtrail.archive.bagfolder import file_digests
from lawtrail.archive.contents import CaseFile, EvidenceEntry
from lawtrail.errors import ActionError, Refused, Unmet
from lawtrail.evidence.models import Evidence
from lawtrail.ledger import checkpoints, note
from lawtrail.records.models import Record
from lawtrail.storage import StoreError, default_store

STAGING = ".staging"
SIGNED_HEADER = "lawtrail archive package"
SOFTWARE = "lawtrail"


class PackageExists(ActionError):
    """The folder of this 档号 exists already: packages are never overwritten."""

    status = 409


class BagInvalid(ActionError):
    """The bag just built does not validate; nothing was kept."""

    status = 500


@dataclass(frozen=True)
class BuiltBag:
    path: Path  # the final folder
    relative: str  # <region>/<档号>, relative to LAWTRAIL_ARCHIVE_DIR
    archive_number: str
    bag_sha256: str  # SHA-256 of tagmanifest-sha256.txt
    payload_oxum: str
    files: int  # payload files
    references: int  # originals referenced by digest


def signed_text(archive_number: str, bag_sha256: str) -> str:
    return f"{SIGNED_HEADER}\n{archive_number}\n{bag_sha256}\n"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def json_bytes(data: Any) -> bytes:
    return (
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=_json_default)
        + "\n"
    ).encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as fh:
        fh.write(data)


def copy_original(entry: EvidenceEntry, dest: Path) -> None:
    """Stream the original from the store into ``dest``, hashing as it goes; refuse it (409,
    naming the evidence) unless its SHA-256 and SM3 are those recorded at ingest."""
    try:
        copied = default_store().copy_to(entry.sha256, dest)
    except (StoreError, OSError, ValueError) as error:
        raise _corrupt(entry, str(error)) from None
    if (copied.sha256, copied.sm3) != (entry.sha256, entry.sm3):
        raise _corrupt(entry, _("its bytes differ from the digests recorded at ingest"))


def _corrupt(entry: EvidenceEntry, why: str) -> Refused:
    return Refused(
        _("The stored original of evidence %(id)s cannot go into the archive: %(why)s.")
        % {"id": entry.evidence_id, "why": why},
        [
            Unmet(
                "archive.original_corrupt",
                "第十九条; 第二十六条; DA/T 70 真实性",
                _("The stored original of evidence %(id)s (%(name)s, SHA-256 %(sha)s) %(why)s.")
                % {
                    "id": entry.evidence_id,
                    "name": entry.filename or "-",
                    "sha": entry.sha256,
                    "why": why,
                },
            )
        ],
    )


RETENTION_LABELS = {"permanent": "永久", "30y": "30年", "10y": "10年"}


def _retention_label(retention: str) -> str:
    return RETENTION_LABELS.get(retention, retention)


def da_t_46(case: CaseFile, files: list[dict[str, Any]]) -> dict[str, Any]:
    """The case file's DA/T 46 (文书) and DA/T 63 (录音录像) elements, by their Chinese names."""
    return {
        "档号": case.archive_number,
        "题名": case.title,
        "责任者": case.agency_name,
        "日期": case.ended_at.date().isoformat() if case.ended_at else "",
        "年度": case.ended_at.year if case.ended_at else None,
        "保管期限": _retention_label(case.retention),
        "密级": str(case.extra.get("level_label", "")),
        "全宗号": case.agency_region,
        "件数": len(case.records),
        "案件编号": case.matter_number,
        "当事人": case.parties,
        "承办人": case.handlers,
        "电子文件": [
            {
                "计算机文件名": f["path"],
                "文件格式": f["format"],
                "计算机文件大小": f["size"],
                "数字摘要": [
                    {"摘要算法": "SHA-256", "数字摘要值": f["sha256"]},
                    {"摘要算法": "SM3", "数字摘要值": f["sm3"]},
                ],
            }
            for f in files
        ],
        "录音录像": [
            {
                "题名": e.filename,
                "类别": e.kind,
                "摄录者": e.officer,
                "摄录设备": e.device,
                "开始时间": e.recorded_from.isoformat() if e.recorded_from else "",
                "结束时间": e.recorded_to.isoformat() if e.recorded_to else "",
                "文件格式": e.content_type,
                "计算机文件大小": e.size,
                "数字摘要": [
                    {"摘要算法": "SHA-256", "数字摘要值": e.sha256},
                    {"摘要算法": "SM3", "数字摘要值": e.sm3},
                ],
                "存储位置": "data/originals" if e.inline else "data/references.json",
            }
            for e in case.evidence
        ],
    }


def _xml_add(parent: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        holder = ET.SubElement(parent, name)
        for item in value:
            _xml_add(holder, "条目", item)
    elif isinstance(value, dict):
        holder = ET.SubElement(parent, name)
        for key, inner in value.items():
            _xml_add(holder, key, inner)
    else:
        ET.SubElement(parent, name).text = "" if value is None else str(value)


def metadata_xml(case: CaseFile, elements: dict[str, Any]) -> bytes:
    """``<电子档案元数据>`` with DA/T 46 / DA/T 63 element names; etree escapes the text."""
    root = ET.Element("电子档案元数据", {"标准": "DA/T 46-2009; DA/T 63-2017"})
    for key, value in elements.items():
        _xml_add(root, key, value)
    catalogue = ET.SubElement(root, "卷内目录")
    for entry in case.catalogue:
        row = ET.SubElement(catalogue, "卷内文件")
        for name, value in (
            ("序号", entry.position),
            ("文号", entry.number),
            ("责任者", entry.responsible),
            ("题名", entry.title),
            ("日期", entry.date.isoformat() if entry.date else ""),
            ("页号", entry.pages),
            ("备注", entry.note),
        ):
            ET.SubElement(row, name).text = str(value)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


FORMATS = {".pdf": "PDF", ".json": "JSON", ".xml": "XML", ".txt": "TXT"}


def _file_row(staging: Path, path: Path, known: dict[Path, tuple[str, str, int]]) -> dict[str, Any]:
    # An original was hashed as it was copied: not read a second time for its metadata.
    sha, s3, size = known.get(path) or file_digests(path)
    fmt = FORMATS.get(path.suffix.lower(), path.suffix.lstrip(".").upper())
    rel = "data/" + path.relative_to(staging).as_posix()
    return {"path": rel, "format": fmt, "size": size, "sha256": sha, "sm3": s3}


def write_payload(case: CaseFile, staging: Path) -> int:
    """Everything under data/ (still at the top of ``staging``: bagit moves it). Returns the
    number of originals referenced by digest."""
    _write(staging / "case-file.pdf", documents.case_file_pdf(case))
    records = {r.pk: r for r in Record.objects.filter(pk__in=case.records)}
    by_record = {e.record_id: e.position for e in case.catalogue if e.record_id is not None}
    for record_id in case.records:
        record = records[record_id]
        name = f"{by_record[record_id]:03d}-{record.record_type}.pdf"
        _write(staging / "records" / name, documents.record_pdf(record))
    references = []
    known: dict[Path, tuple[str, str, int]] = {}
    (staging / "originals").mkdir()
    rows = {e.pk: e for e in Evidence.objects.filter(pk__in=[e.evidence_id for e in case.evidence])}
    for entry in case.evidence:
        evidence = rows[entry.evidence_id]
        if entry.inline:
            dest = staging / "originals" / f"{entry.sha256}{original_suffix(evidence)}"
            copy_original(entry, dest)
            known[dest] = (entry.sha256, entry.sm3, entry.size)
        else:
            references.append(
                {
                    "evidence_id": entry.evidence_id,
                    "sha256": entry.sha256,
                    "sm3": entry.sm3,
                    "size": entry.size,
                    "kind": entry.kind,
                    "filename": entry.filename,
                    "store": evidence.store,
                }
            )
    if not any((staging / "originals").iterdir()):
        (staging / "originals").rmdir()
    _write(staging / "references.json", json_bytes(references))
    _write(
        staging / "ledger" / "proofs.json",
        json_bytes([dataclasses.asdict(p) for p in case.proofs]),
    )
    _write(staging / "ledger" / "checkpoint.txt", case.checkpoint.encode("utf-8"))
    _write(staging / "ledger" / "verifier-key.txt", (case.verifier_key + "\n").encode("utf-8"))
    # Every payload file but the metadata itself.
    files = [_file_row(staging, p, known) for p in sorted(staging.rglob("*")) if p.is_file()]
    elements = da_t_46(case, files)
    metadata = {**dataclasses.asdict(case), "da_t_46": elements}
    _write(staging / "metadata.json", json_bytes(metadata))
    _write(staging / "metadata.xml", metadata_xml(case, elements))
    return len(references)


def bag_info(case: CaseFile) -> dict[str, str]:
    return {
        "Source-Organization": case.agency_name,
        "External-Identifier": case.archive_number,
        "External-Description": case.title,
        "Bag-Software-Agent": SOFTWARE,
        "Lawtrail-Matter": case.matter_number,
        "Lawtrail-Retention": case.retention,
    }


def read_manifest(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _sep, name = line.strip().partition(" ")
        if name:
            out.append((digest, name.strip()))
    return out


def write_sm3_tagmanifest(bag_dir: Path) -> None:
    """SM3 (GB/T 32905) of every tag file the SHA-256 tag manifest lists, same format."""
    lines = [
        f"{file_digests(bag_dir / name)[1]}  {name}"
        for _digest, name in read_manifest(bag_dir / "tagmanifest-sha256.txt")
    ]
    _write(bag_dir / "tagmanifest-sm3.txt", ("\n".join(lines) + "\n").encode("utf-8"))


def fsync_tree(root: Path) -> None:
    """fsync every file, then every folder bottom-up (names durable after contents)."""
    for folder, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def validate(bag_dir: Path, archive_number: str) -> str:
    """Full BagIt validation, the SM3 tag manifest and the signature; returns the bag digest."""
    try:
        bagit.Bag(str(bag_dir)).validate(fast=False)
    except bagit.BagError as error:
        raise BagInvalid(_("The bag does not validate: %(error)s") % {"error": error}) from None
    for digest, name in read_manifest(bag_dir / "tagmanifest-sm3.txt"):
        if file_digests(bag_dir / name)[1] != digest:
            raise BagInvalid(_("tagmanifest-sm3.txt: %(name)s differs") % {"name": name})
    bag_sha = file_digests(bag_dir / "tagmanifest-sha256.txt")[0]
    try:
        opened = note.open_note(
            (bag_dir / "signature.txt").read_text(encoding="utf-8"), [checkpoints.verifier()]
        )
    except note.NoteError as error:
        raise BagInvalid(_("signature.txt: %(error)s") % {"error": error}) from None
    if opened.text != signed_text(archive_number, bag_sha):
        raise BagInvalid(_("signature.txt does not sign this bag"))
    return bag_sha


def clean_staging(dest_root: Path, older_than: float = 24 * 3600) -> None:
    """Remove staging folders a killed process left behind (a day old: none is still built)."""
    now = time.time()
    for folder in (dest_root / STAGING).glob("*"):
        try:
            if now - folder.stat().st_mtime > older_than:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


#: Run by ``make_bag`` in a child process: bagit.make_bag with the bag-info from stdin.
MAKE_BAG = (
    "import bagit, json, sys; "
    "bagit.make_bag(sys.argv[1], bag_info=json.load(sys.stdin), checksums=['sha256', 'sha512'])"
)


def make_bag(folder: Path, info: dict[str, str]) -> None:
    """``bagit.make_bag`` (SHA-256 and SHA-512 manifests) in a child process: it chdirs."""
    done = subprocess.run(
        [sys.executable, "-c", MAKE_BAG, str(folder)],
        input=json.dumps(info, ensure_ascii=False).encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            "bagit could not make the bag: " + done.stderr.decode("utf-8", "replace")[-2000:]
        )


def build_bag(case: CaseFile, dest_root: Path) -> BuiltBag:
    """Build, validate and publish the bag of ``case`` under ``dest_root``; see the module."""
    if not case.archive_number:
        raise ValueError("the case file has no archive number")
    relative = f"{case.agency_region}/{case.archive_number}"
    final = dest_root / relative
    if final.exists():
        raise PackageExists(
            _("%(path)s exists already; packages are never overwritten.") % {"path": final}
        )
    try:
        key = checkpoints.signer()
    except checkpoints.KeyMissing as error:
        raise ActionError(str(error)) from None
    clean_staging(dest_root)
    staging = dest_root / STAGING / str(uuid.uuid4())
    staging.mkdir(parents=True)
    try:
        references = write_payload(case, staging)
        make_bag(staging, bag_info(case))
        bag = bagit.Bag(str(staging))
        write_sm3_tagmanifest(staging)
        bag_sha = file_digests(staging / "tagmanifest-sha256.txt")[0]
        signed = note.sign_note(signed_text(case.archive_number, bag_sha), [key])
        _write(staging / "signature.txt", signed.encode("utf-8"))
        fsync_tree(staging)
        validate(staging, case.archive_number)
        oxum = str(bag.info.get("Payload-Oxum", ""))
        files = int(oxum.partition(".")[2] or 0)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            raise PackageExists(
                _("%(path)s exists already; packages are never overwritten.") % {"path": final}
            )
        try:
            # A folder of the same name made meanwhile is not empty: rename refuses it.
            os.rename(staging, final)
        except OSError:
            raise PackageExists(
                _("%(path)s exists already; packages are never overwritten.") % {"path": final}
            ) from None
        fsync_dir(final.parent)
        fsync_dir(dest_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BuiltBag(
        path=final,
        relative=relative,
        archive_number=case.archive_number,
        bag_sha256=bag_sha,
        payload_oxum=oxum,
        files=files,
        references=references,
    )


def remove_bag(built: BuiltBag) -> None:
    """Take back a published bag whose recording failed (the database never named it)."""
    shutil.rmtree(built.path, ignore_errors=True)
    if built.path.parent.exists():
        fsync_dir(built.path.parent)
