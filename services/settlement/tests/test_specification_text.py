"""Any Unicode text prints: typographic characters, Sámi letters, emoji and control characters neither
crash the specification PDF nor lose the Finnish and Swedish letters or the euro sign."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from seteli_settlement.domain.specification_pdf import NBSP, pdf_text, render_specification_pdf

from .test_specification import CREATED, flat_text, make_lines, make_spec

TYPOGRAPHIC = "Hoiva – Koti — ”Päivänsäde” O’Brien “Åsa” Ödmark… 5 €"


def test_pdf_text_keeps_what_the_font_has_and_maps_the_rest() -> None:
    assert pdf_text("äöå ÄÖÅ € – — ’ “ ” … À") == "äöå ÄÖÅ € – — ’ “ ” … À"
    assert pdf_text("a\u0308iti") == "äiti"  # decomposed input is composed first, not lost
    assert pdf_text("1\u20102 \u22123 4\u202f5\u200b6") == f"1-2 -3 4{NBSP}56"
    assert pdf_text("Áŋŋá Čearru, Đuođđa, Ŧuŧŧu, ǯ") == "Ánná Cearru, Duodda, Tuttu, z"
    assert pdf_text("emoji 🙂 中") == "emoji ? ?"
    assert pdf_text("rivi\tja\nrivi\x00") == "rivi ja rivi"


def test_typographic_characters_in_wrapped_cells_print() -> None:
    lines = make_lines()
    # long enough to wrap in the narrow content and client columns: the wrapped path used to re-encode
    lines[0] = replace(lines[0], client_ref="A–1001 ’x’ “y”",
                       content_name=f"Kotihoito – säännöllinen — aamu ja ilta ”arki” … {TYPOGRAPHIC}")
    lines[1] = replace(lines[1], content_name="Áŋŋá-Máret Čearru – tehostettu palveluasuminen",
                       unit_label="vrk – €", period_start=date(2024, 12, 1), period_end=date(2024, 12, 31))
    spec = make_spec(lines=lines, provider_name=f"{TYPOGRAPHIC} Oy", tenant_name="Kouvola – Kouvolan kaupunki",
                     carried_over_note=f"Huom: {TYPOGRAPHIC} ŋ")
    text = flat_text(render_specification_pdf(spec, created_at=CREATED))
    assert "Kotihoito – säännöllinen — aamu ja ilta ”arki” …" in text
    assert "O’Brien “Åsa” Ödmark… 5 €" in text
    assert "Ánná-Máret Cearru – tehostettu palveluasuminen" in text
    assert re.search(r"1\.12\.2024– ?31\.12\.2024", text)  # the date cell may wrap after the dash
    assert "Kouvola – Kouvolan kaupunki" in text
    assert "Maksetaan: 5 111,25 €" in text and "Huom: Hoiva – Koti" in text


def test_swedish_specification_with_typographic_names() -> None:
    lines = [replace(line, content_name="Serviceboende – vård och omsorg dygnet runt (’a’)") for line in make_lines()]
    spec = make_spec("sv", lines=lines, provider_name="Kotiapu – Hemhjälp Ab", reference=None)
    text = flat_text(render_specification_pdf(spec, created_at=CREATED))
    assert "Kotiapu – Hemhjälp Ab" in text and "Betalas: 5 111,25 €" in text
    assert "Gottgörelse: Serviceboende – vård och omsorg dygnet runt (’a’)" in text



def test_a_name_holding_fpdf2s_page_count_alias_prints_as_written() -> None:
    # fpdf2 replaces "{nb}" in any text with the number of pages: a content or company named so printed "1".
    lines = [replace(line, content_name="Kotihoito {nb} ilta") for line in make_lines()]
    spec = make_spec(lines=lines, provider_name="Hoiva {nb} Oy")
    text = flat_text(render_specification_pdf(spec, created_at=CREATED))
    assert "Kotihoito {nb} ilta" in text and "Hoiva {nb} Oy" in text
    assert re.search(r"Sivu 1/1", text)  # the page count itself still prints
