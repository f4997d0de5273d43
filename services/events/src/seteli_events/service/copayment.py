"""The client's co-payment breakdown for a service and date range, as JSON, HTML and PDF.

Lines are the settlement lines (segments) of recorded events and finalised interruptions that touch
the range, a line of days counting only its days in the range: content, voucher, price, the tenant's share and
the client's share. Events awaiting
manual approval are shown as such; rejected, credited and deleted ones are left out (a credited one was
wrong: its days are free to record again, and the client pays for what is recorded then); drafts are not shown.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from seteli_common.auth import Principal
from seteli_common.money import format_eur

from .. import repository as repo
from ..context import EventsContext
from ..domain import line_amount
from ..domain.decimals import money, plain
from ..repository import copayment as copayment_queries
from . import client_reads
from .recording import client_pays_on

Row = dict[str, Any]
VISIBLE_YEARS = 3  # as in vouchers: an event this recent keeps a client the provider's own


async def provider_serves(ctx: EventsContext, provider_id: str, client_id: str, service_id: str) -> bool:
    today = ctx.today()
    try:
        since = today.replace(year=today.year - VISIBLE_YEARS)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - VISIBLE_YEARS, day=28)
    return await repo.provider_serves_client(
        ctx.session, ctx.tenant_id, provider_id, client_id, service_id, today, since
    )


async def log_read(ctx: EventsContext, principal: Principal, client_id: str, fmt: str, purpose: str | None) -> None:
    """The read goes to the client's access log, kept by vouchers: published through the outbox in the
    reading transaction, so no read is shown without its log row on its way."""
    what = "co_payment.breakdown" if fmt == "json" else f"co_payment.breakdown.{fmt}"
    await client_reads.log_reads(ctx, principal, [client_id], what, purpose, "co-payment breakdown")


async def breakdown(
    ctx: EventsContext, client_id: str, service_id: str, date_from: date, date_to: date, provider_id: str | None = None,
    lang: str = "fi",
) -> Row:
    """`provider_id`: a provider reads only the lines of its own events and interruptions. `lang`: the names of
    the service and its contents in the reader's language (fi or sv)."""
    service = await repo.service_row(ctx.session, ctx.tenant_id, service_id)
    contents = (service or {}).get("contents") or []
    names = {c["content_id"]: c.get(f"name_{lang}") or c.get("name_fi", c["content_id"]) for c in contents}
    lines, first_days = [], []  # who pays is decided by the first day of the event or interruption
    event_rows = await copayment_queries.recorded_event_segments_of_client(
        ctx.session, ctx.tenant_id, client_id, service_id, date_from, date_to, provider_id
    )
    for r in event_rows:
        lines.append(_line("event", r["id"], r, names, r["number"], r["voucher_value"], r["approval"]))
        first_days.append(r["event_start"])
    breaks = await copayment_queries.finalised_interruptions_of_client(
        ctx.session, ctx.tenant_id, client_id, service_id, date_from, date_to, provider_id
    )
    for r in breaks:
        for seg in r["segments"] or []:
            if date.fromisoformat(seg["end"]) >= date_from and date.fromisoformat(seg["start"]) <= date_to:
                lines.append(
                    _line(
                        "interruption",
                        r["id"],
                        {
                            **r,
                            **seg,
                            "start": date.fromisoformat(seg["start"]),
                            "end": date.fromisoformat(seg["end"]),
                        },
                        names,
                        r["number"],
                        r["voucher_value"],
                        # one waiting for the tenant's approval shows until decided, as an event does
                        "awaiting_approval" if r["approval"] == "pending" else "payable",
                    )
                )
                first_days.append(r["start"])
    units = [r["unit"] for r in event_rows] + ["day"] * (len(lines) - len(event_rows))  # (interruptions: days)
    for line, first_day, unit in zip(lines, first_days, units, strict=True):
        line["client_pays"] = client_pays_on(service, line["content_id"], first_day)  # the tenant never pays these
        if unit == "day":
            _clip_to_range(line, date_from, date_to)
    lines.sort(key=lambda line: (line["start"], line["kind"]))
    awaiting = [x for x in lines if x["status"] == "awaiting_approval"]
    return {
        "client_id": client_id,
        "service_id": service_id,
        "service_name": (service or {}).get(f"name_{lang}") or (service or {}).get("name_fi", service_id),
        "from": date_from,
        "to": date_to,
        "lines": lines,
        "amount_tenant": sum((x["amount_tenant"] for x in lines), Decimal("0.00")),
        "amount_co_payment": sum((x["amount_co_payment"] for x in lines), Decimal("0.00")),
        "awaiting_approval_co_payment": sum((x["amount_co_payment"] for x in awaiting), Decimal("0.00")),
    }


def _line(
    kind: str,
    source_id: str,
    r: Row,
    names: dict[str, str],
    number: str,
    voucher_value: Any,
    approval: str | None,
) -> Row:
    return {
        "kind": kind,
        "source_id": source_id,
        "content_id": r["content_id"],
        "content_name": names.get(r["content_id"], r["content_id"]),
        "voucher_number": number,
        "start": r["start"],
        "end": r["end"],
        "units": plain(r["units"]),
        "unit_price": money(r["unit_price"]),
        "voucher_value": None if voucher_value is None else money(voucher_value),
        "tenant_share_per_unit": money(r["tenant_share_per_unit"]),
        "co_payment_per_unit": money(r["co_payment_per_unit"]),
        "percentage": plain(r["percentage"]),
        "amount_tenant": money(r["amount_tenant"]),
        "amount_co_payment": money(r["amount_co_payment"]),
        "status": approval or "payable",
    }


