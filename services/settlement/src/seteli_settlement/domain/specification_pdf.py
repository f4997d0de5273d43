"""Payment specification (maksuerittely / betalningsspecifikation) PDF for one provider and settlement.

Clients appear only as ``client_ref``: the provider's own client number or an internal reference
(Data Protection Act §29). The input types have no field for a client's name or identity code,
and anything shaped like an identity code is refused.

Font choice: the PDF core font Helvetica with the cp1252 (WinAnsi) encoding. It covers ä ö å Ä Ö Å,
À and the € sign, needs no font file in the package, and keeps the text extractable (plain
strings in the content stream, no glyph-id subset). Every text goes through ``pdf_text``: the rare
character outside cp1252 (some Sámi letters, emoji) is shown as a look-alike or its base letter, else '?',
rather than failing the monthly run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

from seteli_common.validators import (
    ValidationFailed,
    contains_identity_code,
    format_finnish_reference,
    validate_business_id,
    validate_iban,
)
from stdnum import iban as stdnum_iban
from stdnum import iso11649

from .payment_file import PaymentFileError, normalize_reference
from .pdf_text import NBSP, PDF_ENCODING, from_fpdf, pdf_text

if TYPE_CHECKING:
    from fpdf import FPDF

Language = Literal["fi", "sv"]
LineKind = Literal["event", "interruption", "credit"]

_PERIOD_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class SpecificationError(ValueError):
    """A specification that must not be printed. The message never repeats a suspected identity code."""


@dataclass(frozen=True)
class SpecificationLine:
    client_ref: str
    content_name: str
    units: Decimal
    unit_label: str
    unit_price: Decimal
    tenant_share: Decimal
    co_payment: Decimal
    period_start: date
    period_end: date
    kind: LineKind


@dataclass(frozen=True)
class Specification:
    tenant_name: str
    provider_name: str
    provider_business_id: str
    payee_iban: str
    reference: str | None
    period: str  # "YYYY-MM"
    lines: Sequence[SpecificationLine]
    total: Decimal
    carried_over_note: str | None
    language: Language
    # Credits set off between the provider's payees (`settling.set_off`): total = the lines' sum + set_off.
    set_off: Decimal = Decimal(0)


_LABELS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Maksuerittely",
        "payer": "Maksaja",
        "provider": "Palveluntuottaja",
        "business_id": "Y-tunnus",
        "iban": "Tilinumero",
        "reference": "Viitenumero",
        "period": "Tilityskausi",
        "client": "Asiakas",
        "content": "Palvelusisältö",
        "dates": "Ajanjakso",
        "units": "Määrä",
        "unit_price": "À-hinta",
        "tenant_share": "Kunnan osuus",
        "co_payment": "Omavastuu",
        "interruption": "keskeytys",
        "credit": "Hyvitys",
        "total": "Yhteensä",
        "to_be_paid": "Maksetaan",
        "set_off": "Kuittaus saman palveluntuottajan muiden maksunsaajien kanssa",
        "notes": "Lisätiedot",
        "privacy": "Asiakkaat on yksilöity palveluntuottajan asiakasnumerolla tai sisäisellä viitteellä.",
        "co_payment_note": "Omavastuun asiakas maksaa suoraan palveluntuottajalle; se ei sisälly maksuun.",
        "no_lines": "Ei tilitettäviä rivejä.",
        "page": "Sivu",
    },
    "sv": {
        "title": "Betalningsspecifikation",
        "payer": "Betalare",
        "provider": "Serviceproducent",
        "business_id": "FO-nummer",
        "iban": "Kontonummer",
        "reference": "Referensnummer",
        "period": "Redovisningsperiod",
        "client": "Kund",
        "content": "Tjänsteinnehåll",
        "dates": "Period",
        "units": "Mängd",
        "unit_price": "À-pris",
        "tenant_share": "Kommunens andel",
        "co_payment": "Självrisk",
        "interruption": "avbrott",
        "credit": "Gottgörelse",
        "total": "Totalt",
        "to_be_paid": "Betalas",
        "set_off": "Kvittning mot samma tjänsteproducents övriga betalningsmottagare",
        "notes": "Tilläggsuppgifter",
        "privacy": "Kunderna identifieras med serviceproducentens kundnummer eller en intern referens.",
        "co_payment_note": ("Självrisken betalar kunden direkt till serviceproducenten; den ingår inte i betalningen."),
        "no_lines": "Inga rader att redovisa.",
        "page": "Sida",
    },
}

_MONTHS = {
    "fi": (
        "tammikuu helmikuu maaliskuu huhtikuu toukokuu kesäkuu heinäkuu elokuu syyskuu lokakuu marraskuu joulukuu"
    ).split(),
    "sv": "januari februari mars april maj juni juli augusti september oktober november december".split(),
}


# --- formatting -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)  # a month's lines repeat their prices and amounts
def format_money(amount: Decimal) -> str:
    """Finnish style, e.g. ``1 234,50 €``; the spaces are no-break spaces (U+00A0).

    No-break spaces keep an amount on one line in a narrow table cell, as Finnish typography asks.
    """
    q = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    grouped = f"{abs(q):,.2f}".replace(",", NBSP).replace(".", ",")
    return f"{sign}{grouped}{NBSP}€"


@functools.lru_cache(maxsize=1024)
def format_quantity(value: Decimal) -> str:
    """``2.50`` -> ``2,5``; ``10`` -> ``10``: no exponent, no trailing zeros, decimal comma."""
    text = f"{value.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def format_date(value: date) -> str:
    return f"{value.day}.{value.month}.{value.year}"


@functools.lru_cache(maxsize=4096)
def format_date_range(start: date, end: date) -> str:
    if start == end:
        return format_date(start)
    return f"{format_date(start)}–{format_date(end)}"


def format_reference(reference: str) -> str:
    """Printed form: Finnish reference in groups of five from the right, RF in groups of four."""
    ref = normalize_reference(reference)
    if ref.startswith("RF"):
        return str(iso11649.format(ref))
    return format_finnish_reference(ref)


# --- checks -----------------------------------------------------------------------------------


def _check_text(field: str, value: Any, *, required: bool = True, anywhere: bool = False) -> None:
    if not isinstance(value, str):
        raise SpecificationError(f"{field} must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise SpecificationError(f"{field} is empty")
    if contains_identity_code(value, anywhere=anywhere):
        # Not echoed: the error may end up in a log.
        raise SpecificationError(
            f"{field} contains what looks like a personal identity code; "
            "specifications identify clients only by the provider's client number or an internal reference"
        )


def _check_decimal(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise SpecificationError(f"{field} must be a finite Decimal, got {type(value).__name__}")


_KINDS = ("event", "interruption", "credit")


def _validate(spec: Specification) -> None:
    if spec.language not in _LABELS:
        raise SpecificationError(f"unsupported language {spec.language!r}")
    if not _PERIOD_RE.fullmatch(spec.period):
        raise SpecificationError(f"period must be YYYY-MM, got {spec.period!r}")
    _check_text("tenant_name", spec.tenant_name)
    _check_text("provider_name", spec.provider_name)
    for field, check, what in (
        ("provider_business_id", validate_business_id, "business ID"),
        ("payee_iban", validate_iban, "IBAN"),
    ):
        try:
            check(getattr(spec, field))
        except ValidationFailed as exc:
            raise SpecificationError(f"{field} is not a valid {what}: {exc.reason}") from None
    if spec.reference is not None:
        _check_text("reference", spec.reference, anywhere=True)
        try:
            normalize_reference(spec.reference)
        except PaymentFileError as exc:
            raise SpecificationError(f"reference: {exc}") from None
    if spec.carried_over_note is not None:
        _check_text("carried_over_note", spec.carried_over_note, required=False)
    _check_decimal("total", spec.total)
    passed: set[tuple[str, str]] = set()  # a month's lines repeat their clients and contents: checked once
    for i, line in enumerate(spec.lines):
        # What nearly every line is, checked at once (~1 µs, was ~4): its texts seen before, its numbers finite
        # Decimals, its period in order; anything else gets the checks below and their messages.
        units, unit_price, tenant_share, co_payment = line.units, line.unit_price, line.tenant_share, line.co_payment
        if (
            line.kind in _KINDS
            and ("client_ref", line.client_ref) in passed
            and ("content_name", line.content_name) in passed
            and ("unit_label", line.unit_label) in passed
            and type(units) is Decimal and type(unit_price) is Decimal
            and type(tenant_share) is Decimal and type(co_payment) is Decimal
            and units.is_finite() and unit_price.is_finite() and tenant_share.is_finite() and co_payment.is_finite()
            and not line.period_end < line.period_start
        ):
            continue
        where = f"lines[{i}]"
        if line.kind not in ("event", "interruption", "credit"):
            raise SpecificationError(f"{where}.kind must be event, interruption or credit")
        for name in ("client_ref", "content_name", "unit_label"):
            value = getattr(line, name)
            if not isinstance(value, str) or (name, value) not in passed:
                _check_text(f"{where}.{name}", value, required=name != "unit_label")
                passed.add((name, value))
        for name in ("units", "unit_price", "tenant_share", "co_payment"):
            _check_decimal(f"{where}.{name}", getattr(line, name))
        if line.period_end < line.period_start:
            raise SpecificationError(f"{where}: period_end is before period_start")
    _check_decimal("set_off", spec.set_off)
    line_sum = sum((line.tenant_share for line in spec.lines), Decimal(0))
    if line_sum + spec.set_off != spec.total:
        # The PDF must agree with the payment the provider receives: never print a total that differs.
        raise SpecificationError(f"total {spec.total} differs from the sum of the lines' tenant_share {line_sum}"
                                 f" and the set-off {spec.set_off}")


# --- rendering --------------------------------------------------------------------------------


@functools.cache
def _specification_pdf_class() -> Any:
    """The PDF class, made on the first specification: fpdf (with fontTools and Pillow) is imported then,
    not when the service starts."""
    from fpdf import FPDF

    class _SpecificationPdf(FPDF):
        def __init__(self, page_label: str, footer_text: str, deferred_footers: bool = False) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self._page_label = page_label
            self._footer_text = footer_text
            self.core_fonts_encoding = PDF_ENCODING  # WinAnsi: adds € to Latin-1
            self.deferred_footers = deferred_footers  # every page's footer written by _write_footers at the end
            # fpdf2 replaces its page-count alias ("{nb}") in any text: a name holding it printed the count. This
            # alias has controls, which pdf_text turns into spaces, so no printed text holds it; fpdf2 lays out any
            # alias of three characters as wide as "{nb}" (as "000"), so the footer is placed as before.
            self.alias_nb_pages(PAGE_COUNT_ALIAS)

        def footer(self) -> None:
            if self.deferred_footers:
                return
            self.set_y(-12)
            self.set_font("Helvetica", size=7)
            self.set_text_color(90)
            self.cell(0, 4, self._footer_text, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 4, f"{self._page_label} {self.page_no()}/{PAGE_COUNT_ALIAS}", align="R")

    return _SpecificationPdf


PAGE_COUNT_ALIAS = "\x01#\x01"  # where fpdf2 prints the number of pages (see _SpecificationPdf.__init__)


def load_renderer() -> None:
    """Import fpdf2 (with fontTools and Pillow) now: a worker process that will render specifications does it
    once as it starts rather than on its first specification (0.2 CPU s with bytecode, ~2 s without)."""
    _specification_pdf_class()


_COL_WIDTHS = (18.0, 48.0, 29.0, 16.0, 19.0, 28.0, 26.0)
_COL_ALIGNS = ("L", "L", "L", "R", "R", "R", "R")
_LINE_H = 4.5
_PAD = 1.0
_ROW_H = _LINE_H + 2 * _PAD  # a row of one-line cells


class _RowWriter:
    """Writes the table's one-line cells and their frames straight into the page's content stream: the
    very operators fpdf2's `rect()` and `cell()` write for them (same numbers, same bytes), without their
    per-call machinery (~60 µs a cell, most of a month's PDF time). One writer per table font (regular
    for the lines, bold for the headings); a row that wraps goes through fpdf2 (`_draw_row`)."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        font = pdf.current_font
        assert font is not None and font.type == "core"
        self.font, self.style = font, pdf.font_style
        assert pdf.font_stretching == 100 and not pdf.char_spacing and not pdf.underline
        self.k, self.page_h, self.c_margin = pdf.k, pdf.h, pdf.c_margin
        self.cw: dict[str, float] = self.font.cw  # type: ignore[assignment]  # core fonts: by character
        self.cache: dict[str, tuple[float, str]] = {}
        self.size_pt, self.font_size = pdf.font_size_pt, pdf.font_size
        # Black text on a grey fill colour: fpdf2 sets the text colour inside a q ... Q of each cell.
        if pdf.text_color != pdf.fill_color:
            assert pdf.text_color is not None
            self.text = ("q BT ", " Td " + pdf.text_color.serialize().lower() + " ({}) Tj ET Q")
        else:
            self.text = ("BT ", " Td ({}) Tj ET")
        # A month's rows repeat their layout and most of their texts: the parts of the operators that do
        # not depend on the row's height on the page are formatted once.
        self.frames: dict[Any, list[tuple[str, str, float]]] = {}
        self.placed: dict[tuple[float, float, str, str], tuple[str, str] | None] = {}
        self._line_layout = [(width, "", align) for width, align in zip(_COL_WIDTHS, _COL_ALIGNS, strict=True)]
        self.line_cells_x: float | None = None
        self.line_cells: list[dict[str, tuple[str, ...]]] = []
        self.templates: dict[float, str] = {}

    def ready(self, pdf: FPDF) -> bool:
        return pdf.current_font is self.font and pdf.font_style == self.style and pdf.font_size_pt == self.size_pt

    def width(self, text: str) -> float:
        """`FPDF.get_string_width` of the table font, the same arithmetic."""
        return self._measured(text)[0]

    def _measured(self, text: str) -> tuple[float, str]:
        """(width, the text as the content stream has it); a month's texts repeat (names, dates, sums)."""
        found = self.cache.get(text)
        if found is None:
            encoded = text.encode(PDF_ENCODING).decode("latin-1")  # fpdf2's normalize_text
            width = sum(self.cw[c] for c in encoded) * self.size_pt * 0.001 / self.k
            escaped = encoded.replace("\\", "\\\\").replace(")", "\\)").replace("(", "\\(").replace("\r", "\\r")
            found = self.cache[text] = (width, escaped)
        return found

    def try_row(self, pdf: FPDF, cells: Sequence[tuple[float, str, str]], fill: bool) -> bool:
        """Write the row at the current position if it fits on this page and every text fits its cell on one
        line; else False, and nothing is written. The current font must be this writer's (`ready`)."""
        x, y, k, page_h = pdf.l_margin, pdf.y, self.k, self.page_h
        if y + _ROW_H > pdf.page_break_trigger:
            return False
        frames = self._frames(x, _ROW_H, cells, fill)
        texts: list[tuple[str, str] | None] = []
        for (_, _, left), (width, text, align) in zip(frames, cells, strict=True):
            placed = self._placed(left, width, text, align) if text else None
            if text and placed is None:
                return False
            texts.append(placed)
        top = f"{(page_h - y) * k:.2f}"
        text_y = f"{(page_h - (y + _PAD) - 0.5 * _LINE_H - 0.3 * self.font_size) * k:.2f}"
        ops = []
        font_set = pdf.current_font_is_set_on_page
        for (rect_head, rect_tail, _), placed in zip(frames, texts, strict=True):
            ops.append(rect_head + top + rect_tail)
            if placed is not None:
                if not font_set:  # a page's first row: as fpdf2's first cell does
                    ops.append(pdf._set_font_for_page(self.font, self.size_pt))
                    font_set = True
                ops.append(placed[0] + text_y + placed[1])
        pdf._out("\n".join(ops))
        pdf.set_xy(x, y + _ROW_H)
        return True

    def write_rows(self, pdf: FPDF, rows: Sequence[Sequence[str]], start: int) -> int:
        """Write the lines' rows from `start` on (columns `_COL_WIDTHS`, `_COL_ALIGNS`, no fill) while they fit on
        this page with one-line cells, as one block of the content stream: the very bytes `try_row` writes row
        by row, with a row's work down to a lookup per cell and one format. Returns the index of the first row
        not written (the caller draws it by `_draw_row`: a page break, a wrapped cell, the page's first text)."""
        if not self.ready(pdf) or not pdf.current_font_is_set_on_page:
            return start
        x, y, trigger = pdf.l_margin, pdf.y, pdf.page_break_trigger
        caches, get = self._line_cells(x), dict.get
        out = []
        end = start
        for index in range(start, len(rows)):
            row = rows[index]
            if y + _ROW_H > trigger:
                break
            found: list[Any] = list(map(get, caches, row))
            if None in found:  # a text not seen yet in its column: measure and place it
                found = [self._line_cell(x, column, text) for column, text in enumerate(row)]
            if () in found:  # wraps, or empty, or the {nb} alias: try_row's or fpdf2's way
                break
            template = self.templates.get(y)
            if template is None:
                template = self.templates[y] = self._template(x, y)
            a, b, c, d, e, f, g = found  # one % of one tuple: the quickest way found to fill 14 fields
            out.append(template % (a + b + c + d + e + f + g))
            y += _ROW_H
            end += 1
        if out:
            pdf._out("\n".join(out))
            pdf.set_xy(x, y)
        return end

    def _line_cells(self, x: float) -> list[dict[str, tuple[str, ...]]]:
        """Per column of the lines: text -> (what comes between the row's frame top and its text baseline, what
        follows the baseline), or () where the text cannot be written so (`_placed` gives None, or empty)."""
        if self.line_cells_x != x:
            self.line_cells_x, self.line_cells = x, [{} for _ in _COL_WIDTHS]
            self.templates = {}
        return self.line_cells

    def _line_cell(self, x: float, column: int, text: str) -> tuple[str, ...]:
        cache = self.line_cells[column]
        found = cache.get(text)
        if found is None:
            _, rect_tail, left = self._frames(x, _ROW_H, self._line_layout, False)[column]
            placed = self._placed(left, _COL_WIDTHS[column], text, _COL_ALIGNS[column]) if text else None
            found = cache[text] = () if placed is None else (rect_tail + "\n" + placed[0], placed[1])
        return found

    def _template(self, x: float, y: float) -> str:
        """A row at `y`: per cell the frame's operator and the text's, as try_row joins them, with the
        cell's two text-dependent parts left as %s (the rest is numbers: no % to escape)."""
        top = f"{(self.page_h - y) * self.k:.2f}"
        text_y = f"{(self.page_h - (y + _PAD) - 0.5 * _LINE_H - 0.3 * self.font_size) * self.k:.2f}"
        frames = self._frames(x, _ROW_H, self._line_layout, False)
        return "\n".join(f"{head}{top}%s{text_y}%s" for head, _, _ in frames)

    def _frames(
        self, x: float, height: float, cells: Sequence[tuple[float, str, str]], fill: bool
    ) -> list[tuple[str, str, float]]:
        """Per cell: the frame's operator around its top (rect()'s numbers), and the cell's x."""
        key = (x, height, fill, *(width for width, _, _ in cells))
        found = self.frames.get(key)
        if found is None:
            k, frame = self.k, "B" if fill else "S"  # fpdf2's rect() operator of style DF / D
            found = []
            for width, _, _ in cells:
                found.append((f"{x * k:.2f} ", f" {width * k:.2f} {-height * k:.2f} re {frame}", x))
                x += width
            self.frames[key] = found
        return found

    def _placed(self, x: float, width: float, text: str, align: str) -> tuple[str, str] | None:
        """The text's operator around its baseline, as cell() places it at (x + _PAD) in a cell of width
        (width - 2 * _PAD). None: it needs more than one line, or it has fpdf2's page-count alias ({nb},
        which cell() prints as the number)."""
        key = (x, width, align, text)
        if key in self.placed:
            return self.placed[key]
        text_width, escaped = self._measured(text)
        found: tuple[str, str] | None = None
        if text_width <= width - 2 * _PAD and self.pdf.str_alias_nb_pages not in text:
            dx = (width - 2 * _PAD) - self.c_margin - text_width if align == "R" else self.c_margin
            head, tail = self.text
            found = (f"{head}{(x + _PAD + dx) * self.k:.2f} ", tail.format(escaped))
        self.placed[key] = found
        return found


