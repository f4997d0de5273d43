"""Interruptions approved by the municipality before settlement (issue 19, 004 §4.3.5.2): the tenant admin
turns the step on in the settings; the officer approves one interruption in Swedish and rejects another
with a reason in Finnish from the approval queue; turned off again, the demo tenant is as it was."""

from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport
from seteli_portal.i18n import date_fmt
from seteli_portal.web import REGISTRY_MOST, Page

from seteli.demo import random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import book_a_new_client, officer_headers


async def approval_step(portal: httpx.AsyncClient, on: bool) -> httpx.Response:
    """The tenant admin turns the interruptions' approval step on or off in the settings (saved: 303)."""
    saved = await submit(portal, "/officer/settings", "/officer/settings/interruptions",
                         {"interruptions_need_approval": "on"} if on else {})
    assert saved.status_code == 303, saved.text[-1500:]
    return saved


async def _waiting_interruption(services: httpx.AsyncClient, data: Seed, headers: dict[str, str], booking_id: str,
                                start: str, end: str, reason: str) -> dict[str, Any]:
    """The provider's finalised interruption, once the events service has heard of the setting. The booking
    this client made itself is followed (its token: the events service waits for it); the setting was saved
    in the tenant admin's portal session, whose token this client has not, so that is polled."""
    url = f"/events/v1/tenants/{data.tenant_id}/interruptions"
    for _ in range(100):
        made = await services.post(url, headers=headers, json={"booking_id": booking_id, "start": start, "end": end,
                                                               "reason": reason})
        assert made.status_code == 201, made.text
        if made.json()["approval"] == "pending":
            return dict(made.json())
        assert (await services.delete(f"{url}/{made.json()['id']}", headers=headers)).status_code == 204
        await asyncio.sleep(0.2)
    raise AssertionError("the setting never reached the events service")


async def test_the_officer_approves_and_rejects_interruptions_in_swedish_and_finnish(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)  # the demo tenant's admin
    home = await portal.get("/officer")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/settings"})
    page = await portal.get("/officer/settings")
    assert "Avbrott behöver kommunens godkännande före redovisningen" in page.text
    assert 'name="interruptions_need_approval" type="checkbox" checked' not in page.text  # off by default
    on = await approval_step(portal, on=True)
    page = await portal.get(on.headers["location"])
    assert "Inställningen för godkännande av avbrott har sparats." in page.text
    assert 'name="interruptions_need_approval" type="checkbox" checked' in page.text

    booking = await book_a_new_client(services, data, data.service_id, "K-019", "31", "month", "140.00", 1919)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    first = data.voucher_month.first
    approved = await _waiting_interruption(services, data, provider, booking["id"], str(first + timedelta(days=1)),
                                           str(first + timedelta(days=4)), "hospital")
    rejected = await _waiting_interruption(services, data, provider, booking["id"], str(first + timedelta(days=9)),
                                           str(first + timedelta(days=12)), "holiday")

    queue = await portal.get("/officer/approvals")
    assert queue.status_code == 200 and "Avbrott som väntar på godkännande" in queue.text
    assert "K-019" in queue.text and "Sjukhus" in queue.text and "Semester" in queue.text
    assert "Ersättning enligt regeln" in queue.text and "560,00" in queue.text  # 4 days at 100 % × 140.00
    assert "Kön är tom" not in queue.text
    decided = await portal.post(f"/officer/approvals/interruptions/{approved['id']}",
                                data={"csrf": csrf_of(queue.text), "decision": "approve", "reason": ""})
    assert decided.status_code == 303
    after = await portal.get("/officer/approvals")
    assert "Beslutet om avbrottet har sparats." in after.text
    assert f"/officer/approvals/interruptions/{approved['id']}" not in after.text

    await portal.post("/language", data={"csrf": csrf_of(after.text), "lang": "fi", "next": "/officer/approvals"})
    queue = await portal.get("/officer/approvals")
    assert "Hyväksyntää odottavat keskeytykset" in queue.text and "Loma" in queue.text
    action = f"/officer/approvals/interruptions/{rejected['id']}"
    no_reason = await portal.post(action, data={"csrf": csrf_of(queue.text), "decision": "reject", "reason": ""})
    assert no_reason.status_code == 422  # still waiting: a rejection needs the reason, told at its field
    assert f'id="reason-{rejected["id"]}-error"' in no_reason.text and "Kirjoita perustelu." in no_reason.text
    told = await portal.get("/officer/approvals")
    assert action in told.text
    done = await portal.post(action, data={"csrf": csrf_of(told.text), "decision": "reject",
                                           "reason": "Asiakas ei ollut lomalla"})
    assert done.status_code == 303
    after = await portal.get("/officer/approvals")
    assert "Keskeytyksen päätös tallennettu." in after.text and action not in after.text
    listed = (await services.get(f"/events/v1/tenants/{data.tenant_id}/interruptions", headers=provider,
                                 params={"booking_id": booking["id"]})).json()["items"]
    assert {i["id"]: (i["approval"], i["decision_reason"]) for i in listed} == {
        approved["id"]: ("approved", None), rejected["id"]: ("rejected", "Asiakas ei ollut lomalla")}

    # the demo tenant as it was, for the other tests of this suite
    off = await approval_step(portal, on=False)
    page = await portal.get(off.headers["location"])
    assert "Keskeytysten hyväksyntäasetus tallennettu." in page.text
    assert not re.search(r'name="interruptions_need_approval" type="checkbox" checked', page.text)
    for interruption in (approved, rejected):
        gone = await services.delete(f"/events/v1/tenants/{data.tenant_id}/interruptions/{interruption['id']}",
                                     headers=provider)
        assert gone.status_code == 204, gone.text


