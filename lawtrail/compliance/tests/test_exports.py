"""第二十四条: the assessment exported as XLSX (a sheet per level, weights, method) and as a PDF
in Chinese with bar charts; the numbers are those of the assessment."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lawtrail.compliance.assessment import compute
from lawtrail.compliance.exports import pdf_bytes, write_pdf, xlsx_bytes
from lawtrail.compliance.tests.test_assessment import RULE, this_year
from lawtrail.compliance.tests.test_assessment import uploads as uploads
from lawtrail.evidence.tests.fixtures import evidence_home  # noqa: F401
from lawtrail.evidence.tests.fixtures import media as media
from lawtrail.testing import Province


def pdf_text(reader: PdfReader) -> str:
    # pypdf reads fpdf2's two-byte glyph codes with a NUL before each character of some runs;
    # the characters themselves come from the font's ToUnicode map.
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "")


@pytest.fixture
def results(uploads: Province) -> dict[str, Any]:
    return compute(this_year())


def test_the_workbook_has_a_sheet_per_level_with_the_numbers(results: dict[str, Any]) -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes(results)))
    agencies, officers, rules, method = (book[name] for name in book.sheetnames)
    head = [c.value for c in agencies[1]]
    by_code = {r[0]: r for r in agencies.iter_rows(min_row=2, values_only=True)}
    assert by_code["610102"][1] == "新城区卫生健康局"
    assert by_code["610102"][3] == pytest.approx(66.67)
    assert by_code["610103"][3] == 0
    assert by_code["610100"][3] is None and by_code["610100"][4] == 50
    checked = next(i for i, name in enumerate(head) if str(name).startswith(f"{RULE} "))
    assert (by_code["610102"][checked], by_code["610102"][checked + 1]) == (3, 1)
    people = {r[0]: r for r in officers.iter_rows(min_row=2, values_only=True)}
    assert people["officer_a"][3] == 50 and people["officer_a2"][3] == 100
    rule_rows = {r[0]: r for r in rules.iter_rows(min_row=2, values_only=True)}
    assert rule_rows[RULE][2] == "第十九条"
    assert rule_rows[RULE][3:8] == (8, 4, 2, 0, 50)
    weights = {r[0]: r[1] for r in method.iter_rows(min_row=6, values_only=True)}
    assert weights[RULE] == 8
    assert "Σ" in str(method["B3"].value)


def test_the_pdf_is_in_chinese_with_the_agencies_and_their_scores(results: dict[str, Any]) -> None:
    data = pdf_bytes(results)
    assert data.startswith(b"%PDF")
    text = pdf_text(PdfReader(io.BytesIO(data)))
    for name in (
        "新城区卫生健康局",
        "碑林区卫生健康局",
        "西安市卫生健康委员会",
        "第二十四条",
        "第十九条",
    ):
        assert name in text, name
    assert str(this_year()) in text
    assert "66.67" in text and "50.00" in text


def test_the_pdf_takes_a_chinese_title_and_streams_to_a_file(
    results: dict[str, Any], tmp_path: Any
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "考核.pdf"
    with path.open("wb") as out:
        write_pdf(results, out, title=f"{this_year()}年度执法全过程记录考核")
    text = pdf_text(PdfReader(path))
    assert f"{this_year()}年度执法全过程记录考核" in text
    assert sorted(p.name for p in folder.iterdir()) == ["考核.pdf"]
