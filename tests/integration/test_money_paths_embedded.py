"""Issue 16 across the services' HTTP APIs (embedded suite, injected clock 15 December 2026 in
Helsinki): a credited event frees its days and the next run pays the right ones with the credit
deducted (item 4); a death recorded after the care was recorded clips it, and the run pays nothing
after the day after the death (item 3). The voucher is worth 140.00 € a day."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from seteli.demo import random_test_identity_code, sign_application

from .embedded_skeleton import credit_the_paid_event, skeleton_suite, until

DAY = Decimal("140.00")


async def test_credit_frees_days_and_a_later_death_clips_the_payment(tmp_path: Path) -> None:
    async with skeleton_suite(tmp_path, seed=16) as suite:
        client, tenant, officer, provider = suite.client, suite.tenant, suite.officer, suite.provider
        assert suite.demo.payment_amount == DAY * 30  # November paid: 4200.00
        events_url = f"/events/v1/tenants/{tenant}"
        # the run's answer carried the tokens of its news to events (which events it paid): the client sends
        # them, and the events service waits for that news instead of answering "not settled"
        wrong, credit = await credit_the_paid_event(suite, "Tuli vasta 3.11.")
        assert credit["amount"] == "-4200.00" and credit["month"] == "2026-12"
        right = await client.post(f"{events_url}/events", headers=provider, json={
            "booking_id": wrong["booking_id"], "start": "2026-11-03", "end": "2026-11-30"})
        assert right.status_code == 201, right.text  # the credited event's days are free
        december = await client.post(f"{events_url}/events", headers=provider, json={
            "booking_id": wrong["booking_id"], "start": "2026-12-01", "end": "2026-12-15"})
        assert december.status_code == 201, december.text

        async def dry_run(expected: Decimal) -> Any:
            response = await client.post(f"/settlement/v1/tenants/{tenant}/runs", headers=officer,
                                         json={"month": "2026-12", "dry_run": True})
            assert response.status_code == 200, response.text
            return response.json() if Decimal(str(response.json()["total"])) == expected else None

        # 28 November days + 15 December days - the credit of 30 days, to the cent: settlement waits for
        # the credit and the care the preview follows (their tokens), the client asks once
        preview = await dry_run(DAY * 28 + DAY * 15 - DAY * 30)  # 1820.00
        assert preview
        # The credit takes back the wrong event's co-payment too (30 x 10.00: the price is 150.00), and the
        # client's breakdown of November shows the right days' co-payment once, not the credited event's too.
        credit_lines = [ln for p in preview["payments"] for ln in p["lines"] if ln["kind"] == "credit"]
        assert [(ln["amount"], ln["co_payment"]) for ln in credit_lines] == [("-4200.00", "-300.00")]
        clients = await client.get(f"/vouchers/v1/tenants/{tenant}/clients", headers=officer,
                                   params={"name": "Asiakas"})
        [person] = clients.json()["items"]
        breakdown = await client.get(f"{events_url}/co-payments", headers=officer, params={
            "client_id": person["id"], "service_id": wrong["service_id"], "from": "2026-11-01",
            "to": "2026-11-30"})
        assert breakdown.status_code == 200, breakdown.text
        assert breakdown.json()["amount_co_payment"] == "280.00"  # 28 days x 10.00

        # The client died on 10 December: valid until the 11th; the 12th-15th are not paid.
        died = await client.post(f"/vouchers/v1/tenants/{tenant}/clients/{person['id']}/death",
                                 headers=officer, json={"date_of_death": "2026-12-10"})
        assert died.status_code == 200, died.text
        await until(lambda: dry_run(DAY * 28 + DAY * 11 - DAY * 30))  # 280.00

        async def clipped() -> Any:
            got = await client.get(f"{events_url}/events/{december.json()['id']}", headers=officer)
            return got.json() if got.json()["end"] == "2026-12-11" else None

        assert (await until(clipped))["amount_tenant"] == str(DAY * 11)
        late = await client.post(f"{events_url}/events", headers=provider, json={
            "booking_id": wrong["booking_id"], "start": "2026-12-12", "end": "2026-12-12"})
        assert late.status_code == 422


SITE_IBAN, COMPANY_IBAN = "FI5810171000000122", "FI4950009420028730"


async def test_a_sites_care_is_paid_to_the_sites_own_account_and_the_running_month_is_not_locked(
        tmp_path: Path) -> None:
    """Items 1 and 2: a site added after the company registered, with its own billing, is paid to its own
    account (never the company's); December can't be locked on the 15th, and is paid once it has ended."""
    async with skeleton_suite(tmp_path, seed=17, with_portal=True) as suite:
        client, clock, base, demo = suite.client, suite.clock, suite.base, suite.demo
        tenant, officer, provider = suite.tenant, suite.officer, suite.provider
        [booking] = (await client.get(f"/vouchers/v1/tenants/{tenant}/bookings", headers=officer)).json()["items"]
        provider_id = booking["provider_id"]

        site = await client.post(f"/registry/v1/providers/{provider_id}/sites", headers=provider, json={
            "name": "Päivänsäde Kuusankoski", "notification_email": "kuusankoski@paivansade.fi",
            "billing": {"iban": SITE_IBAN, "bic": "NDEAFIHH", "reference": "1232"}})
        assert site.status_code == 201, site.text
        site_id = site.json()["id"]
        sites = [s["id"] for s in (await client.get(f"/registry/v1/providers/{provider_id}",
                                                    headers=provider)).json()["sites"]]
        # the company's approved application gains the site: a change, signed and approved
        [application] = (await client.get(f"/applications/v1/tenants/{tenant}/applications",
                                          headers=officer)).json()["items"]
        apps = f"/applications/v1/tenants/{tenant}/applications"

        async def site_step() -> Any:
            response = await client.put(f"{apps}/{application['id']}/steps/sites", headers=provider,
                                        json={"ids": sites})
            return response.json() if response.status_code == 200 else None

        change_url = f"http://suite{apps}/{(await until(site_step))['id']}"
        assertion = await sign_application(client, base, provider, tenant, change_url, demo.provider_business_id)
        submitted = await client.post(f"{change_url}/submit", headers=provider,
                                      json={"accept_rulebook": True, "signature_assertion": assertion})
        assert submitted.status_code == 200, submitted.text
        decided = await client.post(f"{change_url}/decision", headers=officer, json={"decision": "approve"})
        assert decided.status_code == 200, decided.text
        person = await client.post(f"/vouchers/v1/tenants/{tenant}/clients", headers=officer, json={
            "first_name": "Bertta", "last_name": "Asiakas", "language": "fi",
            "identity_code": random_test_identity_code(random.Random(17))})
        assert person.status_code == 201, person.text
        voucher = await client.post(f"/vouchers/v1/tenants/{tenant}/vouchers", headers=officer, json={
            "client_id": person.json()["id"], "service_id": booking["service_id"], "granted_on": "2026-12-01",
            "valid_from": "2026-12-01", "valid_until": "2027-06-30",
            "contents": [{"content_id": booking["content_id"], "granted_amount": "31", "period": "month",
                          "voucher_value": "140.00"}]})
        assert voucher.status_code == 201, voucher.text

        # vouchers waits for the approved change (its token), the events service for the booking (its token)
        booked = await client.post(f"/vouchers/v1/tenants/{tenant}/bookings", headers=provider, json={
            "voucher_number": voucher.json()["number"],
            "voucher_content_id": voucher.json()["contents"][0]["id"], "accept_terms": True,
            "producer_part": f"site:{site_id}", "client_number": "K-002"})
        assert booked.status_code == 201, booked.text
        for booking_id in (booking["id"], booked.json()["id"]):
            recorded = await client.post(f"/events/v1/tenants/{tenant}/events", headers=provider, json={
                "booking_id": booking_id, "start": "2026-12-01", "end": "2026-12-15"})
            assert recorded.status_code == 201, recorded.text

        early = await client.post(f"/settlement/v1/tenants/{tenant}/runs", headers=officer,
                                  json={"month": "2026-12", "dry_run": False})
        assert early.status_code == 409 and early.json()["reason"] == "month_not_ended", early.text

        clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))  # December has ended; the deadlines have passed

        preview = await client.post(f"/settlement/v1/tenants/{tenant}/runs", headers=officer,
                                    json={"month": "2026-12", "dry_run": True})
        assert Decimal(str(preview.json()["total"])) == DAY * 30, preview.text  # settlement has both (tokens)
        run = await client.post(f"/settlement/v1/tenants/{tenant}/runs", headers=officer,
                                json={"month": "2026-12", "dry_run": False})
        assert run.status_code == 201, run.text
        paid = {p["site_id"]: Decimal(p["amount"]) for p in run.json()["payments"]}
        assert paid == {None: DAY * 15, site_id: DAY * 15}
        payment_file = await client.get(f"/settlement/v1/tenants/{tenant}/runs/{run.json()['id']}/payment-file",
                                        headers=officer)
        assert payment_file.status_code == 200, payment_file.text
        transfers = payment_file.text.split("<CdtTrfTxInf>")[1:]
        by_account = {t.split("<IBAN>")[1].split("</IBAN>")[0]: t.split('">')[1].split("<")[0]
                      for t in transfers}
        assert by_account == {COMPANY_IBAN: "2100.00", SITE_IBAN: "2100.00"}

        # the officer sees it in the portal: each payee with its own account
        form = await client.get("/portal/login")
        csrf = form.text.split('name="csrf" value="')[1].split('"')[0]
        signed_in = await client.post("/portal/login", data={"csrf": csrf, "email": demo.tenant_admin_email,
                                                              "password": demo.tenant_admin_password, "next": "/"})
        assert signed_in.status_code == 303
        page = await client.get(f"/portal/officer/settlement/runs/{run.json()['id']}")
        assert page.status_code == 200
        rows = page.text.split("<tbody>")[1].split("</tbody>")[0]
        assert f"Päivänsäde Kuusankoski</a></td><td>{SITE_IBAN}</td>" in rows, rows  # the payee links its lines
        assert f"<td>{COMPANY_IBAN}</td>" in rows
