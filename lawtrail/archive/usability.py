"""可用性 (usability, DA/T 70-2018 §6.3) of an archive package: can the files still be read?

Each PDF opens with pypdf and has extractable text on its first page, with its fonts embedded
(a reader years from now must not depend on fonts installed on the machine); metadata.json
parses and has the fields the archive needs; metadata.xml is well-formed; each audio, video or
photo original probes as readable media (``lawtrail.evidence.probe``); every payload file is in
a format on the allowed list, judged by its bytes, not its name.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from lawtrail.evidence.probe import probe

if TYPE_CHECKING:
    from lawtrail.archive.bagfolder import Folder

#: What metadata.json must hold for the case file to be found and understood again.
REQUIRED_METADATA = (
    "archive_number",
    "matter_number",
    "title",
    "retention",
    "catalogue",
    "evidence",
)
MEDIA_KINDS = frozenset({"audio", "video", "photo"})
#: Formats kept in the archive (GB/T 33190 PDF, MP4, JPEG, PNG, WAV, MP3, AAC; JSON, XML, text).
TEXT_SUFFIXES = {".json": "JSON", ".xml": "XML", ".txt": "TXT"}


def item(name: str, passed: bool, detail: str = "") -> dict[str, Any]:
    return {"item": name, "passed": passed, "detail": detail}


def sniff(path: Path) -> str:
    """The format of a file by its first bytes; "" when not on the allowed list."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head[4:8] == b"ftyp":
        return "MP4"  # ISO base media: MP4, M4A (AAC in MP4)
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "WAV"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        # MPEG audio frame sync: MP3 (layer bits 01) or AAC ADTS (layer bits 00)
        return "AAC" if head[1] & 0x06 == 0 and not head.startswith(b"ID3") else "MP3"
    suffix = TEXT_SUFFIXES.get(path.suffix.lower(), "")
    if suffix:
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    chunk.decode("utf-8")  # a split character fails: fine for our own files
        except UnicodeDecodeError:
            return ""
        return suffix
    return ""


def pdf_problem(path: Path) -> str:
    """ "" when the PDF opens, has text and embeds its fonts; else what is wrong."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with path.open("rb") as fh:
            fh.seek(-1024, 2) if path.stat().st_size > 1024 else fh.seek(0)
            if b"%%EOF" not in fh.read():
                return _("no %%EOF: the file is cut short")
        reader = PdfReader(path)
        if not reader.pages:
            return _("no pages")
        if not reader.pages[0].extract_text().strip():
            return _("no extractable text on page 1")
        for page in reader.pages:
            fonts = page.get("/Resources", {}).get_object().get("/Font", {}).get_object()
            for name, ref in fonts.items():
                if not embedded(ref.get_object()):
                    return _("font %(name)s is not embedded") % {"name": name}
    except (PyPdfError, OSError, ValueError, KeyError, AttributeError) as error:
        return _("does not open: %(error)s") % {"error": error}
    return ""


def embedded(font: Any) -> bool:
    if font.get("/Subtype") == "/Type0":
        return all(embedded(d.get_object()) for d in font.get("/DescendantFonts", []))
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return bool(font.get("/Subtype") == "/Type3")  # drawn by the PDF itself
    d = descriptor.get_object()
    return any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def metadata_items(folder: Folder) -> list[dict[str, Any]]:
    out = []
    if folder.metadata is None:
        detail = _("data/metadata.json: %(error)s") % {"error": folder.metadata_error}
        out.append(item(_("metadata.json"), False, detail))
    else:
        lacking = [k for k in REQUIRED_METADATA if k not in folder.metadata]
        wrong = folder.metadata.get("archive_number") not in (None, folder.archive_number)
        problems = [_("data/metadata.json lacks %(key)s") % {"key": k} for k in lacking]
        if wrong:
            problems.append(_("data/metadata.json names another archive number"))
        out.append(item(_("metadata.json"), not problems, "; ".join(problems)))
    try:
        ET.parse(folder.file("data/metadata.xml"))
        out.append(item(_("metadata.xml"), True, _("well-formed")))
    except (ET.ParseError, OSError) as error:
        detail = _("data/metadata.xml: %(error)s") % {"error": error}
        out.append(item(_("metadata.xml"), False, detail))
    json_files = ["data/references.json", "data/ledger/proofs.json"]
    for name in json_files:
        try:
            json.loads(folder.file(name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            detail = _("%(name)s: %(error)s") % {"name": name, "error": error}
            out.append(item(name, False, detail))
    return out


def usability_items(folder: Folder) -> list[dict[str, Any]]:
    from lawtrail.archive.bagfolder import ORIGINAL, payload_files

    out = []
    kinds = {str(e.get("sha256")): str(e.get("kind")) for e in folder.evidence_entries()}
    bad_formats, bad_pdfs, bad_media, pdfs, probed = [], [], [], 0, 0
    for name in payload_files(folder.path):
        path = folder.file(name)
        if path.is_symlink():
            continue  # 安全性 names it; never follow it
        found = sniff(path)
        if not found:
            bad_formats.append(_("%(name)s: format not on the allowed list") % {"name": name})
        if found == "PDF":
            pdfs += 1
            problem = pdf_problem(path)
            if problem:
                bad_pdfs.append(f"{name}: {problem}")
        match = ORIGINAL.fullmatch(name)
        if match and kinds.get(match.group(1)) in MEDIA_KINDS:
            probed += 1
            result = probe(path)
            if not result.readable:
                detail = _("%(name)s does not read as %(kind)s media (%(problem)s)") % {
                    "name": name,
                    "kind": kinds[match.group(1)],
                    "problem": result.media.get("problem", result.kind),
                }
                bad_media.append(detail)
    out.append(item(_("PDFs open with text"), not bad_pdfs, "; ".join(bad_pdfs) or str(pdfs)))
    out.extend(metadata_items(folder))
    out.append(item(_("originals play"), not bad_media, "; ".join(bad_media) or str(probed)))
    out.append(item(_("allowed formats"), not bad_formats, "; ".join(bad_formats)))
    return out
