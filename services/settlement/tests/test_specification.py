import dataclasses
import re
import unicodedata
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from seteli_settlement.domain.specification_pdf import (
    NBSP,
    Specification,
    SpecificationError,
    SpecificationLine,
    format_money,
    format_quantity,
    format_reference,
    render_specification_pdf,
)

# pypdf is not a dependency of the workspace: text is pulled out of the fpdf2 output directly.
# fpdf2 writes core-font text as cp1252 literal strings followed by Tj in Flate-compressed
# content streams, and document metadata as literal or UTF-16 hex strings.
_STREAM_RE = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BT_ET_RE = re.compile(rb"\bBT\b(.*?)\bET\b", re.S)
_TJ_RE = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
_LITERAL_RE = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.S)
_UTF16_HEX_RE = re.compile(rb"<(feff[0-9a-fA-F]*)>", re.I)


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):  # backslash
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def _streams(pdf: bytes) -> list[bytes]:
    result = []
    for m in _STREAM_RE.finditer(pdf):
        data = m.group(1)
        try:
            data = zlib.decompress(data)
        except zlib.error:
            pass
        result.append(data)
    return result


def page_text(pdf: bytes) -> str:
    """The text shown on the pages, one text object (BT..ET) per line, no-break spaces as spaces."""
    lines = []
    for stream in _streams(pdf):
        for block in _BT_ET_RE.finditer(stream):
            shown = [_unescape(m.group(1)).decode("cp1252") for m in _TJ_RE.finditer(block.group(1))]
            if shown:
                lines.append("".join(shown))
    return "\n".join(lines).replace(NBSP, " ")


def flat_text(pdf: bytes) -> str:
    """Page text with all whitespace runs as one space, so a table cell wrapped over lines still matches."""
    return " ".join(page_text(pdf).split())


def every_string(pdf: bytes) -> str:
    """Everything readable anywhere in the file: page text, metadata, raw bytes."""
    chunks = [page_text(pdf)]
    for blob in [pdf, *_streams(pdf)]:
        chunks.append(blob.decode("latin-1"))
        chunks += [_unescape(m.group(1)).decode("cp1252", "replace") for m in _LITERAL_RE.finditer(blob)]
        chunks += [bytes.fromhex(m.group(1).decode())[2:].decode("utf-16-be") for m in _UTF16_HEX_RE.finditer(blob)]
    return "\n".join(chunks).replace(NBSP, " ")


CREATED = datetime(2024, 6, 4, 6, 0, tzinfo=UTC)

# What the rest of the system knows about the clients. Only client_ref may reach the PDF.
CLIENTS = {
    "A-1001": {"name": "Matti Meikäläinen", "hetu": "010180-9026"},
    "A-1002": {"name": "Maija Möttönen", "hetu": "131052+9081"},
    "A-0999": {"name": "Åsa Ödmark", "hetu": "010101A900K"},
}


def make_lines() -> list[SpecificationLine]:
    return [
        SpecificationLine(
            client_ref="A-1001",
            content_name="Kotihoito, säännöllinen",
            units=Decimal("20"),
            unit_label="h",
            unit_price=Decimal("45.50"),
            tenant_share=Decimal("800.00"),
            co_payment=Decimal("110.00"),
            period_start=date(2024, 5, 1),
            period_end=date(2024, 5, 31),
            kind="event",
        ),
        SpecificationLine(
            client_ref="A-1002",
            content_name="Tehostettu palveluasuminen",
            units=Decimal("28"),
            unit_label="vrk",
            unit_price=Decimal("150.00"),
            tenant_share=Decimal("4200.00"),
            co_payment=Decimal("0.00"),
            period_start=date(2024, 5, 1),
            period_end=date(2024, 5, 31),
            kind="event",
        ),
        SpecificationLine(
            client_ref="A-1002",
            content_name="Tehostettu palveluasuminen",
            units=Decimal("3"),
            unit_label="vrk",
            unit_price=Decimal("150.00"),
            tenant_share=Decimal("225.00"),
            co_payment=Decimal("0.00"),
            period_start=date(2024, 5, 10),
            period_end=date(2024, 5, 12),
            kind="interruption",
        ),
        SpecificationLine(
            client_ref="A-0999",
            content_name="Kotihoito",
            units=Decimal("2.5"),
            unit_label="h",
            unit_price=Decimal("45.50"),
            tenant_share=Decimal("-113.75"),
            co_payment=Decimal("0.00"),
            period_start=date(2024, 4, 3),
            period_end=date(2024, 4, 3),
            kind="credit",
        ),
    ]


def make_spec(language="fi", lines=None, **changes) -> Specification:
    lines = make_lines() if lines is None else lines
    spec = Specification(
        tenant_name="Kouvolan kaupunki",
        provider_name="Hoivakoti Äänekoski Oy",
        provider_business_id="2077474-0",
        payee_iban="FI5810171000000122",
        reference="1234561",
        period="2024-05",
        lines=lines,
        total=sum((line.tenant_share for line in lines if isinstance(line.tenant_share, Decimal)), Decimal(0)),
        carried_over_note=None,
        language=language,
    )
    return replace(spec, **changes)


