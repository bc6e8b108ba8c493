"""The four checks of an archive package (四性检测, DA/T 70-2018; 第十八条, 档案法 第三十七条).

- 真实性 authenticity: the signature over the tag manifest, the bag's digest as recorded, the
  originals' digests as recorded at ingest, the ledger proofs against the signed checkpoint.
- 完整性 integrity: full BagIt validation (every payload file re-hashed, never fast mode), the
  SM3 tag manifest, every catalogued record and every evidence present, referenced originals
  present in the store (re-hashed when ``deep``), no extra payload files.
- 可用性 usability: each PDF opens and has text, metadata parses, originals probe as media,
  formats on the allowed list.
- 安全性 security: no links, nothing outside the bag, no world-writable or executable files,
  the folder under LAWTRAIL_ARCHIVE_DIR, no unexpected tag files.

``run_checks`` checks a recorded ``ArchivePackage`` and records four ``PackageCheck`` rows and
four ``archive.package.checked`` events in one transaction; ``check_folder`` checks any bag
folder (a copy handed to an archive) and records nothing. Every item names the file that failed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lawtrail.archive.authenticity import authenticity
from lawtrail.archive.bagfolder import (
    CHECKED,
    CREATED,
    FIXED_PAYLOAD,
    ORIGINAL,
    PROPERTIES,
    RECORD_PDF,
    SIGNED_HEADER,
    TAG_FILES,
    CheckResult,
    Folder,
    NotABag,
    file_digests,
    item,
    load,
    payload_files,
    read_manifest,
)
from lawtrail.archive.models import ArchivePackage, PackageCheck
from lawtrail.archive.usability import usability_items
from lawtrail.ledger import events
from lawtrail.storage import StoreError, default_store

__all__ = [
    "CHECKED",
    "CREATED",
    "SIGNED_HEADER",
    "CheckResult",
    "NotABag",
    "check_folder",
    "file_digests",
    "latest_checks",
    "read_manifest",
    "run_checks",
]


# ------------------------------------------------------------------------ 完整性


def bagit_items(folder: Folder) -> list[dict[str, Any]]:
    import bagit  # type: ignore[import-untyped]

    what = _("BagIt validation")
    try:
        bagit.Bag(str(folder.path)).validate(fast=False)
    except bagit.BagValidationError as error:
        named = [str(d) for d in error.details] or compare_payload(folder) or [error.message]
        return [item(what, False, "; ".join(named))]
    except bagit.BagError as error:
        return [item(what, False, str(error))]
    return [
        item(
            what,
            True,
            _("every file re-hashed and as listed (%(oxum)s)")
            % {"oxum": folder.info.get("Payload-Oxum", "")},
        )
    ]


def compare_payload(folder: Folder) -> list[str]:
    """bagit stops at a wrong Payload-Oxum without naming files; name them here."""
    present = set(payload_files(folder.path))
    out = [
        _("%(name)s: not in the manifest") % {"name": n}
        for n in sorted(present - set(folder.manifest))
    ]
    out += [_("%(name)s: missing") % {"name": n} for n in sorted(set(folder.manifest) - present)]
    for name in sorted(present & set(folder.manifest)):
        if file_digests(folder.file(name))[0] != folder.manifest[name]:
            out.append(_("%(name)s: SHA-256 differs from the manifest") % {"name": name})
    return out


def sm3_items(folder: Folder) -> list[dict[str, Any]]:
    what = _("SM3 tag manifest")
    listed = read_manifest(folder.text("tagmanifest-sm3.txt") or "")
    wanted = set(read_manifest(folder.text("tagmanifest-sha256.txt") or ""))
    problems = [
        _("tagmanifest-sm3.txt: %(name)s not listed") % {"name": n}
        for n in sorted(wanted - set(listed))
    ]
    for name, digest in sorted(listed.items()):
        path = folder.file(name)
        if not path.is_file() or file_digests(path)[1] != digest:
            problems.append(_("tagmanifest-sm3.txt: %(name)s SM3 differs") % {"name": name})
    if not listed:
        problems.append(_("tagmanifest-sm3.txt is missing or empty"))
    return [
        item(what, not problems, "; ".join(problems) or _("%(n)d tag files") % {"n": len(listed)})
    ]


def contents_items(folder: Folder) -> list[dict[str, Any]]:
    out = []
    present = set(payload_files(folder.path))
    for name in (
        "data/case-file.pdf",
        "data/metadata.json",
        "data/metadata.xml",
        "data/references.json",
        "data/ledger/proofs.json",
        "data/ledger/checkpoint.txt",
        "data/ledger/verifier-key.txt",
    ):
        if name not in present:
            out.append(
                item(
                    _("file %(name)s") % {"name": name},
                    False,
                    _("%(name)s is missing") % {"name": name},
                )
            )
    records = {int(m.group(1)) for n in present if (m := RECORD_PDF.fullmatch(n))}
    missing = [
        f"data/records/{int(e.get('position', 0)):03d}-*.pdf"
        for e in folder.catalogue()
        if e.get("record_id") is not None and int(e.get("position", 0)) not in records
    ]
    if folder.metadata is None:
        missing.append(_("data/metadata.json: %(error)s") % {"error": folder.metadata_error})
    out.append(
        item(
            _("record PDFs"),
            not missing,
            "; ".join(_("%(name)s is missing") % {"name": m} for m in missing)
            or _("%(n)d records") % {"n": len(records)},
        )
    )
    originals = {m.group(1) for n in present if (m := ORIGINAL.fullmatch(n))}
    referenced = {str(r.get("sha256")) for r in folder.references}
    lacking = [
        _("evidence %(id)s (%(sha)s) is neither in data/originals/ nor in data/references.json")
        % {"id": e.get("evidence_id"), "sha": e.get("sha256")}
        for e in folder.evidence_entries()
        if e.get("sha256") not in originals and e.get("sha256") not in referenced
    ]
    if folder.references_error:
        lacking.append(_("data/references.json: %(error)s") % {"error": folder.references_error})
    out.append(
        item(
            _("evidence"),
            not lacking,
            "; ".join(lacking)
            or _("%(inline)d in the bag, %(refs)d referenced")
            % {"inline": len(originals), "refs": len(referenced)},
        )
    )
    out.extend(store_items(folder))
    listed = {str(e.get("sha256")) for e in folder.evidence_entries()}
    extra = [
        n
        for n in sorted(present)
        if not (
            n in FIXED_PAYLOAD
            or RECORD_PDF.fullmatch(n)
            or ((m := ORIGINAL.fullmatch(n)) and m.group(1) in listed)
        )
    ]
    out.append(
        item(
            _("no extra payload files"),
            not extra,
            "; ".join(_("%(name)s: unexpected file") % {"name": n} for n in extra),
        )
    )
    return out


def store_items(folder: Folder) -> list[dict[str, Any]]:
    """Each referenced original in the store, re-hashed (streamed) when ``deep``."""
    out = []
    store = default_store()
    for ref in folder.references:
        sha = str(ref.get("sha256"))
        what = _("referenced original %(sha)s") % {"sha": sha}
        try:
            size = store.size(sha)
            if size != ref.get("size"):
                raise StoreError(
                    _("the store holds %(size)d bytes, not %(expected)s")
                    % {"size": size, "expected": ref.get("size")}
                )
            if folder.deep:
                found = store.verify(sha, expected_sm3=str(ref.get("sm3")))
                if not found.ok:
                    raise StoreError(f"{found.problem} {found.detail}".strip())
        except (StoreError, ValueError) as error:
            out.append(
                item(
                    what,
                    False,
                    _("data/references.json %(sha)s: %(error)s")
                    % {"sha": sha, "error": error or _("missing from the store")},
                )
            )
            continue
        how = _("re-hashed") if folder.deep else _("present, size checked")
        out.append(item(what, True, _("in the store, %(how)s") % {"how": how}))
    return out


def integrity(folder: Folder) -> list[dict[str, Any]]:
    return [*bagit_items(folder), *sm3_items(folder), *contents_items(folder)]


# ------------------------------------------------------------------------ 安全性


def security(folder: Folder) -> list[dict[str, Any]]:
    links, writable, executable, odd = [], [], [], []
    for root, dirs, files in os.walk(folder.path):
        for name in [*dirs, *files]:
            path = Path(root) / name
            rel = path.relative_to(folder.path).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                links.append(rel)
                continue
            if mode & stat.S_IWOTH:
                writable.append(rel)
            if stat.S_ISREG(mode) and mode & 0o111:
                executable.append(rel)
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                odd.append(rel)
    if folder.path.lstat().st_mode & stat.S_IWOTH:
        writable.append(".")
    outside = [
        n
        for n in [*folder.manifest, *read_manifest(folder.text("tagmanifest-sha256.txt") or "")]
        if n.startswith("/") or ".." in Path(n).parts
    ]
    top = sorted(p.name for p in folder.path.iterdir() if p.name != "data")
    unexpected = [n for n in top if n not in TAG_FILES]
    out = [
        item(
            _("no symbolic links"),
            not links,
            "; ".join(_("%(name)s is a symbolic link") % {"name": n} for n in links),
        ),
        item(
            _("nothing outside the bag"),
            not outside and not odd,
            "; ".join(
                [
                    *(_("%(name)s points outside the bag") % {"name": n} for n in outside),
                    *(_("%(name)s is not a regular file") % {"name": n} for n in odd),
                ]
            ),
        ),
        item(
            _("no world-writable files"),
            not writable,
            "; ".join(_("%(name)s is world-writable") % {"name": n} for n in writable),
        ),
        item(
            _("no executable files"),
            not executable,
            "; ".join(_("%(name)s is executable") % {"name": n} for n in executable),
        ),
        item(
            _("no unexpected tag files"),
            not unexpected,
            "; ".join(_("%(name)s: unexpected tag file") % {"name": n} for n in unexpected),
        ),
    ]
    if folder.package is not None:
        archive_root = Path(settings.LAWTRAIL_ARCHIVE_DIR).resolve()
        inside = folder.path.resolve().is_relative_to(archive_root)
        out.append(
            item(
                _("under the archive folder"),
                inside,
                ""
                if inside
                else _("%(path)s is not under %(root)s")
                % {"path": folder.path, "root": archive_root},
            )
        )
    return out


# ------------------------------------------------------------------------ running them


def check(folder: Folder) -> list[CheckResult]:
    return [
        CheckResult(PackageCheck.Property.AUTHENTICITY, authenticity(folder)),
        CheckResult(PackageCheck.Property.INTEGRITY, integrity(folder)),
        CheckResult(PackageCheck.Property.USABILITY, usability_items(folder)),
        CheckResult(PackageCheck.Property.SECURITY, security(folder)),
    ]


def package_folder(package: ArchivePackage) -> Path:
    return Path(settings.LAWTRAIL_ARCHIVE_DIR) / package.path


def check_folder(path: Path, *, deep: bool = True) -> list[CheckResult]:
    """Check a bag folder that has no package row (a copy); nothing is recorded.
    Raises ``NotABag`` when the folder is no bag at all."""
    return check(load(Path(path), None, deep))


def run_checks(
    package: ArchivePackage, occasion: str, *, deep: bool = True, user: Any = None
) -> list[PackageCheck]:
    """Check ``package`` now and record four ``PackageCheck`` rows and four
    ``archive.package.checked`` events in one transaction (DA/T 70; 第十八条)."""
    folder = package_folder(package)
    try:
        # Reading and hashing the bag takes long: outside the transaction.
        results = check(load(folder, package, deep))
    except NotABag as error:
        results = [
            CheckResult(prop, [item(_("package folder"), False, str(error))]) for prop in PROPERTIES
        ]
    actor = events.Actor.of(user) if user is not None else events.SYSTEM
    at = timezone.now()
    rows = []
    with transaction.atomic():
        for result in results:
            row = PackageCheck.objects.create(
                package=package,
                property=result.property,
                passed=result.passed,
                items=result.items,
                at=at,
                occasion=occasion,
            )
            events.append(
                actor,
                CHECKED,
                row,
                {
                    "archive_number": package.archive_number,
                    "property": str(result.property),
                    "passed": result.passed,
                    "failed": result.failed,
                },
                context=package.matter.context,
            )
            rows.append(row)
    return rows


def latest_checks(package: ArchivePackage) -> dict[str, PackageCheck]:
    """The latest check of each property."""
    out: dict[str, PackageCheck] = {}
    for row in package.checks.order_by("-at", "-id"):
        out.setdefault(row.property, row)
    return out


@dataclass
class VerifyAll:
    """Every archive package checked by ``lawtrail verify`` (DESIGN.md invariant 6)."""

    checked: list[tuple[ArchivePackage, list[PackageCheck]]]

    @property
    def ok(self) -> bool:
        return all(row.passed for _package, rows in self.checked for row in rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "packages": [
                {
                    "archive_number": package.archive_number,
                    "passed": all(row.passed for row in rows),
                    "checks": [
                        {"property": row.property, "passed": row.passed, "items": row.items}
                        for row in rows
                    ],
                }
                for package, rows in self.checked
            ],
        }

    def lines(self) -> list[str]:
        lines = [_("archive: %(n)d package(s) checked (四性)") % {"n": len(self.checked)}]
        for package, rows in self.checked:
            for row in rows:
                for failed in (i for i in row.items if not i.get("passed")):
                    lines.append(
                        f"  - {package.archive_number} {row.get_property_display()}: "
                        f"{failed.get('item')}: {failed.get('detail')}"
                    )
        if self.ok:
            lines.append(_("archive: OK — every package passed its four checks"))
        return lines


def verify_all_packages() -> VerifyAll:
    """Run the four checks on every package (the store's originals are re-hashed by the
    store's own verification, so referenced originals are checked for presence and size)."""
    return VerifyAll(
        [
            (package, run_checks(package, "verify", deep=False))
            for package in ArchivePackage.objects.select_related("matter").order_by("id")
        ]
    )
