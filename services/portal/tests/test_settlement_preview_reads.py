"""The officer's settlement page shows payees and totals, not a client's lines: previewing (or locking) a month
reads no client's care, so no client's access log says the officer read it."""

from __future__ import annotations

from typing import Any

import httpx

from seteli.demo import _eventually, _ok

from .conftest import login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers

SUITE = "http://suite"
NUMBER = "PV-613"


async def test_previewing_a_month_writes_no_read_in_its_clients_access_logs(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    provider = await officer_headers(services, SUITE, data.provider_email, PROVIDER_PASSWORD)
    booking = await book_a_new_client(services, data, data.service_id, NUMBER, "31", "month", "140.00", 6131)
    month = data.voucher_month
    _ok(await services.post(f"{SUITE}/events/v1/tenants/{data.tenant_id}/events", headers=provider, json={
        "booking_id": booking["id"], "start": str(month.first), "end": str(month.first.replace(day=3)),
        "status": "recorded"}), "care recorded", 201)
    client_id = await _client_of(services, officer, data, booking["voucher_id"])
    report = f"{SUITE}/settlement/v1/tenants/{data.tenant_id}/reports/realisation"
    params = {"from": str(month), "to": str(month), "provider_id": data.provider_id, "client_ref": NUMBER}

    async def in_settlement() -> Any:
        return _ok(await services.get(report, headers=officer, params=params), "report")["total"]

    await _eventually("the care in settlement", in_settlement)  # the month's lines now name the client

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    preview = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": str(month),
                                                                                "action": "preview"})
    assert preview.status_code == 200 and "Esikatselu" in preview.text, preview.text[-2000:]
    assert NUMBER not in preview.text  # the page names payees, not clients

    await in_settlement()  # a read of the client (the report names them), after the preview

    async def reads() -> list[str]:
        log = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/access-log",
                                     headers=officer, params={"limit": 500}), "access log")
        return [row["what"] for row in log["items"] if row["what"] != "client.access_log"]

    async def both_reports_logged() -> bool:
        return (await reads()).count("report.realisation") >= 2

    await _eventually("the report reads logged", both_reports_logged)
    assert "run.preview" not in await reads()


async def _client_of(services: httpx.AsyncClient, officer: dict[str, str], data: Seed, voucher_id: str) -> str:
    voucher = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/vouchers/{voucher_id}",
                                     headers=officer), "voucher")
    return str(voucher["client_id"])