def _write_footers(pdf: Any) -> None:
    """Every page's footer, once the last page is laid out: the bytes the footer()'s two cells write on each
    page (the page count as fpdf2 puts it in place of its {nb} alias, which it lays out as wide as "000"), at
    the end of the page's content, as fpdf2 writes a footer when the next page is added. Two cells a page
    through fpdf2 cost ~1 ms, a fifth of a month's specification."""
    last = pdf.page
    pdf.set_font("Helvetica", size=7)
    pdf.set_text_color(90)
    writer = _RowWriter(pdf)
    font, k, c_margin = pdf.current_font, pdf.k, pdf.c_margin
    y = pdf.h - 12  # set_y(-12)
    text_y = f"{(pdf.h - y - 0.5 * 4 - 0.3 * pdf.font_size) * k:.2f}"
    head, tail = writer.text  # "q BT " ... " Td <colour> ({}) Tj ET Q" unless the text colour is the fill colour
    x = pdf.l_margin
    width = pdf.w - pdf.r_margin - x  # cell(0, ...): up to the right margin
    footer = f"{head}{(x + c_margin) * k:.2f} {text_y}{tail.format(writer._measured(pdf._footer_text)[1])}"
    count = f") Tj ({pdf.pages_count}"  # fpdf2's substitution: the count as a text of its own
    alias_width = writer.width("000")
    for page in range(1, last + 1):
        pdf.page = page
        label = f"{pdf._page_label} {page}/"
        label_width, escaped = writer._measured(label)
        dx = width - c_margin - (label_width + alias_width)
        page_label = f"{head}{(x + dx) * k:.2f} {text_y}{tail.format(escaped + count)}"
        pdf._out(f"{pdf._set_font_for_page(font, pdf.font_size_pt)}\n{footer}\n{page_label}")
    pdf.page = last


