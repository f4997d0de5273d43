"""The officer's reports of one client (004 §5) read that client's data only: another company may give its own
client the same client number, and that client's care is neither shown nor read (nor in their access log)."""

from __future__ import annotations

import base64
import json
import random
from functools import partial
from typing import Any

import httpx

from seteli.demo import _eventually, _ok, random_test_identity_code, sign_application

from .conftest import login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers

SUITE = "http://suite"
NUMBER = "SAMA-41"  # the client number both companies give their own client


def _provider_id(headers: dict[str, str]) -> str:
    payload = headers["authorization"].split()[1].split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["provider"])


async def _service_of_both(services: httpx.AsyncClient, data: Seed, officer: dict[str, str],
                           companies: list[dict[str, str]]) -> dict[str, Any]:
    """An hour-priced service both companies are approved for."""
    base = f"{SUITE}/applications/v1/tenants/{data.tenant_id}"
    service = _ok(await services.post(f"{base}/services", headers=officer, json={
        "name_fi": "Siivousapu", "name_sv": "Städhjälp", "kind": "voucher", "auto_recording": False,
        "contents": [{"name_fi": "Siivous", "name_sv": "Städning", "unit": "hour", "client_pays": False}]}),
        "define service", 201)
    for company in companies:
        provider = _ok(await services.get(f"{SUITE}/registry/v1/providers/{_provider_id(company)}", headers=company),
                       "company")
        application = _ok(await services.post(f"{base}/applications", headers=company,
                                              json={"service_id": service["id"]}), "apply", 201)
        app_url = f"{base}/applications/{application['id']}"
        _ok(await services.post(f"{app_url}/price-lists", headers=company, json={
            "name": "Siivous", "start": "2016-01-01", "producer_part": None,
            "prices": [{"content_id": service["contents"][0]["id"], "unit_price": "30.00"}]}), "prices", 201)
        urls = {name: f"{SUITE}/{name}" for name in ("registry", "applications")}
        assertion = await sign_application(services, urls, company, data.tenant_id, app_url, provider["business_id"])
        _ok(await services.post(f"{app_url}/submit", headers=company,
                                json={"accept_rulebook": True, "signature_assertion": assertion}), "submit")
        _ok(await services.post(f"{app_url}/decision", headers=officer, json={"decision": "approve"}), "approve")
    return dict(service)


async def _client_booked(services: httpx.AsyncClient, data: Seed, officer: dict[str, str], company: dict[str, str],
                         service: dict[str, Any], seed: int, number: str = NUMBER) -> tuple[str, dict[str, Any]]:
    tenant = f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}"
    person = _ok(await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Sanna", "last_name": f"Sama{seed}", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(seed))}), "client", 201)
    month = data.voucher_month
    voucher = _ok(await services.post(f"{tenant}/vouchers", headers=officer, json={
        "client_id": person["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "20", "period": "month",
                      "voucher_value": "28.00"}]}), "voucher", 201)
    booking = _ok(await services.post(f"{tenant}/bookings", headers=company, json={
        "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
        "accept_terms": True, "client_number": number}), "booking", 201)
    return str(person["id"]), dict(booking)


async def _officer_and_both_companies(services: httpx.AsyncClient, data: Seed
                                      ) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, Any]]:
    """The officer's, our company's and the other company's headers, and a service both companies are approved for."""
    officer = await officer_headers(services, SUITE, data.officer_email, OFFICER_PASSWORD)
    ours = await officer_headers(services, SUITE, data.provider_email, PROVIDER_PASSWORD)
    theirs = await officer_headers(services, SUITE, data.other_provider_email, PROVIDER_PASSWORD)
    return officer, ours, theirs, await _service_of_both(services, data, officer, [ours, theirs])


async def _draft(services: httpx.AsyncClient, data: Seed, company: dict[str, str], booking_id: str,
                 what: str = "draft", **times: str) -> None:
    """The company saves care of the booking on the voucher month's first day as a draft."""
    _ok(await services.post(f"{SUITE}/events/v1/tenants/{data.tenant_id}/events", headers=company, json={
        "booking_id": booking_id, "start": str(data.voucher_month.first), **times, "status": "draft"}), what, 201)


async def _read_by_officer(services: httpx.AsyncClient, data: Seed, officer: dict[str, str], client_id: str,
                           unlisted: tuple[str, ...] = ("client.access_log",)) -> list[str]:
    """What the officers read of the client, by the client's access log (but for the `unlisted` reads)."""
    log = _ok(await services.get(f"{SUITE}/vouchers/v1/tenants/{data.tenant_id}/clients/{client_id}/access-log",
                                 headers=officer, params={"limit": 500}), "access log")
    return [row["what"] for row in log["items"]
            if row["actor_role"] in ("tenant_admin", "tenant_officer") and row["what"] not in unlisted]


async def test_the_report_of_one_client_reads_no_care_of_another_companys_client_of_the_same_number(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    officer, ours, theirs, service = await _officer_and_both_companies(services, data)
    sanna, our_booking = await _client_booked(services, data, officer, ours, service, 4101)
    other, their_booking = await _client_booked(services, data, officer, theirs, service, 4102)
    month = data.voucher_month
    # each company's client has care saved as a draft in the month (unfinished units on a report)
    for company, booking in ((ours, our_booking), (theirs, their_booking)):
        await _draft(services, data, company, booking["id"], start_time="09:00", end_time="12:00")

    await login(portal, data.officer_email, OFFICER_PASSWORD)
    report = await portal.get("/officer/reports", params={"start": str(month), "end": str(month), "client": sanna})
    assert report.status_code == 200, report.text[-2000:]
    assert "Toinen Hoiva" not in report.text  # the other company's client is not on Sanna's report

    assert report.text.count(f"<td>{NUMBER}</td>") == 1, report.text[-3000:]  # Sanna's three unfinished hours

    read_by_officer = partial(_read_by_officer, services, data, officer)
    # Sanna's draft was read for her report (its read logged: the access log has heard the report's reads) ...
    await _eventually("Sanna's report read", lambda: _has(read_by_officer(sanna), "events.list"))
    # ... and nothing of the other company's client, though the client number is the same
    assert await read_by_officer(other) == []


async def _has(reads: Any, what: str) -> bool:
    return what in await reads