async def test_a_rejection_without_its_reason_is_told_at_the_reason_field(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient) -> None:
    """Rejecting (or approving and crediting) an entry over the grant needs the reason: the officer is told so
    at that entry's reason field, in their language (the page said only 'Tarkista lomakkeen tiedot.' on top)."""
    booking = await book_a_new_client(services, data, "Henkilökohtainen apu", "H-310", "2", "week", "28.00", 3107)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    recorded = await services.post(f"/events/v1/tenants/{data.tenant_id}/events", headers=provider, json={
        "booking_id": booking["id"], "start": str(data.voucher_month.first.replace(day=12)),
        "start_time": "08:00", "end_time": "11:00", "status": "recorded"})
    assert recorded.status_code == 201, recorded.text
    event_id = recorded.json()["id"]
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    queue = await portal.get("/officer/approvals")
    action = f"/officer/approvals/{event_id}"
    assert action in queue.text
    for decision in ("reject", "approve_and_credit"):
        told = await portal.post(action, data={"csrf": csrf_of(queue.text), "decision": decision, "reason": " "})
        assert told.status_code == 422, told.text[-1500:]
        assert f'<p class="error" id="reason-{event_id}-error">' in told.text
        assert re.search(rf'id="reason-{event_id}"[^>]*aria-invalid="true"', told.text)
        assert "Kirjoita perustelu." in told.text and action in told.text  # still waiting
    done = await portal.post(action, data={"csrf": csrf_of(queue.text), "decision": "reject",
                                           "reason": "Ylittää myönnetyn"})
    assert done.status_code == 303


