"""The page, fonts and wording of the printed forms (卫生部令第87号《卫生行政执法文书规范》).

The printed documents are Chinese by law whatever the reader's interface language, so their
fixed wording (``签字``, ``（印章）``, ``第 N 页 共 M 页`` …) is data here, like the labels in
``records/catalogue.json``, and is not passed through gettext.

PDF/A: every document is written with fpdf2's PDF/A-2B enforcement (``enforce_compliance``):
the Noto Sans SC font is embedded (as a subset, CFF, ``FontFile3``), an sRGB output intent is
added, the XMP packet names ``pdfaid:part 2`` / ``conformance B`` and fpdf2 refuses what PDF/A
forbids (unembedded base fonts, encryption). What is *not* claimed: the documents are not tagged
(no PDF/A-2A / PDF/UA structure tree), and no PDF/A validator (veraPDF) runs in the tests, so
conformance is by construction, not certified.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from lawtrail.evidence.derivatives import font_path
from lawtrail.records.catalogue import FieldSpec, RecordType

FONT = "noto"
LANG = "zh-CN"
CREATOR = "lawtrail"
TEXT_SIZE = 11
LINE = 6.5  # mm per line at TEXT_SIZE

REFUSED = "拒绝签字"
UNABLE = "无法签字"
SEAL = "（印章）"
SIGN_LINE = "签字：____________________    日期：______年____月____日"

RETENTION_LABELS = {"permanent": "永久", "30y": "30年", "10y": "10年"}
EVIDENCE_KINDS = {
    "video": "视频",
    "audio": "音频",
    "photo": "照片",
    "document": "文档",
    "other": "其他",
}


def local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def format_date(day: datetime.date) -> str:
    """2026年3月2日, as the forms write dates."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_datetime(moment: datetime.datetime) -> str:
    moment = local(moment)
    return f"{format_date(moment.date())} {moment.hour:02d}时{moment.minute:02d}分"


def format_value(spec: FieldSpec, value: Any) -> str:
    """A field's stored value as the form prints it ("" when empty)."""
    if value is None or value == "" or value == []:
        return ""
    if spec.type == "date":
        try:
            return format_date(datetime.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if spec.type == "datetime":
        try:
            return format_datetime(datetime.datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if spec.type == "choice":
        return "  ".join(("■" if choice == value else "□") + choice for choice in spec.choices)
    if spec.type == "list":
        lines = []
        for index, item in enumerate(value if isinstance(value, list) else [value], start=1):
            if isinstance(item, dict):
                parts = [
                    f"{sub.label}：{format_value(sub, item.get(sub.name))}"
                    for sub in spec.items
                    if item.get(sub.name) not in (None, "")
                ]
                lines.append(f"{index}. " + "，".join(parts))
            else:
                lines.append(f"{index}. {item}")
        return "\n".join(lines)
    return str(value)


def needs_seal(kind: RecordType) -> bool:
    """Decisions, documents served on the party and numbered documents carry the seal."""
    return kind.is_decision or kind.served or kind.number_nature is not None


def xmp(title: str, created: datetime.datetime, producer: str) -> str:
    """The XMP packet (PDF/A-2B); dates fixed to ``created`` so equal input gives equal bytes."""
    stamp = created.astimezone(datetime.UTC).isoformat(timespec="seconds")
    title = html.escape(title, quote=True)
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"\n'
        '    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">\n'
        "   <dc:format>application/pdf</dc:format>\n"
        f'   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt>'
        "</dc:title>\n"
        f"   <dc:language><rdf:Bag><rdf:li>{LANG}</rdf:li></rdf:Bag></dc:language>\n"
        f"   <xmp:CreatorTool>{CREATOR}</xmp:CreatorTool>\n"
        f"   <xmp:CreateDate>{stamp}</xmp:CreateDate>\n"
        f"   <xmp:ModifyDate>{stamp}</xmp:ModifyDate>\n"
        f"   <xmp:MetadataDate>{stamp}</xmp:MetadataDate>\n"
        f"   <pdf:Producer>{html.escape(producer)}</pdf:Producer>\n"
        "   <pdfaid:part>2</pdfaid:part>\n"
        "   <pdfaid:conformance>B</pdfaid:conformance>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>"
    )


class FormPDF(FPDF):
    """An A4 page of the forms: Noto Sans SC embedded, "第 N 页 共 M 页" and a footer note."""

    def __init__(self, title: str, created: datetime.datetime) -> None:
        super().__init__(
            orientation="portrait", unit="mm", format="A4", enforce_compliance="PDF/A-2B"
        )
        self.footer_note = ""
        self.add_font(FONT, "", str(font_path()))
        self.set_font(FONT, size=TEXT_SIZE)
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=22)
        self.set_title(title)
        self.set_lang(LANG)
        self.set_creator(CREATOR)
        self.set_producer(f"lawtrail (fpdf2 {self._fpdf_version()})")
        self.set_creation_date(created)
        self.set_xmp_metadata(xmp(title, created, str(self.producer)))
        self.alias_nb_pages()

    @staticmethod
    def _fpdf_version() -> str:
        import fpdf

        return str(fpdf.__version__)

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font(FONT, size=7)
        if self.footer_note:
            self.multi_cell(0, 3.5, self.footer_note, align="L", wrapmode=WrapMode.CHAR)
        self.set_font(FONT, size=9)
        self.cell(0, 5, f"第 {self.page_no()} 页 共 {{nb}} 页", align="C")
        self.set_font(FONT, size=TEXT_SIZE)

    # ------------------------------------------------------------- building blocks

    def heading(self, text: str, size: float = 16) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, size * 0.55, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=TEXT_SIZE)

    def right(self, text: str) -> None:
        self.multi_cell(0, LINE, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(self, text: str, size: float = TEXT_SIZE, indent: float = 0) -> None:
        self.set_font(FONT, size=size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(
            0,
            size * 0.59,
            text,
            align="L",
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_font(FONT, size=TEXT_SIZE)

    def labelled(self, label: str, value: str, *, block: bool = False) -> None:
        """``label：value`` on one wrapped paragraph, or the label over an indented block."""
        if block or "\n" in value:
            self.paragraph(f"{label}：")
            self.paragraph(value or " ", indent=6)
        else:
            self.paragraph(f"{label}：{value}")

    def gap(self, height: float = 3) -> None:
        self.ln(height)

    def count_lines(self, width: float, text: str) -> int:
        wrapped = self.multi_cell(
            width, 5, text or " ", dry_run=True, output="LINES", wrapmode=WrapMode.CHAR
        )
        assert isinstance(wrapped, list)
        return len(wrapped)

    def rows(self, widths: Iterable[float], header: list[str], body: list[list[str]]) -> None:
        """A ruled table whose cells wrap; rows never split across pages."""
        widths = list(widths)
        self.set_font(FONT, size=9)
        for row in [header, *body]:
            lines = [self.count_lines(w, text) for w, text in zip(widths, row, strict=True)]
            height = 5 * max(lines)
            if self.will_page_break(height):
                self.add_page()
            x, y = self.get_x(), self.get_y()
            for w, text, count in zip(widths, row, lines, strict=True):
                self.rect(x, y, w, height)
                self.set_xy(x, y + (height - 5 * count) / 2)
                self.multi_cell(w, 5, text or " ", align="C", wrapmode=WrapMode.CHAR)
                x += w
            self.set_xy(self.l_margin, y + height)
        self.set_font(FONT, size=TEXT_SIZE)
