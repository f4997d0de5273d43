"""A provider whose payment failed on every attempt is left out of the run (settlement parks its job): the officer's
settlement pages say so, in Finnish and in Swedish, naming the provider and the reason, and that its care is paid
by the next run. On a suite of its own: the run it locks must not change what the other tests' shared suite pays."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_portal.config import SERVICE_NAMES
from seteli_settlement.service import paying

from seteli.embedded import build_suite

from .conftest import csrf_of, lock_fields, login, portal_app, submit
from .seed import OFFICER_PASSWORD, seed
from .service_calls import officer_headers

FAILURE = "payment 7: 2 lines paid, 1 summed"


async def test_the_run_page_and_the_run_list_tell_which_providers_payment_failed_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = build_suite(tmp_path / "suite", with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        base = {name: f"http://suite/{name}" for name in SERVICE_NAMES}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), timeout=60) as services:
            data = await seed(services, base)
            headers = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
            provider = (await services.get(f"http://suite/registry/v1/providers/{data.provider_id}",
                                           headers=headers)).json()

        # The provider's payment fails every time (in embedded mode no real data makes it fail): settlement's
        # own tests count the attempts; here its first failure parks it.
        deps = suite.runtimes["settlement"].extras["deps"]
        monkeypatch.setattr(deps, "max_attempts", 1)
        real_pay = paying.pay_provider

        async def fails_for_the_provider(ctx: Any, tenant_id: str, run_id: str, provider_id: str) -> None:
            if provider_id == data.provider_id:
                raise RuntimeError(FAILURE)
            await real_pay(ctx, tenant_id, run_id, provider_id)

        monkeypatch.setattr(paying, "pay_provider", fails_for_the_provider)
        month = data.demo.month
        await InMemoryTransport(suite.broker).publish(Envelope(type="events.event.recorded", tenant_id=data.tenant_id,
                                                               payload={
            "event_id": "e-late-care", "revision": 1, "service_id": data.service_id, "content_id": data.content_id,
            "provider_id": data.provider_id, "producer_part": None, "client_ref": "A-9", "start": f"{month}-20",
            "end": f"{month}-20", "units": "1", "status": "payable", "amount_tenant": "12.34",
            "amount_co_payment": "0"}), {}, timeout=1)
        await suite.broker.drain()

        app = portal_app(suite, data)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                     timeout=60) as portal:
            await login(portal, data.officer_email, OFFICER_PASSWORD)
            preview = await submit(portal, "/officer/settlement", "/officer/settlement", {"month": month,
                                                                                        "action": "preview"})
            locked = await submit(portal, "/officer/settlement", "/officer/settlement", {
                "month": month, "action": "lock", **lock_fields(preview.text), "confirm": "on"})
            assert locked.status_code == 303
            run_url = locked.headers["location"]

            page = await portal.get(run_url)
            assert page.status_code == 200 and "badge-completed" in page.text  # not running for ever
            failed = re.search(r'<section id="run-failed-jobs"[^>]*>.*?</section>', page.text, re.S)
            assert failed, page.text[-3000:]
            section = failed.group(0)
            assert 'aria-labelledby="run-failed-jobs-title"' in section and 'role="alert"' in section
            assert "Maksamatta jääneet palveluntuottajat" in section
            assert "Yhden palveluntuottajan maksu epäonnistui" in section and "seuraavassa tilityksessä" in section
            assert provider["name"] in section and FAILURE in section
            assert '<th scope="col">Virheen syy</th>' in section
            # the run paid no one (the demo's one provider failed): no payment file is offered, and it says why
            assert "/payment-file" not in page.text
            assert "Tilitys ei maksanut kenellekään, joten maksuaineistoa ei ole." in page.text
            listing = await portal.get("/officer/settlement")
            row = next(r for r in re.findall(r"<tr>.*?</tr>", listing.text, re.S) if run_url in r)
            assert f"Maksu epäonnistui: {provider['name']}" in row

            await portal.post("/language", data={"csrf": csrf_of(listing.text), "lang": "sv",
                                                 "next": "/officer/settlement"})
            svenska = await portal.get(run_url)
            section = re.search(r'<section id="run-failed-jobs"[^>]*>.*?</section>', svenska.text, re.S).group(0)  # type: ignore[union-attr]
            assert "Serviceproducenter som inte betalades" in section
            assert "Betalningen till en serviceproducent misslyckades" in section and provider["name"] in section
            assert "nästa redovisning" in section and FAILURE in section
            listing = await portal.get("/officer/settlement")
            row = next(r for r in re.findall(r"<tr>.*?</tr>", listing.text, re.S) if run_url in r)
            assert f"Betalningen misslyckades: {provider['name']}" in row
