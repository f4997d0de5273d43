"""The voucher decision the officer prints for the client (004 §4.1), in Finnish or Swedish: who, which
service, what is granted and its value, how long, and the voucher number with its verification code that
the client shows the provider they choose. The identity code is not printed: the name and the number are
enough for the client, and a paper left lying about must not carry it."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from seteli_common.money import format_eur

from .domain import Period

Lang = Literal["fi", "sv"]

TEXT: dict[str, dict[Lang, str]] = {
    "title": {"fi": "Palvelusetelipäätös", "sv": "Beslut om servicesedel"},
    "municipality": {"fi": "Kunta", "sv": "Kommun"},
    "client": {"fi": "Asiakas", "sv": "Klient"},
    "service": {"fi": "Palvelu", "sv": "Tjänst"},
    "number": {"fi": "Setelin numero", "sv": "Sedelns nummer"},
    "code": {"fi": "Tarkistuskoodi", "sv": "Verifieringskod"},
    "granted_on": {"fi": "Päätöspäivä", "sv": "Beslutsdatum"},
    "valid": {"fi": "Voimassa", "sv": "Giltig"},
    "state": {"fi": "Tila", "sv": "Status"},
    "closed": {"fi": "Suljettu", "sv": "Stängd"},
    "content": {"fi": "Palvelusisältö", "sv": "Tjänsteinnehåll"},
    "amount": {"fi": "Myönnetty määrä", "sv": "Beviljad mängd"},
    "value": {"fi": "Setelin arvo", "sv": "Sedelns värde"},
    "client_pays": {"fi": "asiakas maksaa", "sv": "klienten betalar"},
    "purchased": {"fi": "kunta maksaa hinnan", "sv": "kommunen betalar priset"},
    # a purchased service (ostopalvelu): the municipality books the provider, the client chooses nobody
    "title_purchased": {"fi": "Ostopalvelupäätös", "sv": "Beslut om köpt tjänst"},
    "number_purchased": {"fi": "Sitoumuksen numero", "sv": "Förbindelsens nummer"},
    "how_purchased": {"fi": "Kunta varaa palvelun palveluntuottajalta, joka saa tiedon sitoumuksesta. Sitoumuksen "
                            "numerolla ja tarkistuskoodilla näet sen tiedot Seteli-palvelussa.",
                      "sv": "Kommunen bokar tjänsten hos en serviceproducent som får veta om förbindelsen. Med "
                            "förbindelsens nummer och verifieringskoden ser du den i tjänsten Seteli."},
    "how": {"fi": "Näytä tämä päätös valitsemallesi palveluntuottajalle. Setelin numerolla ja tarkistuskoodilla "
                  "sinä ja palveluntuottaja löydätte setelin Seteli-palvelusta.",
            "sv": "Visa detta beslut för den serviceproducent du väljer. Med sedelns nummer och verifieringskoden "
                  "hittar du och serviceproducenten sedeln i tjänsten Seteli."},
}
# Why a voucher printed again after its close is closed (domain.CloseReason).
CLOSED_REASON: dict[str, dict[Lang, str]] = {
    "used_up": {"fi": "käytetty loppuun", "sv": "förbrukad"},
    "expired": {"fi": "voimassaolo päättynyt", "sv": "giltighetstiden har gått ut"},
    "officer": {"fi": "kunta päätti setelin", "sv": "kommunen avslutade sedeln"},
    "death": {"fi": "asiakas on kuollut", "sv": "klienten har avlidit"},
}
UNIT: dict[str, dict[Lang, str]] = {
    "day": {"fi": "vrk", "sv": "dygn"}, "hour": {"fi": "h", "sv": "h"}, "month": {"fi": "kk", "sv": "mån"},
    "piece": {"fi": "kpl", "sv": "st"}, "visit": {"fi": "käynti", "sv": "besök"},
    "m2_month": {"fi": "m²/kk", "sv": "m²/mån"},
}
PERIOD: dict[str, dict[Lang, str]] = {
    "week": {"fi": "viikossa", "sv": "i veckan"}, "month": {"fi": "kuukaudessa", "sv": "i månaden"},
    "balance": {"fi": "yhteensä", "sv": "sammanlagt"},
    "validity": {"fi": "voimassaoloaikana", "sv": "under giltighetstiden"},
}


# The core font's encoding: WinAnsi (cp1252) holds the euro sign, dashes and typographic quotes of the
# municipality's names, and the Nordic letters of most clients' names.
PDF_ENCODING = "cp1252"
_NO_DECOMPOSITION = str.maketrans("ŁłĐđ", "LlDd")


def _printable(text: str) -> str:
    """Any name as the core font can print it (fpdf2 refused the whole PDF with an error instead): a letter
    cp1252 lacks is printed without its accent (Nguyễn -> Nguyen, Łukasz -> Lukasz), anything else as '?'."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            char.encode(PDF_ENCODING)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char.translate(_NO_DECOMPOSITION))
                           if not unicodedata.combining(c))
            char = base.encode(PDF_ENCODING, "replace").decode(PDF_ENCODING) or "?"
        out.append(char)
    return "".join(out)


