"""Every record type as the PDF of its official form (卫生部令第87号), and the case-file PDF
(第十八条): text read back with pypdf, fonts embedded, same bytes for the same version, and the
卷内目录's 页号 pointing at the pages where each part really starts."""

from __future__ import annotations

import datetime
import io
import re
import time
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.utils import timezone
from pypdf.generic import ContentStream

from lawtrail.archive.contents import CaseFile, CatalogueEntry, EvidenceEntry, LedgerProof
from lawtrail.archive.documents import EVIDENCE_LIST, PROOFS, case_file_pdf, record_pdf
from lawtrail.evidence.tests.fixtures import evidence_home, ingest  # noqa: F401
from lawtrail.ledger import checkpoints, tree
from lawtrail.ledger.models import Event
from lawtrail.matters.models import Matter
from lawtrail.records import actions
from lawtrail.records.catalogue import FieldSpec, all_types, get_type, signer_role
from lawtrail.records.models import Record
from lawtrail.records.tests.helpers import FIELDS, open_matter, png, sign, write
from lawtrail.testing import Province

PARTY = "赵某"


def squash(text: str) -> str:
    """pypdf puts NUL and spaces between the glyphs of fpdf2's CJK subsets."""
    return re.sub(r"\s+", "", text.replace("\x00", ""))


def page_text(page: Any, reader: pypdf.PdfReader) -> str:
    """The text of a page read through its fonts' ToUnicode maps, code by code.

    pypdf 7.1's ``extract_text`` garbles the 2-byte codes of fpdf2's font subsets from 0x0100 on
    (any page past the first 255 distinct glyphs), so the tests decode the show-text operators
    themselves: what a reader's copy-and-paste or a search would see."""
    maps: dict[str, dict[int, str]] = {}
    for name, font in page["/Resources"]["/Font"].items():
        cmap = font.get_object()["/ToUnicode"].get_object().get_data().decode()
        pairs = re.findall(r"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,})>", cmap)
        maps[name] = {
            int(code, 16): bytes.fromhex(text).decode("utf-16-be") for code, text in pairs
        }
    current: dict[int, str] = {}
    shown = []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"Tf":
            current = maps[operands[0]]
        elif operator in (b"Tj", b"TJ"):
            strings = operands[0] if operator == b"TJ" else [operands[0]]
            for item in strings:
                if isinstance(item, (bytes, str)):
                    raw = item.original_bytes if hasattr(item, "original_bytes") else bytes(item)
                    shown.append(
                        "".join(
                            current.get(int.from_bytes(raw[i : i + 2], "big"), "")
                            for i in range(0, len(raw), 2)
                        )
                    )
    return "".join(shown)


def pages_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [squash(page_text(page, reader)) for page in reader.pages]


