"""Records and case files as printable A4 PDF (第八条, 第十八条; 卫生部令第87号).

``record_pdf`` lays a record out as the official form: the agency as heading, the type's name as
title, the 文号 on the right, every field of the type in catalogue order with its printed label,
the signature block of each signer role (signed with the handwritten image, 拒绝签字 / 无法签字
with circumstances and witnesses, or an empty line to sign on paper, 第十三条(三)) and, for
decisions and documents served or numbered, the place of the authority's seal. Every page says
"第 N 页 共 M 页" and names the record, its version and the version's SHA-256.

``case_file_pdf`` is the whole case file (案卷, 第十八条): cover, 卷内目录 whose 页号 are the real
pages of this PDF, every record, the 音像证据清单 with SHA-256 and SM3 in full, and the ledger
proofs with the signed checkpoint and the verifier key.

The same input gives the same bytes: the PDF's dates are the version's ``created_at`` (for a
case file, its end date), never the time of rendering. PDF/A: see ``forms``.
"""

from __future__ import annotations

import datetime
import io

from lawtrail.archive.contents import CaseFile, CatalogueEntry
from lawtrail.archive.forms import (
    EVIDENCE_KINDS,
    REFUSED,
    RETENTION_LABELS,
    SEAL,
    SIGN_LINE,
    UNABLE,
    FormPDF,
    format_date,
    format_datetime,
    format_value,
    local,
    needs_seal,
)
from lawtrail.records.catalogue import RecordType, get_type, signer_role
from lawtrail.records.models import Record, RecordVersion, Signature

EVIDENCE_LIST = "音像证据清单"
PROOFS = "审计账本证明"
VERIFY_OFFLINE = (
    "离线验证方法：每条证明是RFC 6962默克尔树的包含证明。以叶哈希和证明哈希按顺序计算树根，"
    "与签名检查点中该树大小的根哈希比较；再用验证公钥核验检查点的签名（C2SP signed note）。"
    "lawtrail 的独立验证程序 lawtrail/ledger/verifier.py 不需要数据库或网络即可完成这两步。"
)


def record_title(record: Record) -> str:
    kind = get_type(record.record_type)
    return f"{kind.name} {record.number}".strip()


def footer_note(record: Record, version: RecordVersion) -> str:
    return f"记录 {record.pk} · 第 {version.version} 版 · SHA-256 {version.digest}"


def _seal_date(kind: RecordType, version: RecordVersion) -> str:
    for spec in kind.fields:
        if spec.type == "date" and version.fields.get(spec.name):
            return format_value(spec, version.fields[spec.name])
    return format_date(local(version.created_at).date())


def _signature(pdf: FormPDF, signature: Signature) -> None:
    if signature.status == Signature.Status.SIGNED:
        pdf.paragraph(f"签字：{signature.signer_name}", indent=6)
        if signature.image:
            height = 14.0
            if pdf.will_page_break(height + 2):
                pdf.add_page()
            pdf.image(io.BytesIO(bytes(signature.image)), x=pdf.l_margin + 6, h=height)
        pdf.paragraph(f"时间：{format_datetime(signature.at)}", indent=6)
        return
    status = REFUSED if signature.status == Signature.Status.REFUSED else UNABLE
    witnesses = "、".join(officer.name for officer in signature.witnesses.order_by("pk"))
    pdf.paragraph(f"{signature.signer_name}：{status}", indent=6)
    pdf.paragraph(f"情况：{signature.circumstances}", indent=6)
    pdf.paragraph(f"见证执法人员：{witnesses}", indent=6)
    pdf.paragraph(f"时间：{format_datetime(signature.at)}", indent=6)