def test_renders_a_pdf():
    pdf = render_specification_pdf(make_spec(), created_at=CREATED)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_finnish_spec_shows_refs_amounts_and_total():
    text = flat_text(render_specification_pdf(make_spec("fi"), created_at=CREATED))
    for heading in (
        "Maksuerittely toukokuu 2024",
        "Asiakas",
        "Palvelusisältö",
        "Määrä",
        "À-hinta",
        "Kunnan osuus",
        "Omavastuu",
        "Yhteensä",
    ):
        assert heading in text
    for ref in CLIENTS:
        assert ref in text
    for amount in ("800,00 €", "4 200,00 €", "225,00 €", "-113,75 €", "45,50 €", "110,00 €"):
        assert amount in text
    assert "5 111,25 €" in text  # total = 800 + 4200 + 225 - 113.75
    assert "Maksetaan: 5 111,25 €" in text
    assert "Hyvitys: Kotihoito" in text
    assert "Tehostettu palveluasuminen (keskeytys)" in text
    assert "2,5 h" in text
    assert "1.5.2024–31.5.2024" in text
    assert "12 34561" in text  # reference in groups of five from the right
    assert "FI58 1017 1000 0001 22" in text
    assert "Y-tunnus 2077474-0" in text
    assert "Sivu 1/1" in text


def test_swedish_spec_has_swedish_headings():
    text = flat_text(render_specification_pdf(make_spec("sv"), created_at=CREATED))
    for heading in (
        "Betalningsspecifikation maj 2024",
        "Kund",
        "Tjänsteinnehåll",
        "Mängd",
        "À-pris",
        "Kommunens andel",
        "Självrisk",
        "Totalt",
        "Gottgörelse: Kotihoito",
        "FO-nummer 2077474-0",
        "Sida 1/1",
    ):
        assert heading in text
    for finnish in ("Maksuerittely", "Asiakas", "Kunnan osuus", "Omavastuu", "Hyvitys", "Yhteensä"):
        assert finnish not in text
    assert "5 111,25 €" in text


def test_no_client_name_or_identity_code_anywhere_in_the_file():
    pdf = render_specification_pdf(make_spec(carried_over_note="Huhtikuun hyvitys vähennetty."), created_at=CREATED)
    everything = every_string(pdf)
    assert "A-1001" in everything  # the extraction does see the page text
    for client in CLIENTS.values():
        for part in [client["name"], *client["name"].split(), client["hetu"]]:
            assert part not in everything
            assert unicodedata.normalize("NFD", part) not in everything
    assert not re.search(r"(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[-+A-FU-Y]\d{3}[0-9A-Y]", everything)


def test_types_have_no_field_for_client_name_or_identity_code():
    names = {f.name for f in dataclasses.fields(SpecificationLine)}
    assert "client_ref" in names
    for name in names:
        assert not re.search(r"client_name|hetu|ssn|identity|henkilotunnus|birth", name)


@pytest.mark.parametrize("field", ["client_ref", "content_name", "unit_label"])
def test_identity_code_in_a_line_is_refused(field):
    lines = make_lines()
    lines[0] = replace(lines[0], **{field: f"X {CLIENTS['A-1001']['hetu']}"})
    with pytest.raises(SpecificationError, match="personal identity code") as exc_info:
        render_specification_pdf(make_spec(lines=lines))
    assert CLIENTS["A-1001"]["hetu"] not in str(exc_info.value)


def test_identity_code_inside_rf_reference_is_refused():
    # "RF18" + code: the check digits right before the code must not hide it.
    with pytest.raises(SpecificationError, match="reference contains what looks like"):
        render_specification_pdf(make_spec(reference="RF18 0101 80A9 00K"))


def test_identity_code_in_note_is_refused():
    with pytest.raises(SpecificationError, match="carried_over_note"):
        render_specification_pdf(make_spec(carried_over_note="Asiakas 010180-9026 siirtyy"))