def written_date(value: str) -> str:
    day = datetime.date.fromisoformat(value[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def expected_values(spec: FieldSpec, value: Any) -> list[str]:
    """What of ``value`` must be readable on the page, written independently of the renderer."""
    if spec.type == "date":
        return [written_date(value)]
    if spec.type == "datetime":
        moment = timezone.localtime(datetime.datetime.fromisoformat(value))
        return [
            written_date(moment.date().isoformat()) + f"{moment.hour:02d}时{moment.minute:02d}分"
        ]
    if spec.type == "list":
        found: list[str] = []
        for item in value:
            found.extend(str(v) for v in item.values()) if isinstance(item, dict) else found.append(
                str(item)
            )
        return found
    return [str(value)]


def sign_every_role(p: Province, record: Record) -> list[str]:
    """Sign as every signer role of the type, each with the login the role needs."""
    logins = {
        "handler": p.officer_a,
        "head": p.head_a,
        "legal_reviewer": p.reviewer_a,
        "non_handler": p.head_a,
        "agency_member": p.head_a,
    }
    names = []
    for code in get_type(record.record_type).signers:
        role = signer_role(code)
        if role.is_officer_side:
            officer = logins[role.who]
            actions.sign_record(
                officer.user,
                record,
                actions.SignatureInput(
                    signer_role=code, signer_name="", status="signed", image_png=png()
                ),
            )
            names.append(officer.name)
        else:
            sign(p, record, code, PARTY)
            names.append(PARTY)
    return names


def font_files(data: bytes) -> list[str]:
    """The embedded font programs of every font the pages use: ``(BaseFont, FontFile key)``."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in descriptor:
                    found.append(f"{font['/BaseFont']} {key}")
    return found


@pytest.mark.parametrize("code", [t.code for t in all_types()])
def test_every_record_type_prints_as_its_form(province: Province, code: str) -> None:
    """第八条, 卫生部令第87号: title, 文号, every label and value, every signer's name."""
    p = province
    record = write(p, open_matter(p), code)
    names = sign_every_role(p, record)
    kind = get_type(code)
    data = record_pdf(record)
    pages = pages_text(data)
    text = "".join(pages)

    assert data.startswith(b"%PDF-1.7")
    assert squash(p.county_a.name) in text
    assert kind.name in text
    if kind.number_nature is not None:
        assert record.number and squash(record.number) in text
    stored = record.current_version().fields
    for spec in kind.fields:
        assert squash(spec.label) in text, spec.label
        if spec.name in FIELDS[code]:
            for value in expected_values(spec, stored[spec.name]):
                assert squash(value) in text, (spec.name, value)
    for code_ in kind.signers:
        assert squash(signer_role(code_).label) in text
    for name in names:
        assert f"签字：{name}" in text
    if kind.is_decision or kind.served or kind.number_nature:
        assert "（印章）" in text
    assert f"共{len(pages)}页" in pages[-1]
    assert f"第{len(pages)}页" in pages[-1]
    assert any("NotoSansSC" in f and "/FontFile" in f for f in font_files(data))
    assert record.current_version().digest in pages[0]


def test_the_font_is_embedded_not_referenced(province: Province) -> None:
    p = province
    data = record_pdf(write(p, open_matter(p), "decision"))
    files = font_files(data)
    assert files, "no embedded font program"
    assert all("+NotoSansSC" in f for f in files)  # a subset, embedded
    assert b"pdfaid:part>2<" in data


def test_a_refusal_is_printed_with_its_circumstances_and_witnesses(province: Province) -> None:
    """第十三条(三): 拒绝签字 with what happened and the officers who saw it."""
    p = province
    record = write(p, open_matter(p), "on_site_inspection")
    sign(
        p,
        record,
        "party",
        "钱某",
        status="refused",
        circumstances="当事人拒绝在笔录上签字。",
        witnesses=[p.officer_a2.pk],
    )
    text = "".join(pages_text(record_pdf(record)))
    assert "钱某：拒绝签字" in text
    assert "当事人拒绝在笔录上签字。" in text
    assert p.officer_a2.name in text
    # The officer and the witness have not signed: lines to sign on paper.
    assert text.count("签字：____") == 2


def test_an_unsigned_record_leaves_lines_to_sign_on_paper(province: Province) -> None:
    p = province
    record = write(p, open_matter(p), "inquiry")
    text = "".join(pages_text(record_pdf(record)))
    assert text.count("签字：____") == len(get_type("inquiry").signers)


def test_a_correction_prints_the_current_version_with_its_note(province: Province) -> None:
    """第二十六条: the corrected version says which it corrects and why; the old one stays."""
    p = province
    record = write(p, open_matter(p), "inquiry")
    fields = dict(record.current_version().fields, place="新城区卫生健康局二楼询问室")
    actions.correct_record(p.officer_a.user, record, fields, "询问地点记错。")
    current = "".join(pages_text(record_pdf(record)))
    assert "本文书为第2版，更正第1版：询问地点记错。" in current
    assert "二楼询问室" in current
    first = "".join(pages_text(record_pdf(record, record.versions.get(version=1))))
    assert "二楼询问室" not in first and "更正" not in first
    assert "第1版" in first


def test_the_same_version_renders_to_the_same_bytes(province: Province) -> None:
    p = province
    record = write(p, open_matter(p), "decision")
    sign_every_role(p, record)
    first = record_pdf(record)
    time.sleep(1.1)  # a clock in the output would show now
    assert record_pdf(record) == first
    fields = dict(record.current_version().fields, amount="6000")
    actions.correct_record(p.head_a.user, record, fields, "罚款金额更正。")
    assert record_pdf(record) != first
    assert record_pdf(record, record.versions.get(version=1)) == first


def test_a_long_record_runs_over_pages_with_numbers(province: Province) -> None:
    p = province
    long = "问：请说明情况。答：该店后厨从业人员未取得健康证明，已责令改正。" * 120
    record = write(p, open_matter(p), "inquiry", content=long)
    pages = pages_text(record_pdf(record))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页" in text


# ---------------------------------------------------------------- the case file


def case_file(p: Province, matter: Matter, records: list[Record], home: Path) -> CaseFile:
    """A case file of real records, a real stored file and real proofs against a signed
    checkpoint (built here, not by ``casefile.assemble``, to test the renderer alone)."""
    path = home / "note.txt"
    path.write_text("现场记录补充说明。", encoding="utf-8")
    acquisition = ingest(p.officer_a.user, path, matter=matter.number, device="DSJ-XC-0001")
    evidence = acquisition.evidence
    checkpoints.ensure_signing_key()
    checkpoint = checkpoints.make_checkpoint()
    events = Event.objects.filter(context=matter.context, seq__lt=checkpoint.size).order_by("seq")
    proofs = [
        LedgerProof(
            event_seq=e.seq,
            action=e.action,
            leaf_hash=bytes(e.leaf_hash).hex(),
            tree_size=checkpoint.size,
            proof=[h.hex() for h in tree.inclusion_proof(e.seq, checkpoint.size)],
        )
        for e in events
    ]
    entries = [
        CatalogueEntry(
            position=i,
            title=get_type(r.record_type).name,
            number=r.number,
            responsible=p.county_a.name,
            date=timezone.localdate(r.created_at),
            record_id=r.pk,
        )
        for i, r in enumerate(records, start=1)
    ]
    entries.append(CatalogueEntry(len(records) + 1, EVIDENCE_LIST, "", p.county_a.name, None))
    entries.append(CatalogueEntry(len(records) + 2, PROOFS, "", p.county_a.name, None))
    return CaseFile(
        matter_id=matter.pk,
        matter_number=matter.number,
        kind=matter.kind,
        title=matter.title,
        agency_name=p.county_a.name,
        agency_region=p.county_a.region_code,
        parties=[party.name for party in matter.parties.all()],
        handlers=[p.officer_a.name, p.officer_a2.name],
        opened_at=matter.opened_at,
        ended_at=None,
        archive_number="610102-2026-30y-penalty-0001",
        retention="30y",
        records=[r.pk for r in records],
        catalogue=entries,
        evidence=[
            EvidenceEntry(
                evidence_id=evidence.pk,
                kind=evidence.kind,
                filename=acquisition.filename,
                sha256=evidence.sha256,
                sm3=evidence.sm3,
                size=evidence.size,
                content_type=evidence.content_type,
                recorded_from=None,
                recorded_to=None,
                acquired_at=acquisition.acquired_at,
                officer=p.officer_a.name,
                device=acquisition.device_serial,
                inline=False,
            )
        ],
        proofs=proofs,
        checkpoint=checkpoint.note,
        verifier_key=checkpoints.verifier().key,
    )


def test_the_case_file_catalogue_points_at_the_real_pages(
    province: Province,
    evidence_home: Path,  # noqa: F811
) -> None:
    """第十八条: cover, 卷内目录 with true 页号, records, 音像证据清单 with digests, proofs."""
    p = province
    matter = open_matter(p)
    long = "问：请说明情况。答：该店后厨从业人员未取得健康证明。" * 80
    records = [
        write(p, matter, "case_acceptance"),
        write(p, matter, "inquiry", content=long),  # runs over pages
        write(p, matter, "on_site_inspection"),
        write(p, matter, "decision"),
    ]
    case = case_file(p, matter, records, evidence_home)
    data = case_file_pdf(case)
    pages = pages_text(data)

    cover = pages[0]
    assert "案卷封面" in cover and case.archive_number in cover
    assert squash(matter.title) in cover and "30年" in cover
    assert f"件数：{len(records)}" in cover and f"页数：{len(pages)}" in cover

    reader_rows = pages[1]
    assert "卷内目录" in reader_rows
    starts: dict[str, int] = {}
    for index, record in enumerate(records):
        title = get_type(record.record_type).name
        # The page where the record starts has its title and its own footer.
        first = next(
            n
            for n, text in enumerate(pages, start=1)
            if f"记录{record.pk}·第1版" in text and title in text
        )
        starts[title] = first
        following = records[index + 1] if index + 1 < len(records) else None
        last = (
            next(n for n, t in enumerate(pages, start=1) if f"记录{following.pk}·" in t) - 1
            if following
            else next(n for n, t in enumerate(pages, start=1) if t.startswith(EVIDENCE_LIST)) - 1
        )
        page_range = str(first) if first == last else f"{first}-{last}"
        row = f"{index + 1}{squash(record.number)}{squash(p.county_a.name)}{title}"
        assert row in reader_rows, row
        assert re.search(re.escape(row) + r"\d{4}年\d+月\d+日" + re.escape(page_range), reader_rows)
    assert starts[get_type("decision").name] > starts[get_type("inquiry").name] + 1

    evidence_page = next(n for n, t in enumerate(pages, start=1) if t.startswith(EVIDENCE_LIST))
    assert f"{EVIDENCE_LIST}{evidence_page}" in reader_rows.replace(squash(p.county_a.name), "")
    evidence_text = "".join(pages[evidence_page - 1 :])
    item = case.evidence[0]
    assert item.sha256 in evidence_text and item.sm3 in evidence_text
    assert "原件按数字摘要引用" in evidence_text

    appendix = "".join(pages[evidence_page:])
    assert "lawtrail/ledger/verifier.py" in appendix
    assert squash(case.verifier_key) in appendix
    assert squash(case.checkpoint.splitlines()[2]) in appendix  # the root hash line
    for proof in case.proofs:
        assert proof.leaf_hash in appendix
        assert all(h in appendix for h in proof.proof)
    assert any("NotoSansSC" in f for f in font_files(data))