def draw_record(pdf: FormPDF, record: Record, version: RecordVersion) -> None:
    """The record on new pages of ``pdf``, in the layout of its official form."""
    kind = get_type(record.record_type)
    pdf.add_page()
    pdf.footer_note = footer_note(record, version)
    pdf.heading(record.agency.name, size=14)
    pdf.gap(1)
    pdf.heading(kind.name, size=18)
    pdf.gap(2)
    if record.number:
        pdf.right(record.number)
    if version.version > 1:
        corrected = version.corrects.version if version.corrects else version.version - 1
        pdf.paragraph(
            f"本文书为第{version.version}版，更正第{corrected}版：{version.reason}", size=9
        )
    pdf.gap(2)
    for spec in kind.fields:
        value = format_value(spec, version.fields.get(spec.name))
        pdf.labelled(spec.label, value, block=spec.type in ("textarea", "list"))
        pdf.gap(1)
    signatures = list(version.signatures.order_by("at", "pk"))
    for code in kind.signers:
        role = signer_role(code)
        pdf.gap(2)
        pdf.paragraph(f"{role.label}：")
        mine = [s for s in signatures if s.signer_role == code]
        for signature in mine:
            _signature(pdf, signature)
        if not mine:
            pdf.paragraph(SIGN_LINE, indent=6)
    if needs_seal(kind):
        pdf.gap(6)
        if pdf.will_page_break(3 * 6.5):
            pdf.add_page()
        pdf.right(SEAL)
        pdf.right(record.agency.name)
        pdf.right(_seal_date(kind, version))


def _version(record: Record, version: RecordVersion | None) -> RecordVersion:
    if version is None:
        return record.current_version()
    if version.record_id != record.pk:
        raise ValueError(f"version {version.pk} is not a version of record {record.pk}")
    return version


def record_pdf(record: Record, version: RecordVersion | None = None) -> bytes:
    """The record (by default its current version) as an A4 PDF of its official form."""
    version = _version(record, version)
    pdf = FormPDF(record_title(record), version.created_at)
    draw_record(pdf, record, version)
    return bytes(pdf.output())


# ---------------------------------------------------------------- the case file


def _when(moment: datetime.datetime | None) -> str:
    return format_date(local(moment).date()) if moment else ""


def _cover(pdf: FormPDF, case: CaseFile, pages: int) -> None:
    pdf.add_page()
    pdf.footer_note = f"档号 {case.archive_number} · 案件编号 {case.matter_number}"
    pdf.gap(20)
    pdf.heading(case.agency_name, size=16)
    pdf.gap(4)
    pdf.heading("案卷封面", size=24)
    pdf.gap(16)
    dates = f"{_when(case.opened_at)} 至 {_when(case.ended_at)}"
    for label, value in (
        ("档号", case.archive_number),
        ("题名", case.title),
        ("机构", case.agency_name),
        ("案件编号", case.matter_number),
        ("当事人", "、".join(case.parties)),
        ("承办人", "、".join(case.handlers)),
        ("起止日期", dates),
        ("保管期限", RETENTION_LABELS.get(case.retention, case.retention)),
        ("件数", str(len(case.records))),
        ("页数", str(pages)),
    ):
        pdf.labelled(label, value)
        pdf.gap(3)


def _catalogue(pdf: FormPDF, case: CaseFile, pages: dict[int, str]) -> None:
    pdf.add_page()
    pdf.heading("卷内目录", size=18)
    pdf.gap(4)
    body = [
        [
            str(entry.position),
            entry.number,
            entry.responsible,
            entry.title,
            format_date(entry.date) if entry.date else "",
            pages.get(index, entry.pages),
            entry.note,
        ]
        for index, entry in enumerate(case.catalogue)
    ]
    pdf.rows(
        (11, 33, 30, 46, 25, 15, 10),
        ["序号", "文号", "责任者", "题名", "日期", "页号", "备注"],
        body,
    )


def _evidence(pdf: FormPDF, case: CaseFile) -> None:
    pdf.add_page()
    pdf.footer_note = f"档号 {case.archive_number} · {EVIDENCE_LIST}"
    pdf.heading(EVIDENCE_LIST, size=18)
    pdf.gap(4)
    if not case.evidence:
        pdf.paragraph("本案无音像证据。")
    for index, item in enumerate(case.evidence, start=1):
        if pdf.will_page_break(60):
            pdf.add_page()
        kind = EVIDENCE_KINDS.get(item.kind, item.kind)
        pdf.paragraph(f"{index}. {kind} {item.filename}")
        recorded = " 至 ".join(
            format_datetime(t) for t in (item.recorded_from, item.recorded_to) if t
        )
        where = "原件在本档案包内" if item.inline else "原件按数字摘要引用，未放入本档案包"
        for label, value in (
            ("证据编号", str(item.evidence_id)),
            ("记录时间", recorded or "未申报"),
            ("采集时间", format_datetime(item.acquired_at)),
            ("执法人员", item.officer),
            ("设备", item.device),
            ("大小", f"{item.size} 字节"),
            ("格式", item.content_type),
            ("SHA-256", item.sha256),
            ("SM3", item.sm3),
            ("原件", where),
        ):
            pdf.paragraph(f"{label}：{value}", size=9, indent=6)
        pdf.gap(2)


