"""The officer's reports as a spreadsheet file: a Finnish-Excel CSV or an .xlsx with typed cells.

One table (headers and rows of typed values: str, int, Decimal, date) is written either way, so the
two files always hold the same report. In the CSV a number is written with a decimal comma and a date
as d.m.yyyy (what Finnish Excel reads as a number and a date); in the .xlsx a number is a number cell
with two decimals and a date a date cell, whatever the reader's locale. Neither can carry a formula:
the CSV's text cells go through the kernel's `safe_cell`, the .xlsx's text cells are stored as text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
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
