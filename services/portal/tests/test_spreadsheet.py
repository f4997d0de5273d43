"""The officer's report files: the CSV and the .xlsx hold the same table, typed for each."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
from pypdf import PdfReader
from seteli_portal.spreadsheet import as_csv, as_pdf, as_xlsx

HEADERS = ["Palveluntuottaja", "Lähtöpäivä", "Päiviä", "Kunnan osuus €"]
ROWS = [["Hoiva Oy", date(2016, 3, 5), 4, Decimal("-20.50")],
        ["=HYPERLINK(\"http://x\")", None, 0, Decimal("1234.00")]]


def test_the_csv_has_decimal_commas_finnish_dates_and_no_formula() -> None:
    rows = list(csv.reader(io.StringIO(as_csv(HEADERS, ROWS).decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Hoiva Oy", "5.3.2016", "4", "-20,50"]  # a credit stays a number that sums
    assert rows[2][0] == "'=HYPERLINK(\"http://x\")"  # shown as text, never evaluated


def test_the_xlsx_has_number_and_date_cells_and_no_formula() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx(HEADERS, ROWS, "Keskeytykset"))).active
    assert sheet is not None and sheet.title == "Keskeytykset"
    assert [c.value for c in sheet[1]] == HEADERS and sheet[1][0].font.bold
    first = sheet[2]
    assert first[1].value.date() == date(2016, 3, 5) and first[1].number_format == "d.m.yyyy"
    assert first[3].value == -20.5 and first[3].data_type == "n" and first[3].number_format == "0.00"
    formula_like = sheet[3][0]
    assert formula_like.data_type == "s" and formula_like.value == "=HYPERLINK(\"http://x\")"
    assert sheet[3][1].value is None
    assert sheet.freeze_panes == "A2"  # the header row stays in view


def test_a_name_holding_fpdf2s_page_count_alias_prints_as_written_in_the_pdf() -> None:
    pdf = as_pdf("Raportti", "Kouvola", ["Palveluntuottaja", "Summa"], [["Hoiva {nb} Oy", "1"]])
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Hoiva {nb} Oy" in text  # fpdf2 printed "{nb}" as the number of pages