def _cell_lines(pdf: FPDF, width: float, text: str, writer: _RowWriter | None = None) -> list[str]:
    # Measuring is cheap; only a text that does not fit is broken into lines (the slow path).
    if (writer.width(text) if writer is not None else pdf.get_string_width(text)) <= width - 2 * _PAD:
        return [text]
    if " " not in text and "–" in text:  # a date range: break after the dash, never inside a date
        head, _, tail = text.partition("–")
        return _cell_lines(pdf, width, head + "–", writer) + _cell_lines(pdf, width, tail, writer)
    lines: Any = pdf.multi_cell(width - 2 * _PAD, _LINE_H, text, dry_run=True, output="LINES")
    return [from_fpdf(str(line)) for line in lines] or [""]


def _draw_row(
    pdf: FPDF,
    cells: Sequence[tuple[float, str, str]],
    bold: bool = False,
    fill: bool = False,
    header: Sequence[str] = (),
    writers: tuple[_RowWriter, _RowWriter] | None = None,
) -> None:
    """One table row: every cell as tall as the tallest, text wrapped where needed. Drawn by hand
    with plain cells because fpdf2's table() measures every cell twice and is ~10x slower; a row of
    one-line cells by the font's `writers` (regular, bold): the same bytes, far less time."""
    writer = writers[bold] if writers is not None else None
    if writer is None or not writer.ready(pdf):
        pdf.set_font("Helvetica", style="B" if bold else "", size=8)
    if writer is not None and writer.try_row(pdf, cells, fill):
        return
    wrapped = [_cell_lines(pdf, width, text, writer) for width, text, _ in cells]
    height = max(len(lines) for lines in wrapped) * _LINE_H + 2 * _PAD
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
        if header:  # the headings repeat on every page
            _draw_row(pdf, [(w, h, "L") for w, h in zip(_COL_WIDTHS, header, strict=True)], bold=True, fill=True,
                      writers=writers)
            pdf.set_font("Helvetica", style="B" if bold else "", size=8)
        if writer is not None and writer.try_row(pdf, cells, fill):
            return
    x, y = pdf.l_margin, pdf.get_y()
    for (width, _, align), lines in zip(cells, wrapped, strict=True):
        pdf.rect(x, y, width, height, style="DF" if fill else "D")
        for n, text in enumerate(lines):
            pdf.set_xy(x + _PAD, y + _PAD + n * _LINE_H)
            pdf.cell(width - 2 * _PAD, _LINE_H, text, align=align)
        x += width
    pdf.set_xy(pdf.l_margin, y + height)


