"""The officer locks what the preview showed: a provider's account changed after the preview, the total the same,
is not paid on the officer's confirmation of the old account; the new preview shows the change, and a
confirmation of that one locks. On a suite of its own: the run it locks must not change what the shared suite pays."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from seteli_portal.bootstrap import build_app
from seteli_portal.config import SERVICE_NAMES, PortalSettings

from seteli.embedded import Suite, build_suite

from .conftest import login, portal_app, submit
from .seed import OFFICER_PASSWORD, Seed, seed
from .test_officer_run_set_offs import care, publish

NEW_ACCOUNT = {"iban": "FI5810171000000122", "bic": "NDEAFIHH", "reference": "RF341234561",
               "email": "uusi@example.fi", "pdf_by_email": False}


def lock_form(page: str, month: str) -> dict[str, str]:
    """What the preview's lock form sends, confirmed."""
    fields = dict(re.findall(r'<input type="hidden" name="(expected_[a-z]+)" value="([^"]*)"', page))
    assert set(fields) == {"expected_total", "expected_payees"}, fields
    return {"month": month, "action": "lock", "confirm": "on", **fields}


async def test_an_account_changed_after_the_preview_is_shown_again_before_anything_is_paid(tmp_path: Path) -> None:
    suite: Suite = build_suite(tmp_path / "suite", with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        base = {name: f"http://suite/{name}" for name in SERVICE_NAMES}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), timeout=60) as services:
            data: Seed = await seed(services, base)
        month = data.demo.month
        await publish(suite, "events.event.recorded", data.tenant_id, care(data, "e-late", 3, "900.00", None))
        app = portal_app(suite, data)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                     timeout=60) as portal:
            await login(portal, data.officer_email, OFFICER_PASSWORD)
            preview = await submit(portal, "/officer/settlement", "/officer/settlement",
                                   {"month": month, "action": "preview"})
            assert preview.status_code == 200 and NEW_ACCOUNT["iban"] not in preview.text
            confirmed = lock_form(preview.text, month)
            runs_before = (await portal.get("/officer/settlement")).text.count("/officer/settlement/runs/")

            # the provider's company account changes after the officer looked: same payee, same total
            await publish(suite, "registry.provider.billing_changed", None, {
                "provider_id": data.provider_id, "site_id": None, "billing": NEW_ACCOUNT})
            stale = await submit(portal, "/officer/settlement", "/officer/settlement", confirmed)
            assert stale.status_code == 409, stale.text[-1500:]
            assert "Maksunsaajat tai tilinumerot ovat muuttuneet esikatselun jälkeen" in stale.text
            changes = re.search(r'<section id="settlement-changes".*?</section>', stale.text, re.S)
            assert changes and NEW_ACCOUNT["iban"] in changes.group(0)  # the new account, shown beside the old
            assert lock_form(stale.text, month)["expected_total"] == confirmed["expected_total"]
            after = (await portal.get("/officer/settlement")).text.count("/officer/settlement/runs/")
            assert after == runs_before  # nothing was locked

            locked = await submit(portal, "/officer/settlement", "/officer/settlement", lock_form(stale.text, month))
            assert locked.status_code == 303, locked.text[-1500:]
            run = await portal.get(locked.headers["location"])
            assert NEW_ACCOUNT["iban"] in run.text



class ChangeAtTheLock(httpx.AsyncBaseTransport):
    """The portal's calls to the suite, where the provider's account changes just before the lock reaches
    settlement: after the portal's own check of the preview, so only settlement's check can see it."""

    def __init__(self, suite: Suite, data: Seed) -> None:
        self.inner = httpx.ASGITransport(app=suite.app, raise_app_exceptions=False)
        self.suite, self.data, self.changed = suite, data, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/runs") and not self.changed \
                and json.loads(await request.aread()).get("dry_run") is False:
            self.changed = True
            await publish(self.suite, "registry.provider.billing_changed", None, {
                "provider_id": self.data.provider_id, "site_id": None, "billing": NEW_ACCOUNT})
        return await self.inner.handle_async_request(request)


