"""One bag folder as the 四性 checks read it (the layout of issue 8's brief: the contract
between the package builder and the checker), each file read once and hashed by streaming."""

from __future__ import annotations

import builtins
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lawtrail.archive.models import ArchivePackage, PackageCheck
from lawtrail.storage.digests import digest_file

CREATED = "archive.package.created"
CHECKED = "archive.package.checked"
SIGNED_HEADER = "lawtrail archive package"
PROPERTIES = [p.value for p in PackageCheck.Property]
TAG_FILES = frozenset(
    {
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "manifest-sha512.txt",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt",
        "tagmanifest-sm3.txt",
        "signature.txt",
    }
)
FIXED_PAYLOAD = frozenset(
    {
        "data/case-file.pdf",
        "data/references.json",
        "data/metadata.json",
        "data/metadata.xml",
        "data/ledger/proofs.json",
        "data/ledger/checkpoint.txt",
        "data/ledger/verifier-key.txt",
    }
)
RECORD_PDF = re.compile(r"data/records/(\d{3})-[A-Za-z0-9_.-]+\.pdf")
ORIGINAL = re.compile(r"data/originals/([0-9a-f]{64})\.[A-Za-z0-9]{1,8}")


class NotABag(ValueError):
    """The folder is not a bag at all (no bagit.txt): bad input, not a failed check."""


@dataclass(frozen=True)
class CheckResult:
    """One property's result: every item checked, each ``{item, passed, detail}``."""

    property: str
    items: list[dict[str, Any]]

    @builtins.property  # the field ``property`` shadows the builtin in this class body
    def passed(self) -> bool:
        return all(i["passed"] for i in self.items)

    @builtins.property
    def failed(self) -> list[dict[str, Any]]:
        return [i for i in self.items if not i["passed"]]

    def as_dict(self) -> dict[str, Any]:
        return {"property": self.property, "passed": self.passed, "items": self.items}


def item(name: str, passed: bool, detail: str = "") -> dict[str, Any]:
    return {"item": name, "passed": passed, "detail": detail}


@dataclass
class Folder:
    """What the checks read of one bag folder, each file read once."""

    path: Path
    #: The package row when checking a recorded package (None: a copy, ``check_folder``).
    package: ArchivePackage | None
    deep: bool
    info: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, str] = field(default_factory=dict)  # payload path -> SHA-256
    metadata: dict[str, Any] | None = None
    metadata_error: str = ""
    references: list[dict[str, Any]] = field(default_factory=list)
    references_error: str = ""

    def file(self, name: str) -> Path:
        return self.path / name

    def text(self, name: str) -> str | None:
        try:
            return self.file(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def archive_number(self) -> str:
        return (
            self.package.archive_number
            if self.package
            else self.info.get("External-Identifier", "")
        )

    def evidence_entries(self) -> list[dict[str, Any]]:
        found = (self.metadata or {}).get("evidence")
        return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []

    def catalogue(self) -> list[dict[str, Any]]:
        found = (self.metadata or {}).get("catalogue")
        return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def load(path: Path, package: ArchivePackage | None, deep: bool) -> Folder:
    if not path.is_dir() or not (path / "bagit.txt").is_file():
        raise NotABag(_("%(path)s is not a bag (no bagit.txt).") % {"path": path})
    folder = Folder(path=path, package=package, deep=deep)
    for line in (folder.text("bag-info.txt") or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and not line[:1].isspace():
            folder.info[key.strip()] = value.strip()
    folder.manifest = read_manifest(folder.text("manifest-sha256.txt") or "")
    raw = folder.text("data/metadata.json")
    try:
        loaded = json.loads(raw) if raw is not None else None
        if not isinstance(loaded, dict):
            raise ValueError(_("not a JSON object"))
        folder.metadata = loaded
    except ValueError as error:
        folder.metadata_error = str(error) if raw is not None else _("missing")
    raw = folder.text("data/references.json")
    try:
        refs = json.loads(raw) if raw is not None else None
        if not isinstance(refs, list) or not all(isinstance(r, dict) for r in refs):
            raise ValueError(_("not a JSON list of objects"))
        folder.references = refs
    except ValueError as error:
        folder.references_error = str(error) if raw is not None else _("missing")
    return folder


def read_manifest(text: str) -> dict[str, str]:
    """``<hex>  <path>`` lines (BagIt 1.0 §2.1.3) as path -> digest."""
    out = {}
    for line in text.splitlines():
        digest, _sep, name = line.strip().partition(" ")
        if name:
            out[name.strip().replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")] = (
                digest.lower()
            )
    return out


def file_digests(path: Path) -> tuple[str, str, int]:
    """SHA-256, SM3 and size of a file, streamed, both digests in parallel."""
    found = digest_file(path)
    return found.sha256, found.sm3, found.size


def payload_files(path: Path) -> list[str]:
    """Every file under data/ as a bag-relative POSIX path (links not followed)."""
    out = []
    for root, _dirs, files in os.walk(path / "data"):
        for name in files:
            out.append((Path(root) / name).relative_to(path).as_posix())
    return sorted(out)
