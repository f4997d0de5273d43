"""The table rows written straight into the content stream (`_RowWriter`, how a month's 1,000,000 lines
are printed in time) are byte for byte what fpdf2's own cells write."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from seteli_settlement.domain import specification_pdf
from seteli_settlement.domain.specification_pdf import Specification, SpecificationLine, render_specification_pdf

from .test_specification import make_lines, make_spec

CREATED = datetime(2024, 6, 5, 8, 0, tzinfo=UTC)


def _both(spec: Specification, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, bytes]:
    fast = render_specification_pdf(spec, created_at=CREATED)
    monkeypatch.setattr(specification_pdf, "_FAST_ROWS", False)
    reference = render_specification_pdf(spec, created_at=CREATED)
    monkeypatch.setattr(specification_pdf, "_FAST_ROWS", True)
    return fast, reference


LONG_NAME = "Kotihoito, säännöllinen ilta- ja viikonloppukäynnit (2 hoitajaa)"  # wraps in its cell


def _many_lines() -> list[SpecificationLine]:
    base = make_lines()
    lines = []
    for i in range(400):  # several pages: the headings repeat, the first row of a page sets the font
        line = base[i % len(base)]
        lines.append(replace(
            line, client_ref=[f"K-{i:04d}", "A(1)\\b", "Ö-123 ü", "{nb}", ""][i % 5] or "-",
            content_name=line.content_name if i % 7 else LONG_NAME,
            units=Decimal(i % 13) / 4, tenant_share=Decimal(i) - Decimal("0.25"),
            co_payment=Decimal(i % 3) * Decimal("1234.5"),
            period_start=date(2024, 5, 1 + i % 20), period_end=date(2024, 5, 1 + i % 20 + (i % 3) * 5)))
    return lines


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_fast_rows_write_the_same_bytes_as_fpdf(language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _many_lines()
    spec = make_spec(language=language, lines=lines, carried_over_note="Siirtyy (1 234,00 €).")
    fast, reference = _both(spec, monkeypatch)
    assert fast == reference
    assert fast.count(b"/Type /Page\n") > 5


@pytest.mark.parametrize("lines", [[], make_lines()])
def test_short_specifications_are_the_same_bytes(
    lines: list[SpecificationLine], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, reference = _both(make_spec(lines=lines), monkeypatch)
    assert fast == reference