async def test_an_account_changed_as_the_lock_is_sent_is_refused_by_settlement_and_shown(tmp_path: Path) -> None:
    suite: Suite = build_suite(tmp_path / "suite", with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        base = {name: f"http://suite/{name}" for name in SERVICE_NAMES}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), timeout=60) as services:
            data: Seed = await seed(services, base)
        month = data.demo.month
        await publish(suite, "events.event.recorded", data.tenant_id, care(data, "e-late", 3, "900.00", None))
        settings = PortalSettings(cookie_secure=False, default_tenant=data.tenant_id, session_secret="test-secret")
        changing = ChangeAtTheLock(suite, data)
        app = build_app(settings, service_urls=base, transport=changing)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                     timeout=60) as portal:
            await login(portal, data.officer_email, OFFICER_PASSWORD)
            preview = await submit(portal, "/officer/settlement", "/officer/settlement",
                                   {"month": month, "action": "preview"})
            runs_before = (await portal.get("/officer/settlement")).text.count("/officer/settlement/runs/")

            stale = await submit(portal, "/officer/settlement", "/officer/settlement", lock_form(preview.text, month))
            assert changing.changed
            assert stale.status_code == 409, stale.text[-1500:]
            assert "Maksunsaajat tai tilinumerot ovat muuttuneet esikatselun jälkeen" in stale.text
            assert NEW_ACCOUNT["iban"] in stale.text  # the preview as it is now
            assert (await portal.get("/officer/settlement")).text.count("/officer/settlement/runs/") == runs_before

            locked = await submit(portal, "/officer/settlement", "/officer/settlement", lock_form(stale.text, month))
            assert locked.status_code == 303, locked.text[-1500:]
            assert NEW_ACCOUNT["iban"] in (await portal.get(locked.headers["location"])).text


async def test_a_lock_form_without_the_digest_shows_the_new_preview_and_locks_nothing(tmp_path: Path) -> None:
    """A lock form rendered before the form carried what the preview paid whom (open in a tab over an update) is
    checked as a preview changed, not on its total alone: the officer sees the preview again, in fi and sv."""
    suite: Suite = build_suite(tmp_path / "suite", with_portal=False)
    async with suite.app.router.lifespan_context(suite.app):
        base = {name: f"http://suite/{name}" for name in SERVICE_NAMES}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), timeout=60) as services:
            data: Seed = await seed(services, base)
        month = data.demo.month
        await publish(suite, "events.event.recorded", data.tenant_id, care(data, "e-late", 3, "900.00", None))
        app = portal_app(suite, data)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                     timeout=60) as portal:
            await login(portal, data.officer_email, OFFICER_PASSWORD)
            preview = await submit(portal, "/officer/settlement", "/officer/settlement",
                                   {"month": month, "action": "preview"})
            old_form = {k: v for k, v in lock_form(preview.text, month).items() if k != "expected_payees"}
            runs_before = (await portal.get("/officer/settlement")).text.count("/officer/settlement/runs/")

            stale = await submit(portal, "/officer/settlement", "/officer/settlement", old_form)
            assert stale.status_code == 409, stale.text[-1500:]
            assert "Maksunsaajat tai tilinumerot ovat muuttuneet esikatselun jälkeen" in stale.text
            assert 'id="settlement-lock"' in stale.text  # the new preview's form, to confirm again
            assert (await portal.get("/officer/settlement")).text.count("/officer/settlement/runs/") == runs_before

            await submit(portal, "/officer/settlement", "/language", {"lang": "sv", "next": "/officer/settlement"})
            swedish = await submit(portal, "/officer/settlement", "/officer/settlement", old_form)
            assert swedish.status_code == 409, swedish.text[-1500:]
            assert "Betalningsmottagarna eller kontonumren har ändrats efter förhandsgranskningen" in swedish.text
            assert (await portal.get("/officer/settlement")).text.count("/officer/settlement/runs/") == runs_before

            locked = await submit(portal, "/officer/settlement", "/officer/settlement", lock_form(stale.text, month))
            assert locked.status_code == 303, locked.text[-1500:]