def _draw_table(pdf: FPDF, headings: Sequence[str], rows: Sequence[Sequence[str]], total: tuple[str, str, str]) -> None:
    auto = pdf.auto_page_break
    pdf.set_auto_page_break(False, margin=pdf.b_margin)  # rows break pages themselves, never mid-row
    pdf.set_fill_color(230, 230, 230)
    pdf.set_draw_color(0, 0, 0)
    writers = None
    if _FAST_ROWS:
        pdf.set_font("Helvetica", size=8)
        regular = _RowWriter(pdf)
        pdf.set_font("Helvetica", style="B", size=8)
        writers = (regular, _RowWriter(pdf))
    _draw_row(pdf, [(w, h, "L") for w, h in zip(_COL_WIDTHS, headings, strict=True)], bold=True, fill=True,
              writers=writers)
    i = 0
    while i < len(rows):  # a page's first row (and any that wraps) by _draw_row, the rest of the page at once
        _draw_row(pdf, list(zip(_COL_WIDTHS, rows[i], _COL_ALIGNS, strict=True)), header=headings, writers=writers)
        i = writers[0].write_rows(pdf, rows, i + 1) if writers is not None else i + 1
    label_width = sum(_COL_WIDTHS[:5])
    _draw_row(
        pdf,
        [(label_width, total[0], "L"), (_COL_WIDTHS[5], total[1], "R"), (_COL_WIDTHS[6], total[2], "R")],
        bold=True,
        header=headings,
        writers=writers,
    )
    pdf.set_auto_page_break(auto, margin=pdf.b_margin)