async def test_every_waiting_interruption_shows_its_client_with_more_vouchers_than_one_lookup_takes(
        portal: httpx.AsyncClient, data: Seed, services: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue names each entry's client from its voucher; the vouchers API gives at most 200 ids at once (and
    each id lengthens the address): with more waiting than that, every row still shows its client."""
    officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
    tenant = f"/vouchers/v1/tenants/{data.tenant_id}"
    person = await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Jonottava", "last_name": "Asiakas", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(2051))})
    assert person.status_code == 201, person.text
    service = (await services.get(f"{tenant}/vouchers", headers=officer, params={"limit": 1})).json()["items"][0]
    full = (await services.get(f"{tenant}/vouchers/{service['id']}", headers=officer)).json()
    month = data.voucher_month
    voucher_ids = []
    for _ in range(REGISTRY_MOST + 5):  # granted long ago: the newest-first voucher lists of other tests keep theirs
        granted = await services.post(f"{tenant}/vouchers", headers=officer, json={
            "client_id": person.json()["id"], "service_id": full["service_id"], "granted_on": "2005-01-03",
            "valid_from": "2005-01-03", "valid_until": "2005-01-31",
            "contents": [{"content_id": c["content_id"], "granted_amount": c["granted_amount"], "period": c["period"],
                          "voucher_value": c.get("voucher_value")} for c in full["contents"][:1]]})
        assert granted.status_code == 201, granted.text
        voucher_ids.append(granted.json()["id"])
    # the events service's queue of interruptions waiting for approval, one on each of these vouchers
    waiting = [{"id": f"i-{n}", "voucher_id": voucher_id, "provider_id": data.provider_id, "client_ref": f"J-{n}",
                "content_id": full["contents"][0]["content_id"], "reason": "hospital", "start": str(month.first),
                "end": str(month.first + timedelta(days=2)), "amount_tenant": "10.00"}
               for n, voucher_id in enumerate(voucher_ids)]
    every = Page.every

    async def queue(self: Page, service: str, path: str, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return waiting if path.endswith("/approvals/interruptions") else await every(self, service, path, *args,
                                                                                       **kwargs)

    monkeypatch.setattr(Page, "every", queue)
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    page = await portal.get("/officer/approvals")
    assert page.status_code == 200, page.text[-1500:]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>", page.text.split('id="interruptions-h"')[1], re.S)
    assert len(rows) == len(voucher_ids)
    assert all("Jonottava Asiakas" in row for row in rows)  # none fell back to the provider's client number


async def test_a_decision_made_after_the_step_was_turned_off_is_shown_void_in_finnish_and_swedish(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed, suite: Suite) -> None:
    """The officer rejects a waiting interruption, but another officer had turned the approval step off a moment
    before (its statement reaches the events service late): the stay was released and paid, and under the queue
    the officer's decision is shown with the release, its day in Helsinki, and that the decision is void."""
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    await approval_step(portal, on=True)
    booking = await book_a_new_client(services, data, data.service_id, "K-071", "31", "month", "140.00", 7107)
    provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
    first = data.voucher_month.first
    held = await _waiting_interruption(services, data, provider, booking["id"], str(first + timedelta(days=14)),
                                       str(first + timedelta(days=16)), "holiday")
    turned_off_at = datetime.now(UTC)  # after it was held, before the officer decides
    await asyncio.sleep(0.05)
    queue = await portal.get("/officer/approvals")
    done = await portal.post(f"/officer/approvals/interruptions/{held['id']}", data={
        "csrf": csrf_of(queue.text), "decision": "reject", "reason": "Ei lomaa"})
    assert done.status_code == 303
    # the "off" stated before the decision, heard after it
    late_off = Envelope(type="registry.tenant.changed", tenant_id=data.tenant_id, payload={
        "tenant_id": data.tenant_id, "interruptions_need_approval": False})
    await InMemoryTransport(suite.broker).publish(late_off.model_copy(update={"occurred_at": turned_off_at}), {},
                                                  timeout=1)
    await suite.broker.drain()
    listing = f"/events/v1/tenants/{data.tenant_id}/interruptions"
    for _ in range(100):
        now = (await services.get(listing, headers=provider, params={"booking_id": booking["id"]})).json()["items"][0]
        if now.get("released_at"):
            break
        await asyncio.sleep(0.1)
    assert now["approval"] == "approved" and now["decision"] == "reject", now
    decided_on, released_on = date_fmt(now["decided_at"]), date_fmt(now["released_at"])

    page = await portal.get("/officer/approvals")
    assert page.status_code == 200
    row = re.search(rf'<tr id="decided-{held["id"]}">.*?</tr>', page.text, re.S)
    assert row, page.text[-3000:]
    assert "Päätetyt keskeytykset" in page.text and "K-071" in row.group(0)
    assert f"Hylätty {decided_on}: Ei lomaa" in row.group(0)
    assert (f"Vapautettu hyväksynnästä {released_on} (hyväksyntävaihe poistettu käytöstä); päätöksesi ei ole "
            "voimassa.") in row.group(0)
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": "/officer/approvals"})
    svenska = await portal.get("/officer/approvals")
    row = re.search(rf'<tr id="decided-{held["id"]}">.*?</tr>', svenska.text, re.S)
    assert row and "Beslutade avbrott" in svenska.text
    assert f"Avslaget {decided_on}: Ei lomaa" in row.group(0)
    assert (f"Frigjort från godkännandet {released_on} (godkännandesteget har tagits ur bruk); ditt beslut gäller "
            "inte.") in row.group(0)

    # the demo tenant as it was, for the other tests of this suite
    await portal.post("/language", data={"csrf": csrf_of(svenska.text), "lang": "fi", "next": "/officer"})
    await approval_step(portal, on=False)
    gone = await services.delete(f"{listing}/{held['id']}", headers=provider)
    assert gone.status_code == 204, gone.text


