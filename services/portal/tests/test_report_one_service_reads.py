"""The officer's reports of one service count that service's drafts only: another service's client's drafts
are neither read nor written in their access log."""

from __future__ import annotations

from functools import partial

import httpx

from seteli.demo import _eventually, _ok

from .conftest import login
from .seed import OFFICER_PASSWORD, Seed
from .service_calls import book_a_new_client
from .test_report_one_client_reads import _client_booked, _draft, _officer_and_both_companies, _read_by_officer

SUITE = "http://suite"


async def test_the_report_of_one_service_reads_no_draft_of_another_services_client(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    officer, ours, _, cleaning = await _officer_and_both_companies(services, data)
    sanna, cleaning_booking = await _client_booked(services, data, officer, ours, cleaning, 4301, "RV-431")
    housing_booking = await book_a_new_client(services, data, data.service_id, "RV-088", "31", "month", "140.00", 8808)
    housing_client = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/vouchers/"
                                            f"{housing_booking['voucher_id']}", headers=officer), "v")["client_id"]
    month = data.voucher_month
    await _draft(services, data, ours, cleaning_booking["id"], start_time="09:00", end_time="12:00")
    await _draft(services, data, ours, housing_booking["id"], "housing draft", end=str(month.first))

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    report = await portal.get("/officer/reports", params={"start": str(month), "end": str(month),
                                                          "service": cleaning["id"]})
    assert report.status_code == 200, report.text[-2000:]
    assert "RV-088" not in report.text

    unlisted = ("client.access_log", "voucher.details")  # the officer's look at the housing voucher is not a report's
    read_by_officer = partial(_read_by_officer, services, data, officer, unlisted=unlisted)

    async def sannas_drafts_read() -> bool:  # the service's own client's drafts are still counted (and logged)
        return "events.list" in await read_by_officer(sanna)

    # the reads of one request travel to the access log together: once Sanna's is there, another's would be too
    await _eventually("the report's read of its service's drafts in the access log", sannas_drafts_read)
    assert await read_by_officer(housing_client) == []
