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
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


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
