"""Every CSV the platform writes goes through here, so that no cell reaches a spreadsheet as a formula.

A cell a spreadsheet would evaluate (one starting with ``= + - @``, a tab or a carriage return) gets a
leading apostrophe: Excel and LibreOffice then show it as text, the apostrophe hidden. A number is not a
formula: ``-20.00`` (a credit) stays a readable, summable number, so only non-numeric cells change.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+([.,][0-9]+)?")  # 12.50, or 12,50 as a Finnish spreadsheet writes it


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet must show it: text that could start a formula is neutralised."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return value


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows as CSV text (a header line, CRLF line ends), every cell passed through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return out.getvalue()


def decimal_comma(value: Any) -> str:
    """A number as Finnish and Swedish spreadsheets read it: ``1234.5`` -> ``1234,5`` (no grouping, no
    currency sign, so the cell stays a number that sums)."""
    return "" if value is None or value == "" else str(value).replace(".", ",")


def spreadsheet_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV that opens right in Finnish Excel by double-click: UTF-8 with a byte-order mark (else
    ä and ö break), semicolons (the comma is the decimal separator), CRLF; cells as `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