async def test_the_officer_pages_back_to_the_101st_decision_on_interruptions(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    """The decisions under the queue are paged (20 a page, the latest first): the officer reaches every one, the
    101st too, in Finnish and Swedish; the queue's own page is kept on the decisions' links."""
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    await approval_step(portal, on=True)
    first = data.voucher_month.first
    made: list[dict[str, Any]] = []
    for n in range(7):  # 15 stays of a night in the month, of each of seven clients of our own
        booking = await book_a_new_client(services, data, data.service_id, f"P-10{n}", "31", "month", "140.00",
                                          2101 + n)
        for day in range(0, 30, 2):
            if len(made) == 101:
                break
            if day % 8 == 0:  # a token lives a minute
                provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
            made.append(await _waiting_interruption(services, data, provider, booking["id"],
                                                    str(first + timedelta(days=day)),
                                                    str(first + timedelta(days=day + 1)), "holiday"))
    for n, stay in enumerate(made):
        if n % 10 == 0:
            officer = await officer_headers(services, "http://suite", data.officer_email, OFFICER_PASSWORD)
        decided = await services.post(f"/events/v1/tenants/{data.tenant_id}/interruptions/{stay['id']}/decision",
                                      headers=officer, json={"decision": "reject" if n == 0 else "approve",
                                                             "reason": "Sivun 6 päätös" if n == 0 else ""})
        assert decided.status_code == 200, decided.text
    oldest = made[0]["id"]

    page = await portal.get("/officer/approvals")
    assert page.text.count('<tr id="decided-') == 20 and f'id="decided-{made[-1]["id"]}"' in page.text
    assert 'aria-label="Päätettyjen keskeytysten sivut"' in page.text
    found_on = None
    for number in range(2, 8):
        link = re.search(r'<nav class="pager" aria-label="Päätettyjen keskeytysten sivut">.*?'
                         r'<a href="([^"]+)" rel="next">', page.text, re.S)
        assert link is not None, f"no next page after page {number - 1}"
        assert "decided_page=" in link.group(1) and link.group(1).endswith("#decided-interruptions-h")
        page = await portal.get(link.group(1).replace("&amp;", "&"))
        assert page.status_code == 200
        if f'id="decided-{oldest}"' in page.text:
            found_on = number
            break
    assert found_on == 6, "the 101st decision is on the sixth page"
    row = re.search(rf'<tr id="decided-{oldest}">.*?</tr>', page.text, re.S)
    assert row is not None and "Hylätty" in row.group(0) and "Sivun 6 päätös" in row.group(0)
    assert re.search(r'<a href="[^"]*decided_page=6[^"]*" aria-current="page">', page.text)

    svenska = await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv",
                                                   "next": "/officer/approvals?decided_page=6"})
    page = await portal.get(svenska.headers["location"])
    assert 'aria-label="Sidor med beslutade avbrott"' in page.text
    row = re.search(rf'<tr id="decided-{oldest}">.*?</tr>', page.text, re.S)
    assert row is not None and "Avslaget" in row.group(0)

    # the demo tenant as it was, for the other tests of this suite
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "fi", "next": "/officer/settings"})
    await approval_step(portal, on=False)
    for n, stay in enumerate(made):
        if n % 10 == 0:
            provider = await officer_headers(services, "http://suite", data.provider_email, PROVIDER_PASSWORD)
        gone = await services.delete(f"/events/v1/tenants/{data.tenant_id}/interruptions/{stay['id']}",
                                     headers=provider)
        assert gone.status_code == 204, gone.text