def test_total_must_equal_sum_of_tenant_shares():
    with pytest.raises(SpecificationError, match="differs from the sum"):
        render_specification_pdf(make_spec(total=Decimal("5111.26")))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"tenant_share": 800.0}, "tenant_share must be a finite Decimal"),
        ({"unit_price": Decimal("NaN")}, "unit_price must be a finite Decimal"),
        ({"kind": "bonus"}, "kind must be"),
        ({"client_ref": " "}, "client_ref is empty"),
        ({"period_end": date(2024, 4, 30)}, "period_end is before period_start"),
    ],
)
def test_bad_line_is_refused(change, error):
    lines = make_lines()
    lines[0] = replace(lines[0], **change)
    spec = make_spec(lines=lines, total=Decimal("5111.25"))
    with pytest.raises(SpecificationError, match=error):
        render_specification_pdf(spec)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"tenant_share": 800.0}, "lines\\[4\\].tenant_share must be a finite Decimal"),
        ({"units": True}, "lines\\[4\\].units must be a finite Decimal"),
        ({"co_payment": Decimal("-Infinity")}, "lines\\[4\\].co_payment must be a finite Decimal"),
        ({"unit_price": Decimal("NaN")}, "lines\\[4\\].unit_price must be a finite Decimal"),
        ({"kind": "bonus"}, "lines\\[4\\].kind must be"),
        ({"period_end": date(2024, 4, 30)}, "lines\\[4\\]: period_end is before period_start"),
    ],
)
def test_bad_line_after_lines_like_it_is_refused(change, error):
    """A month's lines repeat their clients and contents, whose texts are checked once: a later line with the
    same texts and a bad number, kind or period is refused all the same, and named."""
    lines = make_lines()
    lines.append(replace(lines[0], **change))
    with pytest.raises(SpecificationError, match=error):
        render_specification_pdf(make_spec(lines=lines, total=Decimal("5111.25")))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"period": "2024-5"}, "YYYY-MM"),
        ({"language": "en"}, "unsupported language"),
        ({"provider_business_id": "2077474-1"}, "business ID"),
        ({"payee_iban": "FI5810171000000123"}, "IBAN"),
        ({"reference": "1234562"}, "reference"),
        ({"total": 5111.25}, "total must be a finite Decimal"),
    ],
)
def test_bad_specification_is_refused(change, error):
    with pytest.raises(SpecificationError, match=error):
        render_specification_pdf(make_spec(**change))


def test_carried_over_note_is_printed():
    text = page_text(render_specification_pdf(make_spec(carried_over_note="Siirtyy seuraavaan tilitykseen.")))
    assert "Lisätiedot" in text
    assert "Siirtyy seuraavaan tilitykseen." in text


def test_rf_reference_and_no_reference():
    assert "RF34 1234 561" in page_text(render_specification_pdf(make_spec(reference="RF341234561")))
    text = page_text(render_specification_pdf(make_spec(reference=None)))
    assert "Viitenumero" not in text


def test_empty_specification_renders_zero_total():
    text = page_text(render_specification_pdf(make_spec(lines=[], carried_over_note="Ei tapahtumia.")))
    assert "Maksetaan: 0,00 €" in text
    assert "Ei tilitettäviä rivejä." in text


def test_long_specification_spans_pages_with_headings_repeated():
    base = make_lines()[0]
    lines = [replace(base, client_ref=f"K-{i:04d}") for i in range(120)]
    text = page_text(render_specification_pdf(make_spec(lines=lines), created_at=CREATED))
    found = re.search(r"Sivu 1/(\d+)", text)
    assert found is not None
    pages = int(found.group(1))
    assert pages >= 2
    assert text.count("Palvelusisältö") == pages
    assert "K-0000" in text and "K-0119" in text
    assert "96 000,00 €" in text  # 120 x 800.00


def test_same_input_same_bytes():
    spec = make_spec()
    assert render_specification_pdf(spec, created_at=CREATED) == render_specification_pdf(spec, created_at=CREATED)


def test_characters_outside_the_font_fall_back_to_base_letters():
    lines = make_lines()
    lines[0] = replace(lines[0], content_name="Čoahkkin ja ŋ-kurssi 🙂")
    text = page_text(render_specification_pdf(make_spec(lines=lines)))
    assert "Coahkkin ja n-kurssi ?" in text


def test_money_and_quantity_formatting():
    assert format_money(Decimal("1234.5")) == f"1{NBSP}234,50{NBSP}€"
    assert format_money(Decimal("1234567.891")).replace(NBSP, " ") == "1 234 567,89 €"
    assert format_money(Decimal("-80")).replace(NBSP, " ") == "-80,00 €"
    assert format_money(Decimal("0")).replace(NBSP, " ") == "0,00 €"
    assert format_quantity(Decimal("2.50")) == "2,5"
    assert format_quantity(Decimal("10")) == "10"
    assert format_quantity(Decimal("1E+1")) == "10"
    assert format_quantity(Decimal("0.25")) == "0,25"


def test_reference_printing():
    assert format_reference("1234561") == "12 34561"
    assert format_reference("12345678901234567894") == "12345 67890 12345 67894"
    assert format_reference("RF341234561") == "RF34 1234 561"


def test_pypdf_extraction_agrees_when_available():
    pypdf = pytest.importorskip("pypdf")
    import io

    reader = pypdf.PdfReader(io.BytesIO(render_specification_pdf(make_spec("sv"))))
    text = "".join(page.extract_text() for page in reader.pages).replace(NBSP, " ")
    assert "Betalningsspecifikation" in text
    assert "5 111,25 €" in text


@pytest.mark.parametrize("sign", "+-UVWXYABCDEFuvwxyabcdef")
def test_identity_code_of_every_century_sign_is_refused(sign):
    code = f"010180{sign}902{'0123456789ABCDEFHJKLMNPRSTUVWXY'[int('010180902') % 31]}"
    with pytest.raises(SpecificationError, match="carried_over_note"):
        render_specification_pdf(make_spec(carried_over_note=f"Asiakas {code} siirtyy"))
    with pytest.raises(SpecificationError, match="reference contains what looks like"):
        render_specification_pdf(make_spec(reference=f"RF18 {code}"))
