"""The realisation report's column of unfinished units (004 §5, "Keskeneräiset yks"): the care a provider has
saved as a draft (or an auto-recording it has not confirmed yet) is counted for the client, on the officer's
report and on the company's own, though a draft never reaches settlement."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
from seteli_portal.i18n import month_fmt

from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers
from .test_report_files import _pdf_text


def _row(csv_text: str, client_number: str) -> list[str]:
    rows = [line.split(";") for line in csv_text.lstrip("\ufeff").splitlines()]
    found = [r for r in rows if client_number in r]
    assert found, csv_text
    return found[0]


async def _drafted(portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed, number: str, seed: int,
                   last_day: int, **fields: str) -> None:
    """A new housing client booked in the portal by the provider signed in there, with care from the voucher
    month's first day to its `last_day` saved as a draft."""
    booking = await book_a_new_client(services, data, data.service_id, number, "31", "month", "140.00", seed,
                                      portal=portal)
    month = data.voucher_month
    month_url = f"/provider/bookings/{booking['id']}"
    drafted = await submit(portal, f"{month_url}?month={month}", f"{month_url}/events", {
        "month": str(month), "start": str(month.first), "end": str(month.first.replace(day=last_day)),
        "status": "draft", **fields})
    assert drafted.status_code == 303, drafted.text[-2000:]


