"""The officer's reports of one service count that service's drafts only: another service's client's drafts
are neither read nor written in their access log."""

from __future__ import annotations

import httpx

from seteli.demo import _eventually, _ok

from .conftest import login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers
from .test_report_one_client_reads import _client_booked, _service_of_both

SUITE = "http://suite"


async def test_the_report_of_one_service_reads_no_draft_of_another_services_client(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    ours = await officer_headers(services, SUITE, data.provider_email, PROVIDER_PASSWORD)
    theirs = await officer_headers(services, SUITE, data.other_provider_email, PROVIDER_PASSWORD)
    cleaning = await _service_of_both(services, data, officer, [ours, theirs])
    sanna, cleaning_booking = await _client_booked(services, data, officer, ours, cleaning, 4301, "RV-431")
    housing_booking = await book_a_new_client(services, data, data.service_id, "RV-088", "31", "month", "140.00", 8808)
    housing_client = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/vouchers/"
                                            f"{housing_booking['voucher_id']}", headers=officer), "v")["client_id"]
    month = data.voucher_month
    _ok(await services.post(f"{SUITE}/events/v1/tenants/{data.tenant_id}/events", headers=ours, json={
        "booking_id": cleaning_booking["id"], "start": str(month.first), "start_time": "09:00", "end_time": "12:00",
        "status": "draft"}), "draft", 201)
    _ok(await services.post(f"{SUITE}/events/v1/tenants/{data.tenant_id}/events", headers=ours, json={
        "booking_id": housing_booking["id"], "start": str(month.first), "end": str(month.first),
        "status": "draft"}), "housing draft", 201)

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    report = await portal.get("/officer/reports", params={"start": str(month), "end": str(month),
                                                          "service": cleaning["id"]})
    assert report.status_code == 200, report.text[-2000:]
    assert "RV-088" not in report.text

    async def read_by_officer(client_id: str) -> list[str]:
        log = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/access-log",
                                     headers=officer, params={"limit": 500}), "access log")
        return [row["what"] for row in log["items"]
                if row["actor_role"] in ("tenant_admin", "tenant_officer") and row["what"] not in (
                    "client.access_log", "voucher.details")]

    async def sannas_drafts_read() -> bool:  # the service's own client's drafts are still counted (and logged)
        return "events.list" in await read_by_officer(sanna)

    # the reads of one request travel to the access log together: once Sanna's is there, another's would be too
    await _eventually("the report's read of its service's drafts in the access log", sannas_drafts_read)
    assert await read_by_officer(housing_client) == []
