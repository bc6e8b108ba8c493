"""The annual assessment (第二十四条) as an XLSX workbook and as a PDF in Chinese with charts.

Both are written from the results of ``assessment.compute`` or a published ``Assessment`` and
go straight to a binary stream (a file or ``io.BytesIO``): nothing is left in temporary files.
The PDF embeds a subset of Noto Sans SC (OFL-1.1, from ``pylopdf-fonts-zh-cn``); its charts are
plain rectangles drawn by fpdf2.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def method_note() -> str:
    return _(
        "Method: for each rule, checked = subjects the rule applied to in the year (by their "
        "deadline, else when they came to be); breached = those with a finding that has no "
        "explanation (explained findings are listed as exceptions, not scored); rate = 1 − "
        "breached/checked; score = 100 × Σ(weight × rate) / Σ(weight) over rules with subjects. "
        "Agencies are scored on their own subjects; the subtree columns add the agencies below."
    )


def as_number(value: str | None) -> float | None:
    return float(value) if value is not None else None


def rule_columns(results: dict[str, Any]) -> list[str]:
    return [row["rule"] for row in results["rules"]]


def write_xlsx(results: dict[str, Any], out: IO[bytes]) -> None:
    """A workbook with a sheet per level: agencies, officers, rules; and one for the method."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    bold = Font(bold=True)
    rules = rule_columns(results)

    agencies = book.active
    assert agencies is not None
    agencies.title = _("Agencies")
    head = [_("Region code"), _("Agency"), _("Level"), _("Score"), _("Subtree score")]
    for rule_id in rules:
        head += [f"{rule_id} {_('checked')}", f"{rule_id} {_('breached')}"]
    agencies.append(head)
    for row in results["agencies"]:
        line: list[Any] = [
            row["agency"],
            row["name"],
            row["level"],
            as_number(row["score"]),
            as_number(row["subtree"]["score"]),
        ]
        for rule_id in rules:
            counts = row["rules"].get(rule_id, {})
            line += [counts.get("checked", 0), counts.get("breached", 0)]
        agencies.append(line)

    officers = book.create_sheet(_("Officers"))
    head = [_("Login"), _("Name"), _("Agency"), _("Score")]
    for rule_id in rules:
        head += [f"{rule_id} {_('checked')}", f"{rule_id} {_('breached')}"]
    officers.append(head)
    for row in results["officers"]:
        line = [row["officer"], row["name"], row["agency"], as_number(row["score"])]
        for rule_id in rules:
            counts = row["rules"].get(rule_id, {})
            line += [counts.get("checked", 0), counts.get("breached", 0)]
        officers.append(line)

    sheet = book.create_sheet(_("Rules"))
    sheet.append(
        [
            _("Rule"),
            _("Title"),
            _("Article"),
            _("Weight"),
            _("Checked"),
            _("Breached"),
            _("Explained"),
            _("Compliance rate %"),
        ]
    )
    for row in results["rules"]:
        sheet.append(
            [
                row["rule"],
                row["title"],
                row["article"],
                row["weight"],
                row["checked"],
                row["breached"],
                row["explained"],
                as_number(row["rate"]),
            ]
        )

    method = book.create_sheet(_("Method"))
    method.append([_("Year"), results["year"]])
    method.append([_("Method version"), results["method"]])
    method.append([_("Method"), method_note()])
    method.append([])
    method.append([_("Rule"), _("Weight")])
    for rule_id, weight in sorted(results["weights"].items()):
        method.append([rule_id, weight])
    for ws in (agencies, officers, sheet, method):
        for cell in ws[1]:
            cell.font = bold
    book.save(out)