def _clip_to_range(line: Row, date_from: date, date_to: date) -> None:
    """A line of days reaching outside the range asked counts only its days in it: the breakdown of part of a month
    (or of a stay) is the co-payment of those days, each share rounded once for them."""
    start, end = max(line["start"], date_from), min(line["end"], date_to)
    if (start, end) == (line["start"], line["end"]):
        return
    units = Decimal((end - start).days + 1)
    line.update(start=start, end=end, units=units,
                amount_tenant=line_amount(units, line["tenant_share_per_unit"], line["percentage"]),
                amount_co_payment=line_amount(units, line["co_payment_per_unit"], line["percentage"]))


_env = Environment(autoescape=select_autoescape(default=True))
_env.filters["eur"] = format_eur
_HTML = _env.from_string((Path(__file__).parent.parent / "templates" / "copayment.html").read_text("utf-8"))


# The breakdown's own words, in the reader's language (the page and the PDF say the same).
TEXTS: dict[str, dict[str, str]] = {
    "fi": {"title": "Omavastuuerittely", "content": "Sisältö", "voucher": "Seteli", "period": "Ajalta",
           "units": "Määrä", "price": "Hinta", "value": "Setelin arvo", "tenant": "Kunta maksaa",
           "client": "Asiakas maksaa", "state": "Tila", "client_pays": "asiakas maksaa",
           "interruption": "keskeytys", "awaiting": "odottaa hyväksyntää", "total": "Yhteensä", "print": "Tulosta"},
    "sv": {"title": "Specifikation av självrisk", "content": "Innehåll", "voucher": "Sedel", "period": "För tiden",
           "units": "Mängd", "price": "Pris", "value": "Sedelns värde", "tenant": "Kommunen betalar",
           "client": "Klienten betalar", "state": "Status", "client_pays": "klienten betalar",
           "interruption": "avbrott", "awaiting": "väntar på godkännande", "total": "Totalt", "print": "Skriv ut"},
}


def to_html(b: Row, lang: str = "fi") -> str:
    return _HTML.render(b=b, t=TEXTS.get(lang, TEXTS["fi"]), lang=lang if lang in TEXTS else "fi")


def _fi(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def to_pdf(b: Row, lang: str = "fi") -> bytes:
    from fpdf import FPDF  # imported here: the service starts without loading the PDF library

    t = TEXTS.get(lang, TEXTS["fi"])
    pdf = FPDF(orientation="L", format="A4")
    pdf.core_fonts_encoding = PDF_ENCODING
    # No page count here: a name holding fpdf2's "{nb}" prints as written (None: fpdf2's documented switch-off).
    pdf.alias_nb_pages(None)  # type: ignore[arg-type]
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, t["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.cell(0, 7, _printable(f"{b['service_name']}, {_fi(b['from'])} - {_fi(b['to'])}"), new_x="LMARGIN",
             new_y="NEXT")
    widths = (60, 25, 45, 15, 25, 25, 28, 28, 25)
    head = tuple(t[k] for k in ("content", "voucher", "period", "units", "price", "value", "tenant", "client", "state"))
    pdf.set_font("Helvetica", "B", 9)
    for w, text in zip(widths, head, strict=True):
        pdf.cell(w, 7, text, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for x in b["lines"]:
        away = f" ({t['interruption']} {x['percentage']} %)" if x["kind"] == "interruption" else ""
        name = x["content_name"] + away
        cells = (
            name,
            x["voucher_number"],
            f"{_fi(x['start'])} - {_fi(x['end'])}",
            str(x["units"]),
            _eur(x["unit_price"]),
            t["client_pays"] if x["client_pays"] else "" if x["voucher_value"] is None else _eur(x["voucher_value"]),
            _eur(x["amount_tenant"]),
            _eur(x["amount_co_payment"]),
            t["awaiting"] if x["status"] == "awaiting_approval" else "",
        )
        for w, text in zip(widths, cells, strict=True):
            pdf.cell(w, 6, _printable(text), border=1)
        pdf.ln()
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(sum(widths[:6]), 7, t["total"], border=1)
    pdf.cell(widths[6], 7, _eur(b["amount_tenant"]), border=1)
    pdf.cell(widths[7], 7, _eur(b["amount_co_payment"]), border=1)
    return bytes(pdf.output())


def _eur(amount: Decimal) -> str:
    return format_eur(amount).replace("€", "EUR")


# The core font's encoding: WinAnsi (cp1252) holds what the municipality's names use beyond Latin-1 (€ – ’ “ ”).
PDF_ENCODING = "cp1252"


def _printable(text: str) -> str:
    """Any name as the core font can print it: a character cp1252 lacks becomes '?' (fpdf2 refused the whole
    PDF with an error instead)."""
    return unicodedata.normalize("NFC", text).encode(PDF_ENCODING, "replace").decode(PDF_ENCODING)