async def test_a_draft_of_three_days_shows_as_three_unfinished_units_on_both_reports(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await _drafted(portal, services, data, "KR-503", 5031, 3)
    month = data.voucher_month
    period = {"start": str(month), "end": str(month)}

    own = await portal.get("/provider/reports/realisation.csv", params=period)
    assert own.status_code == 200
    row = _row(own.text, "KR-503")
    assert row[-1] == "3" and row[3:7] == ["0", "0,00", "0,00", "0,00"], own.text  # nothing settled, 3 days unfinished
    assert "Keskeneräiset" in own.text.splitlines()[0]

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    officers = await portal.get("/officer/reports/realisation.csv", params=period)
    assert _row(officers.text, "KR-503")[-1] == "3", officers.text
    page = await portal.get("/officer/reports", params=period)
    assert "<td>KR-503</td>" in page.text


async def test_a_month_range_that_ends_before_it_starts_is_told_in_swedish_on_the_swedish_page(
        portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    home = await portal.get("/officer/reports")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/reports"})
    backwards = await portal.get("/officer/reports", params={"start": "2016-01", "end": "2015-12"})
    assert backwards.status_code == 422
    said = re.search(r'id="report-end-error".{0,400}', backwards.text, re.S).group(0)  # type: ignore[union-attr]
    assert "Slutmånaden är före startmånaden" in said and "must not" not in backwards.text, said


async def test_the_companys_own_report_is_taken_for_one_site_or_one_client_and_its_files_are_the_same(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """004 §5: the report is taken for a producer part or the whole company, and for one client if wanted."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    form = await portal.get("/provider/reports")
    site = re.search(r'<option value="(site:[^"]+)">([^<]+)</option>', form.text)
    assert site is not None, form.text[-3000:]  # the company's sites are offered, after "the whole company"
    for number, seed, part in (("KR-611", 6110, site.group(1)), ("KR-612", 6120, "")):
        await _drafted(portal, services, data, number, seed, 2, producer_part=part)

    at_site = {"start": str(month), "end": str(month), "producer_part": site.group(1)}
    page = await portal.get("/provider/reports", params=at_site)
    assert page.status_code == 200, page.text[-2000:]
    assert "<td>KR-611</td>" in page.text and "<td>KR-612</td>" not in page.text
    link = re.search(r'href="(/provider/reports/realisation\.csv\?[^"]+)"', page.text)
    assert link is not None
    csv_file = await portal.get(link.group(1).replace("&amp;", "&"))
    assert "KR-611" in csv_file.text and "KR-612" not in csv_file.text, csv_file.text  # the file as the page
    printed = await portal.get(link.group(1).replace("&amp;", "&").replace(".csv?", ".pdf?"))
    text = _pdf_text(printed.content)
    subtitle = text.splitlines()[1]  # under the title: whose, which site, which months
    period = f"{month_fmt(str(month))}–{month_fmt(str(month))}"
    assert subtitle.endswith(f", {site.group(2)}, {period}"), subtitle  # on paper too, the report says its site
    assert "KR-611" in text and "KR-612" not in text, text

    whole = await portal.get("/provider/reports", params={"start": str(month), "end": str(month)})
    assert "<td>KR-611</td>" in whole.text and "<td>KR-612</td>" in whole.text
    one = await portal.get("/provider/reports", params={"start": str(month), "end": str(month), "client": "KR-612"})
    assert re.findall(r"<td>(KR-6\d\d)</td>", one.text) == ["KR-612"]
    assert re.findall(r'<tbody>.*?</tbody>', one.text, re.S)[0].count("<tr>") == 1  # no other client's row


async def test_the_officer_takes_the_reports_for_one_service_and_the_files_are_of_that_service(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """004 §5: the interruptions report is taken per service; the realisation report then has that service's
    contents only. The files and the printed subtitle say the same."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month = data.voucher_month
    await _drafted(portal, services, data, "KR-701", 7010, 1)

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    period = {"start": str(month), "end": str(month)}
    form = await portal.get("/officer/reports")
    home_care = re.search(rf'<option value="{re.escape(data.home_care_id)}">([^<]+)</option>', form.text)
    assert home_care is not None, form.text[-3000:]  # the services are offered by name
    everything = await portal.get("/officer/reports", params=period)
    assert "<td>KR-701</td>" in everything.text
    housing = await portal.get("/officer/reports", params={**period, "service": data.service_id})
    assert "<td>KR-701</td>" in housing.text
    other = await portal.get("/officer/reports", params={**period, "service": data.home_care_id})
    assert other.status_code == 200 and "<td>KR-701</td>" not in other.text, other.text[-3000:]
    link = re.search(r'href="(/officer/reports/realisation\.csv\?[^"]+)"', housing.text)
    assert link is not None and f"service={data.service_id}" in link.group(1)
    printed = await portal.get(link.group(1).replace("&amp;", "&").replace(".csv?", ".pdf?"))
    text = _pdf_text(printed.content)
    housing_name = re.search(rf'<option value="{re.escape(data.service_id)}">([^<]+)</option>', form.text)
    assert housing_name is not None and f", {housing_name.group(1)}, " in text.splitlines()[1], text[:300]


async def _aino_for_the_officer(portal: httpx.AsyncClient, data: Seed) -> str:
    """The demo client Aino's id (from the provider's list of clients), the officer then signed in."""
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    listing = await portal.get("/provider/clients", params={"name": "Aino"})
    client_id = re.search(r'href="/provider/clients/([^"/]+)/co-payments"', listing.text).group(1)  # type: ignore[union-attr]
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    return client_id


async def _realisation_reads(services: httpx.AsyncClient, suite: Suite, data: Seed, client_id: str) -> int:
    """How many reads of the realisation report (any file) the client's access log holds, once every read logged
    so far has reached it: the reads of settlement reach vouchers' log as messages (every outbox sent, the bus
    drained). Read from the API in one page: the portal's pages, newest first, each logged as read, shifted a
    row onto the next page with every page read (counted twice or not at all)."""
    for runtime in suite.runtimes.values():
        if getattr(runtime, "relay", None) is not None:
            await runtime.relay.run_once()
    await suite.broker.drain()
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    log = (await services.get(f"http://suite/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/access-log",
                              headers=officer, params={"limit": 500})).json()
    assert log["total"] <= 500, log["total"]
    return sum(1 for row in log["items"] if row["what"].startswith("report.realisation"))


async def test_downloading_the_interruptions_file_logs_no_read_of_the_clients_realisation(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """A client's access log lists what was read of their data: the officer who takes the interruptions file has
    not read the realisation report (the portal read it too, for nothing, and it was logged)."""
    client_id = await _aino_for_the_officer(portal, data)
    before = await _realisation_reads(services, suite, data, client_id)
    period = {"start": str(data.demo.month), "end": str(data.demo.month)}
    assert (await portal.get("/officer/reports/interruptions.csv", params=period)).status_code == 200
    realisation = await portal.get("/officer/reports/realisation.csv", params=period)
    assert realisation.status_code == 200 and "A-001" in realisation.text  # Aino is on the realisation report
    assert await _realisation_reads(services, suite, data, client_id) == before + 1  # the one file that named her


async def test_the_printed_reports_end_with_the_sums_the_screen_shows(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    period = {"start": str(data.demo.month), "end": str(data.demo.month)}
    csv_text = (await portal.get("/officer/reports/realisation.csv", params=period)).text.lstrip("\ufeff")
    rows = [line.split(";") for line in csv_text.splitlines()[1:]]
    settled = sum((Decimal(r[4].replace(",", ".")) for r in rows), Decimal("0.00"))
    unsettled = sum((Decimal(r[6].replace(",", ".")) for r in rows), Decimal("0.00"))
    printed = await portal.get("/officer/reports/realisation.pdf", params=period)
    text = _pdf_text(printed.content)
    total = re.search(r"Yhteensä ([-\d,]+) ([-\d,]+) ([-\d,]+)", text)
    assert total is not None, text[-500:]
    assert (total.group(1), total.group(3)) == (str(settled).replace(".", ","), str(unsettled).replace(".", ","))


async def test_the_officer_reads_the_reports_of_one_client_from_the_clients_page(
        portal: httpx.AsyncClient, data: Seed) -> None:
    """004 §5: the report is taken for one client if wanted; the officer finds the client by name, not by a
    provider's client number, and the report shows (and reads) that client's rows only, as the files do."""
    client_id = await _aino_for_the_officer(portal, data)
    client_page = await portal.get(f"/officer/clients/{client_id}")
    link = re.search(r'href="([^"]+)" id="client-reports"', client_page.text)
    assert link is not None, client_page.text[-3000:]
    form = await portal.get(link.group(1).replace("&amp;", "&"))
    assert "Asiakkaan Aino Asiakas raportit." in form.text and f'name="client" value="{client_id}"' in form.text
    month = str(data.demo.month)
    everyone = await portal.get("/officer/reports", params={"start": month, "end": month})
    assert len(set(re.findall(r"<td>([A-Z]+-\d+)</td>", everyone.text))) > 1  # the month has other clients
    hers = await portal.get("/officer/reports", params={"start": month, "end": month, "client": client_id})
    assert hers.status_code == 200, hers.text[-2000:]
    assert set(re.findall(r"<td>([A-Z]+-\d+)</td>", hers.text)) == {"A-001"}, hers.text[-3000:]
    csv_link = re.search(r'href="(/officer/reports/realisation\.csv\?[^"]+)"', hers.text)
    assert csv_link is not None
    csv_file = (await portal.get(csv_link.group(1).replace("&amp;", "&"))).text.lstrip("\ufeff")
    assert {line.split(";")[1] for line in csv_file.splitlines()[1:]} == {"A-001"}, csv_file