def _proofs(pdf: FormPDF, case: CaseFile) -> None:
    pdf.add_page()
    pdf.footer_note = f"档号 {case.archive_number} · {PROOFS}"
    pdf.heading(f"附录 {PROOFS}", size=18)
    pdf.gap(4)
    pdf.paragraph(VERIFY_OFFLINE, size=10)
    pdf.gap(3)
    for proof in case.proofs:
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.paragraph(f"事件 {proof.event_seq}：{proof.action}", size=10)
        pdf.paragraph(f"叶哈希：{proof.leaf_hash}", size=8, indent=6)
        pdf.paragraph(f"树大小：{proof.tree_size}", size=8, indent=6)
        pdf.paragraph("证明哈希：" + ("无" if not proof.proof else ""), size=8, indent=6)
        for digest in proof.proof:
            pdf.paragraph(digest, size=8, indent=12)
        pdf.gap(1)
    pdf.gap(3)
    pdf.paragraph("签名检查点：", size=10)
    pdf.paragraph(case.checkpoint, size=8, indent=6)
    pdf.gap(2)
    pdf.paragraph("验证公钥：", size=10)
    pdf.paragraph(case.verifier_key, size=8, indent=6)


def _sections(case: CaseFile) -> list[tuple[str, int | None]]:
    """What the catalogue can point at, in the order of this PDF."""
    return [
        *(("record", record_id) for record_id in case.records),
        ("evidence", None),
        ("proofs", None),
    ]


def _entry_section(entry: CatalogueEntry) -> tuple[str, int | None]:
    if entry.record_id is not None:
        return ("record", entry.record_id)
    return ("evidence", None) if entry.title == EVIDENCE_LIST else ("proofs", None)


def _render(
    case: CaseFile, records: list[Record], pages: dict[int, str], total: int
) -> tuple[bytes, dict[tuple[str, int | None], int], int]:
    end = case.ended_at or case.opened_at
    pdf = FormPDF(f"{case.archive_number} {case.title}", end)
    _cover(pdf, case, total)
    _catalogue(pdf, case, pages)
    starts: dict[tuple[str, int | None], int] = {}
    for record in records:
        starts[("record", record.pk)] = pdf.page_no() + 1
        draw_record(pdf, record, record.current_version())
    starts[("evidence", None)] = pdf.page_no() + 1
    _evidence(pdf, case)
    starts[("proofs", None)] = pdf.page_no() + 1
    _proofs(pdf, case)
    count = pdf.page_no()
    return bytes(pdf.output()), starts, count


def case_file_pdf(case: CaseFile) -> bytes:
    """The whole case file as one PDF (第十八条): cover, 卷内目录, records, evidence, proofs.

    Rendered until the 页号 of the catalogue and the 页数 of the cover are those of the pages
    actually produced (twice, or three times when filling them in moved a page break).
    """
    found = {r.pk: r for r in Record.objects.filter(pk__in=case.records).select_related("agency")}
    missing = [pk for pk in case.records if pk not in found]
    if missing:
        raise ValueError(f"case file names records that do not exist: {missing}")
    records = [found[pk] for pk in case.records]
    order = _sections(case)
    pages: dict[int, str] = {}
    total = 0
    for _attempt in range(4):
        data, starts, count = _render(case, records, pages, total)
        ends = {}
        following = [starts[key] for key in order[1:]] + [count + 1]
        for key, after in zip(order, following, strict=True):
            ends[key] = after - 1
        wanted: dict[int, str] = {}
        for index, entry in enumerate(case.catalogue):
            key = _entry_section(entry)
            if key in starts:
                first, last = starts[key], ends[key]
                wanted[index] = str(first) if first == last else f"{first}-{last}"
        if wanted == pages and count == total:
            return data
        pages, total = wanted, count
    raise RuntimeError("the case file's page numbers did not settle")  # pragma: no cover