def xlsx_bytes(results: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(results, buffer)
    return buffer.getvalue()


@cache
def font_path() -> Path:
    import pylopdf_fonts_zh_cn

    return Path(pylopdf_fonts_zh_cn.sans_path())


def bar_chart(pdf: Any, rows: list[tuple[str, float | None]], *, label_width: float = 60) -> None:
    """Horizontal bars of 0–100 drawn as rectangles, one line per row."""
    width = pdf.epw - label_width - 18
    for label, value in rows:
        if pdf.will_page_break(7):
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font("noto", size=8)
        pdf.cell(label_width, 6, label[:20])
        x = pdf.get_x()
        pdf.set_fill_color(230, 230, 230)
        pdf.rect(x, y + 1, width, 4, style="F")
        if value is not None:
            shade = (
                (46, 125, 50) if value >= 90 else (249, 168, 37) if value >= 60 else (198, 40, 40)
            )
            pdf.set_fill_color(*shade)
            pdf.rect(x, y + 1, width * max(0.0, min(value, 100.0)) / 100, 4, style="F")
        pdf.set_x(x + width + 2)
        pdf.cell(16, 6, f"{value:.2f}" if value is not None else "—")
        pdf.ln(6)


def table(pdf: Any, widths: list[float], head: list[str], rows: list[list[str]]) -> None:
    pdf.set_font("noto", size=8)
    pdf.set_fill_color(220, 227, 240)
    for w, text in zip(widths, head, strict=True):
        pdf.cell(w, 7, text, border=1, fill=True)
    pdf.ln(7)
    for row in rows:
        if pdf.will_page_break(6):
            pdf.add_page()
        for w, text in zip(widths, row, strict=True):
            pdf.cell(w, 6, text, border=1)
        pdf.ln(6)


def write_pdf(results: dict[str, Any], out: IO[bytes], *, title: str | None = None) -> None:
    """The assessment as a PDF in Chinese: title, year, method, agencies, charts, rules."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(title or _("Annual assessment %(year)d") % {"year": results["year"]})
    pdf.add_font("noto", "", str(font_path()))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("noto", size=16)
    heading = title or _("Annual assessment of the whole-process recording system, %(year)d") % {
        "year": results["year"]
    }
    pdf.multi_cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", size=9)
    pdf.multi_cell(
        0,
        5,
        _("Year: %(year)d  ·  第二十四条") % {"year": results["year"]},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.multi_cell(0, 5, method_note(), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("noto", size=12)
    pdf.cell(0, 8, _("Agencies"), new_x="LMARGIN", new_y="NEXT")
    table(
        pdf,
        [24, 76, 20, 30, 30],
        [_("Region code"), _("Agency"), _("Level"), _("Score"), _("Subtree score")],
        [
            [r["agency"], r["name"], r["level"], r["score"] or "—", r["subtree"]["score"] or "—"]
            for r in results["agencies"]
        ],
    )
    pdf.ln(4)
    pdf.set_font("noto", size=12)
    pdf.cell(0, 8, _("Scores by agency (subtree)"), new_x="LMARGIN", new_y="NEXT")
    bar_chart(pdf, [(r["name"], as_number(r["subtree"]["score"])) for r in results["agencies"]])
    if results["officers"]:
        pdf.ln(4)
        pdf.set_font("noto", size=12)
        pdf.cell(0, 8, _("Scores by officer"), new_x="LMARGIN", new_y="NEXT")
        bar_chart(
            pdf,
            [(f"{r['name']}（{r['agency']}）", as_number(r["score"])) for r in results["officers"]],
        )
    pdf.ln(4)
    pdf.set_font("noto", size=12)
    pdf.cell(0, 8, _("Rules"), new_x="LMARGIN", new_y="NEXT")
    table(
        pdf,
        [64, 26, 14, 18, 18, 18, 22],
        [
            _("Rule"),
            _("Article"),
            _("Weight"),
            _("Checked"),
            _("Breached"),
            _("Explained"),
            _("Rate %"),
        ],
        [
            [
                r["title"][:20],
                r["article"],
                str(r["weight"]),
                str(r["checked"]),
                str(r["breached"]),
                str(r["explained"]),
                r["rate"] or "—",
            ]
            for r in results["rules"]
        ],
    )
    out.write(bytes(pdf.output()))


def pdf_bytes(results: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    write_pdf(results, buffer)
    return buffer.getvalue()
