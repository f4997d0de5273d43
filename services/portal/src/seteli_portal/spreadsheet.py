"""The officer's reports as a file: a Finnish-Excel CSV, an .xlsx with typed cells, or a PDF to print.

One table (headers and rows of typed values: str, int, Decimal, date) is written every way, so the
files always hold the same report. In the CSV a number is written with a decimal comma and a date
as d.m.yyyy (what Finnish Excel reads as a number and a date); in the .xlsx a number is a number cell
with two decimals and a date a date cell, whatever the reader's locale. Neither can carry a formula:
the CSV's text cells go through the kernel's `safe_cell`, the .xlsx's text cells are stored as text.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from seteli_common.csvfile import decimal_comma, spreadsheet_csv

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "0.00"
DATE_FORMAT = "d.m.yyyy"

Cell = str | int | Decimal | date | None


def _csv_cell(value: Cell) -> Any:
    if isinstance(value, Decimal):
        return decimal_comma(value)
    if isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    return value


def as_csv(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    return spreadsheet_csv(headers, ([_csv_cell(v) for v in row] for row in rows))


def as_xlsx(headers: Sequence[str], rows: Sequence[Sequence[Cell]], sheet_title: str) -> bytes:
    # imported here: the portal starts without loading the spreadsheet library
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title[:31]  # Excel's limit for a sheet name
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([None if v is None else v for v in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that openpyxl took for a formula ("=...") stays text
                cell.data_type = "s"
            elif isinstance(cell.value, Decimal | float):
                cell.number_format = MONEY_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        widest = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(widest + 2, 8), 60)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The core font's encoding: WinAnsi (cp1252) has what Latin-1 lacks and the report prints: € (the money
# columns' headers) and – (the period).
PDF_ENCODING = "cp1252"


def _pdf_cell(value: Cell) -> str:
    """A cell as people read it on paper, in the core font's cp1252 (ä ö å € – kept, anything else '?')."""
    if isinstance(value, Decimal):
        return str(decimal_comma(value))
    if isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    text = "" if value is None else unicodedata.normalize("NFC", str(value))
    return text.encode(PDF_ENCODING, "replace").decode(PDF_ENCODING)


def as_pdf(title: str, subtitle: str, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """The same table on A4 landscape: numbers right-aligned with a decimal comma, headers on every page."""
    from fpdf import FPDF  # imported here: the portal starts without loading the PDF library

    pdf = FPDF(orientation="L", format="A4")
    pdf.core_fonts_encoding = PDF_ENCODING
    # No page count here: a name holding fpdf2's "{nb}" prints as written (None: fpdf2's documented switch-off).
    pdf.alias_nb_pages(None)  # type: ignore[arg-type]
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _pdf_cell(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 6, _pdf_cell(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    numeric = [all(isinstance(r[i], Decimal | int) for r in rows if r[i] is not None) and any(
        r[i] is not None for r in rows) for i in range(len(headers))]
    weights = [max(len(h), *(len(_pdf_cell(r[i])) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    widths = [pdf.epw * w / sum(weights) for w in weights]
    pdf.set_font("Helvetica", size=8)
    with pdf.table(col_widths=widths, text_align=["RIGHT" if n else "LEFT" for n in numeric],
                   first_row_as_headings=True, repeat_headings=1) as table:
        table.row([_pdf_cell(h) for h in headers])
        for row in rows:
            table.row([_pdf_cell(v) for v in row])
    return bytes(pdf.output())