def _day(d: date) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def _amount(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def decision_pdf(voucher: dict[str, Any], client: dict[str, Any], tenant: dict[str, Any] | None,
                 service: dict[str, Any] | None, contents: dict[str, dict[str, Any]], lang: Lang) -> bytes:
    """`voucher`: the voucher's view with its code; `contents`: the service's contents by content id."""
    from fpdf import FPDF  # imported here: the service starts without loading the PDF library

    name = f"name_{lang}"
    own = "_purchased" if (service or {}).get("kind") == "purchased" else ""  # the texts of a purchased service
    title = TEXT["title" + own][lang]
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = PDF_ENCODING
    # No page count here: a name holding fpdf2's "{nb}" prints as written (None: fpdf2's documented switch-off).
    pdf.alias_nb_pages(None)  # type: ignore[arg-type]
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    facts = [
        (TEXT["municipality"][lang], (tenant or {}).get(name) or (tenant or {}).get("name_fi") or ""),
        (TEXT["client"][lang], f"{client['first_name']} {client['last_name']}"),
        (TEXT["service"][lang], (service or {}).get(name) or (service or {}).get("name_fi") or voucher["service_id"]),
        (TEXT["number" + own][lang], voucher["printable_number"]),
        (TEXT["code"][lang], voucher.get("verification_code") or ""),
        (TEXT["granted_on"][lang], _day(voucher["granted_on"])),
        (TEXT["valid"][lang], f"{_day(voucher['valid_from'])} - {_day(voucher['valid_until'])}"),
    ]
    if voucher["state"] == "closed":  # printed again after its close: not a voucher to use any more
        reason = CLOSED_REASON.get(voucher.get("closed_reason") or "", {}).get(lang)
        facts.append((TEXT["state"][lang], f"{TEXT['closed'][lang]}: {reason}" if reason else TEXT["closed"][lang]))
    for label, value in facts:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(50, 8, label)
        pdf.set_font("Helvetica", size=11)
        pdf.cell(0, 8, _printable(str(value)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (80, 55, 45)
    pdf.set_font("Helvetica", "B", 10)
    for width, head in zip(widths, (TEXT["content"][lang], TEXT["amount"][lang], TEXT["value"][lang]), strict=True):
        pdf.cell(width, 8, head, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=10)
    for line in voucher["contents"]:
        content = contents.get(line["content_id"], {})
        unit = UNIT.get(line["unit"], {}).get(lang, line["unit"])
        period = PERIOD.get(line["period"], {}).get(lang, line["period"])
        if line.get("client_pays"):
            value = TEXT["client_pays"][lang]
        elif line["voucher_value"] is None:
            value = TEXT["purchased"][lang]
        else:
            euros = format_eur(Decimal(str(line["voucher_value"])), lang)
            value = f"{euros} / {unit}"
        granted = Decimal(str(line["granted_amount"]))
        # a balance is a euro sum the tenant's payments draw down, not units
        amount = format_eur(granted, lang) if line["period"] == Period.BALANCE else f"{_amount(granted)} {unit}"
        cells = (content.get(name) or content.get("name_fi") or line["content_id"], f"{amount} {period}", value)
        for width, text in zip(widths, cells, strict=True):
            pdf.cell(width, 7, _printable(text), border=1)
        pdf.ln()
    pdf.ln(6)
    pdf.multi_cell(0, 6, TEXT["how" + own][lang])
    return bytes(pdf.output())
