"""A provider is one debtor: a run sets one payee's credits off against another payee of the same provider, and the
officer's run page lists those set-offs (from which payee, from which payment, how much), in Finnish and in
Swedish. On a suite of its own: the runs it locks must not change what the other tests' shared suite pays."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_portal.config import SERVICE_NAMES

from seteli.embedded import Suite, build_suite

from .conftest import csrf_of, lock_fields, login, portal_app, submit
from .seed import OFFICER_PASSWORD, Seed, seed

SITE_BILLING = {"iban": "FI5810171000000122", "bic": "NDEAFIHH", "reference": "RF341234561",
                "email": "kuusela@example.fi", "pdf_by_email": False}


async def publish(suite: Suite, type_: str, tenant_id: str | None, payload: dict[str, Any]) -> None:
    """What the registry and events services announce (the portal's journeys cannot add a site payee's credit)."""
    await InMemoryTransport(suite.broker).publish(Envelope(type=type_, tenant_id=tenant_id, payload=payload), {},
                                                  timeout=1)
    await suite.broker.drain()


def care(data: Seed, event_id: str, day: int, amount: str, producer_part: str | None) -> dict[str, Any]:
    month = data.demo.month
    return {"event_id": event_id, "revision": 1, "service_id": data.service_id, "content_id": data.content_id,
            "provider_id": data.provider_id, "producer_part": producer_part, "client_ref": "A-77",
            "start": f"{month}-{day:02}", "end": f"{month}-{day:02}", "units": "1", "status": "payable",
            "amount_tenant": amount, "amount_co_payment": "0"}


async def lock(portal: httpx.AsyncClient, month: str) -> str:
    preview = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": month, "action": "preview"})
    locked = await submit(portal, "/officer/settlement", "/officer/settlement", {
        "month": month, "action": "lock", **lock_fields(preview.text), "confirm": "on"})
    assert locked.status_code == 303, locked.text[-1500:]
    return str(locked.headers["location"])


def set_offs_section(page: str) -> str:
    """The run page's table of set-offs (and set-offs repaid), with its heading."""
    found = re.search(r'<section id="run-set-offs"[^>]*>.*?</section>', page, re.S)
    assert found, page[-3000:]
    return found.group(0)


def only_row_is_kuuselas_900_linking_a_payment_on(page: str, section: str) -> None:
    """The section has one row: Kuusela's 900.00, linked to a payment listed on the same page."""
    rows = re.findall(r"<tr><td>.*?</tr>", section, re.S)
    assert len(rows) == 1, section
    assert "Kuusela" in rows[0] and "900,00\u00a0€" in rows[0], rows[0]
    payment = re.search(r'href="#payment-(\d+)"', rows[0]).group(1)  # type: ignore[union-attr]
    assert f'id="payment-{payment}"' in page


async def set_offs_in_swedish(portal: httpx.AsyncClient, page: str, url: str) -> str:
    """The run page's set-offs read in Swedish (the officer's language is set back to Finnish after)."""
    await portal.post("/language", data={"csrf": csrf_of(page), "lang": "sv", "next": url})
    svenska = await portal.get(url)
    await portal.post("/language", data={"csrf": csrf_of(svenska.text), "lang": "fi", "next": url})
    return set_offs_section(svenska.text)


async def test_the_run_page_lists_a_site_payees_credits_set_off_against_the_companys_payment(tmp_path: Path) -> None:
    suite = build_suite(tmp_path / "suite", with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        base = {name: f"http://suite/{name}" for name in SERVICE_NAMES}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), timeout=60) as services:
            data = await seed(services, base)
        month = data.demo.month
        # the provider's site is a payee of its own; its care of the month is paid to it
        await publish(suite, "registry.site.added", None, {
            "provider_id": data.provider_id, "site_id": "s-kuusela", "name": "Kuusela",
            "notification_email": "kuusela@example.fi", "billing": SITE_BILLING})
        await publish(suite, "events.event.recorded", data.tenant_id, care(data, "e-site", 3, "900.00",
                                                                              "site:s-kuusela"))
        app = portal_app(suite, data)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                     timeout=60) as portal:
            await login(portal, data.officer_email, OFFICER_PASSWORD)
            first = await portal.get(await lock(portal, month))
            assert 'id="run-set-offs"' not in first.text  # nothing set off: no table

            # the site's care is credited back (the site closed), and the company's new care is paid
            await publish(suite, "events.credit.requested", data.tenant_id, {
                "credit_id": "c-site", "event_id": "e-site", "provider_id": data.provider_id,
                "producer_part": "site:s-kuusela", "client_ref": "A-77", "content_id": data.content_id,
                "service_id": data.service_id, "amount": "-900.00", "reason": "väärä asiakas", "month": month,
                "kind": "event"})
            await publish(suite, "events.event.recorded", data.tenant_id, care(data, "e-company", 4, "1080.00", None))
            run_url = await lock(portal, month)
            page = await portal.get(run_url)
            assert page.status_code == 200
            section = set_offs_section(page.text)
            assert 'aria-labelledby="run-set-offs-title"' in section and "<h2" in section
            assert "Kuittaukset" in section and '<th scope="col">Kuitattu maksusta</th>' in section
            only_row_is_kuuselas_900_linking_a_payment_on(page.text, section)  # the payment it was deducted from

            section = await set_offs_in_swedish(portal, page.text, run_url)
            assert "Kvittningar" in section and '<th scope="col">Kvittat mot betalningen</th>' in section
            assert "900,00\u00a0€" in section

            # the site's credit is withdrawn: the next run pays the 900.00 deducted back to the company, and its
            # page lists that repayment beside the deductions (to whom, for whose withdrawn credit, how much)
            await publish(suite, "events.credit.withdrawn", data.tenant_id, {
                "credit_id": "c-site", "event_id": "e-site", "kind": "event", "reason": "väärä asiakas"})
            next_url = await lock(portal, month)
            page = await portal.get(next_url)
            section = set_offs_section(page.text)
            assert "Palautetut kuittaukset" in section, section
            assert '<th scope="col">Maksetaan takaisin maksunsaajalle</th>' in section
            assert '<th scope="col">Peruttu hyvitys maksunsaajalta</th>' in section
            # nothing deducted in this run: only the repayment, from the payment that pays it back
            only_row_is_kuuselas_900_linking_a_payment_on(page.text, section)

            section = await set_offs_in_swedish(portal, page.text, next_url)
            assert "Återbetalda kvittningar" in section and "900,00\u00a0€" in section
            assert '<th scope="col">Återbetalas till betalningsmottagaren</th>' in section
            assert '<th scope="col">Återkallad gottgörelse från betalningsmottagaren</th>' in section