_FAST_ROWS = True  # False: every row through fpdf2 (the reference the tests compare the bytes with)


def _describe(line: SpecificationLine, labels: dict[str, str]) -> str:
    if line.kind == "interruption":
        return f"{line.content_name} ({labels['interruption']})"
    if line.kind == "credit":
        return f"{labels['credit']}: {line.content_name}"
    return line.content_name


def render_specification_pdf(spec: Specification, *, created_at: datetime | None = None) -> bytes:
    """Render the payment specification; return the PDF bytes.

    ``created_at`` fixes the PDF creation date so a re-run produces the same bytes; without it the
    current time is used. Raises SpecificationError for an inconsistent or unsafe specification.
    """
    _validate(spec)
    labels = _LABELS[spec.language]
    year, month = (int(p) for p in spec.period.split("-"))
    period_text = f"{_MONTHS[spec.language][month - 1]} {year}"
    title = f"{labels['title']} {period_text}"

    pdf: FPDF = _specification_pdf_class()(
        page_label=labels["page"],
        footer_text=pdf_text(f"{spec.tenant_name} · {labels['title']} {spec.period} · {spec.provider_name}"),
        deferred_footers=_FAST_ROWS,
    )
    if created_at is not None:
        pdf.set_creation_date(created_at)
    pdf.set_title(pdf_text(f"{labels['title']} {spec.period} {spec.provider_name}"))
    pdf.set_author(pdf_text(spec.tenant_name))
    pdf.set_lang(spec.language)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(12, 12, 12)
    pdf.add_page()

    pdf.set_font("Helvetica", style="B", size=15)
    pdf.cell(0, 8, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    pdf.set_font("Helvetica", size=9)
    business_id = validate_business_id(spec.provider_business_id)
    header_rows = [
        (labels["payer"], spec.tenant_name),
        (labels["provider"], f"{spec.provider_name} ({labels['business_id']} {business_id})"),
        (labels["iban"], str(stdnum_iban.format(spec.payee_iban))),
    ]
    if spec.reference is not None:
        header_rows.append((labels["reference"], format_reference(spec.reference)))
    header_rows.append((labels["period"], f"{period_text} ({spec.period})"))
    for label, value in header_rows:
        pdf.set_font("Helvetica", style="B", size=9)
        pdf.cell(38, 5, pdf_text(label))
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, pdf_text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    headings = (
        labels["client"],
        labels["content"],
        labels["dates"],
        labels["units"],
        labels["unit_price"],
        labels["tenant_share"],
        labels["co_payment"],
    )
    co_payment_sum = sum((line.co_payment for line in spec.lines), Decimal(0))
    pdf.set_font("Helvetica", size=8)
    rows = [
        (
            pdf_text(line.client_ref),
            pdf_text(_describe(line, labels)),
            format_date_range(line.period_start, line.period_end),
            pdf_text(f"{format_quantity(line.units)} {line.unit_label}".strip()),
            format_money(line.unit_price),
            format_money(line.tenant_share),
            format_money(line.co_payment),
        )
        for line in spec.lines
    ]
    total = (pdf_text(labels["total"]), format_money(spec.total - spec.set_off), format_money(co_payment_sum))
    _draw_table(pdf, tuple(pdf_text(h) for h in headings), rows, total)

    pdf.ln(3)
    if not spec.lines:
        pdf.set_font("Helvetica", style="I", size=9)
        pdf.multi_cell(0, 5, pdf_text(labels["no_lines"]), new_x="LMARGIN", new_y="NEXT")
    if spec.set_off:
        pdf.set_font("Helvetica", size=9)
        pdf.cell(0, 5, pdf_text(f"{labels['set_off']}: {format_money(spec.set_off)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", style="B", size=11)
    pdf.cell(0, 7, pdf_text(f"{labels['to_be_paid']}: {format_money(spec.total)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(0, 4, pdf_text(labels["co_payment_note"]), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 4, pdf_text(labels["privacy"]), new_x="LMARGIN", new_y="NEXT")
    if spec.carried_over_note:
        pdf.ln(3)
        pdf.set_font("Helvetica", style="B", size=9)
        pdf.cell(0, 5, pdf_text(labels["notes"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 5, pdf_text(spec.carried_over_note), new_x="LMARGIN", new_y="NEXT")

    if _FAST_ROWS:
        _write_footers(pdf)
    return bytes(pdf.output())
