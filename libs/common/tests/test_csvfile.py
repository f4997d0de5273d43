"""The kernel's CSV writer: formulas arrive as text, numbers (also negative) stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from seteli_common.csvfile import csv_text, safe_cell


def test_cells_a_spreadsheet_would_evaluate_become_text_and_numbers_stay_numbers() -> None:
    for formula in ("=1+1", "+358 40", "-2+3", "@SUM(A1)", "\tX", "\rX", "-", "=HYPERLINK(\"x\")"):
        assert safe_cell(formula) == "'" + formula
    for kept in ("-20.00", "-19", "0", "12.5", "A-1001", "", Decimal("-20.00"), -3, None):
        assert safe_cell(kept) == kept


def test_csv_text_neutralises_every_cell_and_keeps_the_columns() -> None:
    text = csv_text(["ref", "amount"], [{"ref": "=cmd|' /C calc'!A0", "amount": Decimal("-1710.00")}, {"ref": "B"}])
    assert list(csv.reader(io.StringIO(text))) == [["ref", "amount"], ["'=cmd|' /C calc'!A0", "-1710.00"], ["B", ""]]
    assert text.endswith("\r\n")


def test_a_spreadsheet_csv_opens_in_finnish_excel_with_numbers_as_numbers() -> None:
    from seteli_common.csvfile import decimal_comma, spreadsheet_csv

    data = spreadsheet_csv(["Palveluntuottaja", "Määrä €"],
                           [["Hoiva Oy; Kouvola", decimal_comma("-20.00")], ["=HYPERLINK(1)", decimal_comma("12.5")]])
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8 (ä, ö)
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Palveluntuottaja;Määrä €"
    assert lines[1] == '"Hoiva Oy; Kouvola";-20,00'  # a credit stays a summable number
    assert lines[2] == "'=HYPERLINK(1);12,5"
