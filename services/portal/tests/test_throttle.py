"""Per-source throttles on the public forms: one browser address can't lock accounts in bulk or send
contact requests without end; another address is not affected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from seteli_portal.throttle import Limit, Throttle, TooManyAttempts

from .conftest import csrf_of, portal_app, submit
from .seed import OFFICER_PASSWORD, Seed


@asynccontextmanager
async def _browser(app: object, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://portal", timeout=60) as client:
        yield client


async def test_failed_sign_ins_from_one_address_stop_before_they_lock_more_accounts(suite: object,
                                                                                      data: Seed) -> None:
    app = portal_app(suite, data)  # type: ignore[arg-type]
    async with _browser(app, "203.0.113.7") as attacker:
        for n in range(10):
            failed = await submit(attacker, "/login", "/login",
                                  {"email": f"arvaus-{n}@example.fi", "password": "Arvaus-sana-99"})
            assert failed.status_code == 401
        # the right password of a real account: refused here, before the registry counts anything
        refused = await submit(attacker, "/login", "/login", {"email": data.officer_email,
                                                              "password": OFFICER_PASSWORD})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert "Liian monta yritystä tästä osoitteesta" in refused.text
        assert (await attacker.get("/catalog")).status_code == 200  # reading is not throttled
    async with _browser(app, "198.51.100.20") as officer:
        signed_in = await submit(officer, "/login", "/login", {"email": data.officer_email,
                                                               "password": OFFICER_PASSWORD, "next": "/"})
        assert signed_in.status_code == 303


async def test_contact_requests_from_one_address_are_limited(suite: object, data: Seed) -> None:
    app = portal_app(suite, data)  # type: ignore[arg-type]
    url = f"/catalog/providers/{data.provider_id}"
    fields = {"name": "Aino Asukas", "phone": "0401234567", "consent": "on"}
    async with _browser(app, "203.0.113.8") as sender:
        for _ in range(10):
            assert (await submit(sender, url, f"{url}/contact", fields)).status_code == 303
        page = await sender.get(url)
        eleventh = await sender.post(f"{url}/contact", data={"csrf": csrf_of(page.text), **fields})
        assert eleventh.status_code == 429
    async with _browser(app, "198.51.100.21") as neighbour:
        assert (await submit(neighbour, url, f"{url}/contact", fields)).status_code == 303


def test_attempts_age_out_of_the_window() -> None:
    clock = [1000.0]
    throttle = Throttle({"login": Limit(2, 60)}, now=lambda: clock[0])
    throttle.record("login", "a")
    clock[0] += 30
    throttle.record("login", "a")
    try:
        throttle.check("login", "a")
    except TooManyAttempts as refused:
        assert refused.retry_after_seconds == 30  # when the first attempt leaves the window
    else:
        raise AssertionError("the third attempt within the window must be refused")
    throttle.check("login", "b")  # another source is unaffected
    clock[0] += 31
    throttle.check("login", "a")  # one attempt left in the window again


async def test_the_voucher_look_up_limit_counts_each_browser_not_every_resident_together(suite: object,
                                                                                        data: Seed) -> None:
    # Vouchers limits look-ups per caller; the portal is its only caller and names the browser (X-Forwarded-For).
    # One browser trying on is stopped; a resident at another address still looks their voucher up.
    settings = suite.runtimes["vouchers"].settings  # type: ignore[attr-defined]
    limit = settings.lookup_max_attempts_per_source
    settings.lookup_max_attempts_per_source = 2
    try:
        app = portal_app(suite, data)  # type: ignore[arg-type]
        form = {"tenant_id": data.tenant_id, "number": data.voucher_number,
                "verification_code": data.verification_code}
        async with _browser(app, "203.0.113.44") as busy:
            found = [(await submit(busy, "/voucher", "/voucher", form)).status_code for _ in range(3)]
            assert found == [200, 200, 422]  # the third: too many attempts from this address
        async with _browser(app, "198.51.100.45") as resident:
            assert (await submit(resident, "/voucher", "/voucher", form)).status_code == 200
    finally:
        settings.lookup_max_attempts_per_source = limit
