"""A credited absence on the officer's interruptions report: paid by the interruption rule, then credited, it shows
at its amount net of the credit (as the realisation report nets a credit), on the page and in the CSV, the .xlsx
and the PDF, sums included."""

from __future__ import annotations

import asyncio
import io
import re
from decimal import Decimal

import httpx
from openpyxl import load_workbook
from pypdf import PdfReader

from seteli.demo import _eventually

from .conftest import csrf_of, login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers


async def _client_row(portal: httpx.AsyncClient, number: str, period: dict[str, str]) -> list[str] | None:
    """The client's row of the interruptions report's CSV of the months, if any."""
    text = (await portal.get("/officer/reports/interruptions.csv", params=period)).content.decode("utf-8-sig")
    return next((line.split(";") for line in text.splitlines() if number in line), None)


async def _paid_and_credited(portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed, number: str,
                             seed: int) -> tuple[str, str, str]:
    """A new client's 4-day absence, paid by the month's run, then credited; the officer signed in to the portal:
    (the absence's month, the credit's, what the run paid for it as the CSV writes it)."""
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    booked = await book_a_new_client(services, data, data.service_id, number, "31", "month", "140.00", seed)
    month = data.voucher_month
    base = f"/events/v1/tenants/{data.tenant_id}"
    away = await services.post(f"{base}/interruptions", headers=provider, json={
        "booking_id": booked["id"], "start": str(month.first.replace(day=3)), "end": str(month.first.replace(day=6)),
        "reason": "hospital"})
    assert away.status_code == 201, away.text
    ran = await services.post(f"/settlement/v1/tenants/{data.tenant_id}/runs", headers=officer,
                              json={"month": str(month), "dry_run": False})
    assert ran.status_code == 201, ran.text
    for _ in range(300):  # the run tells the events service the absence is settled
        listed = await services.get(f"{base}/interruptions", headers=provider, params={"booking_id": booked["id"]})
        if any(i["id"] == away.json()["id"] and i["settled"] for i in listed.json()["items"]):
            break
        await asyncio.sleep(0.2)
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    row = await _client_row(portal, number, {"start": str(month), "end": str(month)})
    assert row is not None and row[-2] != "0,00", row  # the rule paid it (4 days)
    credit = await services.post(f"{base}/interruptions/{away.json()['id']}/credit", headers=officer,
                                 json={"reason": "Asiakas ei ollutkaan poissa"})
    assert credit.status_code == 201, credit.text
    return str(month), credit.json()["month"], row[-2]


async def test_a_credited_absence_shows_net_of_its_credit_in_every_format(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    month, credit_month, _ = await _paid_and_credited(portal, services, data, "KA-714", 7149)
    period = {"start": month, "end": credit_month}  # the absence's month and the credit's

    async def netted() -> bool:  # the credit travels to settlement over the bus (the services' client has no token)
        row = await _client_row(portal, "KA-714", period)
        return row is not None and row[-2:] == ["0,00", "0,00"]  # what the tenant pays and the client's share, net

    await _eventually("the credited absence netted in the report's CSV", netted, timeout=20)

    page = await portal.get("/officer/reports", params=period)
    table = re.search(r'<table id="interruptions">.*?</table>', page.text, re.S)
    assert table is not None, page.text[-3000:]
    shown = re.search(r"<tr>(?:(?!</tr>).)*<td>KA-714</td>.*?</tr>", table.group(0), re.S)
    assert shown is not None, page.text[-3000:]
    assert re.findall(r'<td class="num">([^<]*)</td>', shown.group(0))[-1] == "0,00\u00a0€", shown.group(0)

    xlsx = await portal.get("/officer/reports/interruptions.xlsx", params=period)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = next(r for r in sheet.iter_rows(values_only=True) if "KA-714" in r)
    assert [Decimal(str(v)) for v in cells[-2:]] == [Decimal("0.00"), Decimal("0.00")], cells  # number cells

    pdf = await portal.get("/officer/reports/interruptions.pdf", params=period)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    line = next(ln for ln in text.splitlines() if "KA-714" in ln)
    assert line.rstrip().endswith("0,00 0,00"), line


async def _credit_in_its_month(portal: httpx.AsyncClient, number: str, credit_month: str) -> dict[str, str]:
    """The period of the credit's month alone, once the credit is in its report (it travels to settlement over the
    bus, as above)."""
    credited = {"start": credit_month, "end": credit_month}

    async def reported() -> bool:
        return await _client_row(portal, number, credited) is not None

    await _eventually("the credit in its own month's report", reported, timeout=20)
    return credited


async def _credit_shown_in_every_format(portal: httpx.AsyncClient, number: str, period: dict[str, str], label: str,
                                        paid: str) -> None:
    """The client's row of the period is the credit, read `label` ("Hyvitys: Sairaala"), its amount minus `paid`:
    on the page, in the CSV, the .xlsx and the PDF."""
    row = await _client_row(portal, number, period)
    assert row is not None and row[-3] == label and row[-2] == f"-{paid}", row

    page = await portal.get("/officer/reports", params=period)
    table = re.search(r'<table id="interruptions">.*?</table>', page.text, re.S)
    assert table is not None, page.text[-3000:]
    shown = re.search(rf"<tr>(?:(?!</tr>).)*<td>{number}</td>.*?</tr>", table.group(0), re.S)
    assert shown is not None, page.text[-3000:]
    assert f"<td>{label}</td>" in shown.group(0), shown.group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', shown.group(0))[-1] == f"\u2212{paid}\u00a0€", shown.group(0)

    xlsx = await portal.get("/officer/reports/interruptions.xlsx", params=period)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = next(r for r in sheet.iter_rows(values_only=True) if number in r)
    assert cells[-3] == label and Decimal(str(cells[-2])) == -Decimal(paid.replace(",", ".")), cells

    pdf = await portal.get("/officer/reports/interruptions.pdf", params=period)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    line = next(ln for ln in text.splitlines() if number in ln)
    assert label in line and f"-{paid}" in line, line


async def test_the_credit_shows_in_its_own_month_so_the_months_add_up_in_every_format(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """The absence's month shows what its run paid, the credit's month the credit (the absence's row again, its
    reason read "Hyvitys: …", the amounts negative), both months together 0,00: the months add up."""
    month, credit_month, paid = await _paid_and_credited(portal, services, data, "KA-715", 7159)
    credited = await _credit_in_its_month(portal, "KA-715", credit_month)
    await _credit_shown_in_every_format(portal, "KA-715", credited, "Hyvitys: Sairaala", paid)
    assert (await _client_row(portal, "KA-715", {"start": month, "end": month}))[-3:-1] == ["Sairaala", paid]
    assert (await _client_row(portal, "KA-715", {"start": month, "end": credit_month}))[-3:-1] == \
        ["Sairaala", "0,00"]


async def test_in_swedish_the_credit_reads_gottgorelse_on_the_page_and_in_every_file(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """The officer who reads the portal in Swedish: the credit's row says "Gottgörelse: Sjukhus", not the Finnish
    "Hyvitys: Sairaala", on the page and in the CSV, the .xlsx and the PDF."""
    _, credit_month, paid = await _paid_and_credited(portal, services, data, "KA-716", 7169)
    credited = await _credit_in_its_month(portal, "KA-716", credit_month)
    home = await portal.get("/officer/reports")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/reports"})
    page = await portal.get("/officer/reports", params=credited)
    assert 'lang="sv"' in page.text and "Hyvitys" not in page.text, page.text[-3000:]
    await _credit_shown_in_every_format(portal, "KA-716", credited, "Gottgörelse: Sjukhus", paid)
