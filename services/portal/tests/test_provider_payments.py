"""The provider's payment specifications page: the company's main user lists its payments and downloads
each specification PDF, in Finnish and Swedish; tenant staff are not let in."""

from __future__ import annotations

import io
import re

import httpx
import openpyxl
from seteli_portal.i18n import money_fmt

from .conftest import csrf_of, login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed


async def test_the_main_user_lists_payments_and_downloads_a_specification(portal: httpx.AsyncClient,
                                                                          data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    home = await portal.get("/provider")
    assert re.search(r'<a href="/provider/payments">Maksuerittelyt</a>', home.text)  # in the main user's menu
    page = await portal.get("/provider/payments")
    assert page.status_code == 200, page.text[-2000:]
    assert "<h1>Maksuerittelyt</h1>" in page.text
    assert re.search(r"<caption>Maksut 1–\d+, yhteensä \d+</caption>", page.text)
    assert '<th scope="col">Maksun saaja</th>' in page.text
    assert data.demo.payment_amount is not None
    # the month of the walking skeleton may have been settled more than once; its first run pays this amount
    # the month as Finnish writes it, 3/2016 (it was 2016-03)
    year, number = str(data.demo.month).split("-")
    shown_month = f"{int(number)}/{year}"
    assert f"<th scope=\"row\">{data.demo.month}</th>" not in page.text
    rows = re.findall(rf'<th scope="row">{shown_month}</th><td>Hoivakoti Päivänsäde [^<]* Oy</td>.*?</tr>',
                      page.text, re.S)
    row = next((r for r in rows if money_fmt(data.demo.payment_amount) in r), None)
    assert row, page.text[-3000:]
    link = re.search(r'href="(/provider/payments/[^"]+\.pdf)" download>Lataa PDF<span class="visually-hidden">: '
                     rf"maksuerittely {shown_month}, Hoivakoti", row)
    assert link, row
    pdf = await portal.get(link.group(1))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]

    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": "/provider/payments"})
    swedish = await portal.get("/provider/payments")
    assert "<h1>Betalningsspecifikationer</h1>" in swedish.text and "Ladda ner PDF" in swedish.text
    assert re.search(r"<caption>Betalningar 1–\d+ av \d+</caption>", swedish.text)


async def test_a_payment_of_another_company_is_not_found(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    page = await portal.get("/provider/payments")
    run_id = re.search(r'href="/provider/payments/([^/"]+)/\d+\.pdf"', page.text).group(1)  # type: ignore[union-attr]
    # a payment id the company has no payment under
    assert (await portal.get(f"/provider/payments/{run_id}/999999.pdf")).status_code == 404


async def test_tenant_staff_do_not_see_the_provider_payments_page(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    assert (await portal.get("/provider/payments")).status_code == 403


async def test_the_main_user_reads_the_companys_own_realisation_report(portal: httpx.AsyncClient, data: Seed) -> None:
    """Issue 20 (provider journey 7): the company's clients and realisation, never another company's; a month
    range that ends before it starts is told at its field; tenant staff are not let in."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    home = await portal.get("/provider")
    assert re.search(r'<a href="/provider/reports">Toteumaraportti</a>', home.text)  # in the main user's menu
    month = data.demo.month
    page = await portal.get("/provider/reports", params={"start": month, "end": month})
    assert page.status_code == 200, page.text[-2000:]
    assert "<h1>Yrityksen asiakkaat ja toteuma</h1>" in page.text and "<td>A-001</td>" in page.text
    csv = await portal.get("/provider/reports/realisation.csv", params={"start": month, "end": month})
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    companies = {line.split(";")[0] for line in csv.text.lstrip("\ufeff").splitlines()[1:]}
    assert len(companies) == 1 and companies.pop().startswith("Hoivakoti Päivänsäde"), csv.text
    # the same report as the officer's files: an .xlsx with typed cells and a PDF, linked from the page
    assert 'id="realisation-xlsx"' in page.text and 'id="realisation-pdf"' in page.text
    xlsx = await portal.get("/provider/reports/realisation.xlsx", params={"start": month, "end": month})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK" and ".xlsx" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and str(sheet.cell(2, 1).value).startswith("Hoivakoti Päivänsäde")
    assert {sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)} == {sheet.cell(2, 1).value}
    pdf = await portal.get("/provider/reports/realisation.pdf", params={"start": month, "end": month})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    backwards = await portal.get("/provider/reports", params={"start": month, "end": "2000-01"})
    assert backwards.status_code == 422 and 'id="report-end-error"' in backwards.text

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    assert (await portal.get("/provider/reports", params={"start": month, "end": month})).status_code == 403
