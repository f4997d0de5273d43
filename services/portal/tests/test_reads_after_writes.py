"""Reads after writes across services (issue 22): a provider books a voucher through the portal and records
care on the new booking at once. The booking's answer carries its consistency token; the portal sends it
to the events service with the entry and, while the booking is still on its way there, waits on
`not-yet-known` as the service asks. The test sends the entry once and never retries. With the bus to the
events service slowed down, the portal is seen to wait and then show the entry; a session without the token
(another sign-in) is answered at once, as before: the portal never waits on a refusal. The same for a site the
provider adds and at once chooses in an application, while the registry's news of it travels to applications."""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from seteli_common.messaging.memory import InMemoryBroker, _Message
from seteli_common.messaging.transport import topic_matches

from seteli.demo import random_business_id, random_test_identity_code
from seteli.embedded import Suite

from .conftest import csrf_of, login, submit
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .service_calls import officer_headers
from .test_provider_application_steps import _housing_service
from .test_swedish_pages import FINNISH_UI, _swedish, _texts

BASE = "http://suite"


async def test_care_is_recorded_on_a_booking_made_a_moment_ago_without_retrying(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> None:
    officer = await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{BASE}/vouchers/v1/tenants/{data.tenant_id}"
    listed = await services.get(f"{BASE}/applications/v1/tenants/{data.tenant_id}/services", headers=officer,
                                params={"limit": 200})
    service = next(s for s in listed.json()["items"] if s["id"] == data.service_id)
    person = await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Rauha", "last_name": "Heti", "language": "fi",
        "identity_code": random_test_identity_code(random.Random(2222))})
    assert person.status_code == 201, person.text
    month = data.voucher_month
    granted = await services.post(f"{tenant}/vouchers", headers=officer, json={
        "client_id": person.json()["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})
    assert granted.status_code == 201, granted.text
    voucher = granted.json()

    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    found = await portal.get("/provider/book", params={"number": voucher["number"]})
    assert found.status_code == 200, found.text[-1500:]
    content_id = re.search(r'name="voucher_content_id" value="([^"]+)"', found.text).group(1)  # type: ignore[union-attr]
    booked = await portal.post("/provider/book", data={
        "csrf": csrf_of(found.text), "voucher_number": voucher["number"], "voucher_content_id": content_id,
        "accept_terms": "on", "client_number": "R-222"})
    assert booked.status_code == 303, booked.text[-1500:]
    month_url = booked.headers["location"]

    recorded = await submit(portal, f"{month_url}?month={month}", f"{month_url}/events", {
        "month": str(month), "start": str(month.first), "end": str(month.first.replace(day=3)), "status": "draft"})
    assert recorded.status_code == 303, recorded.text[-2000:]  # the first and only try
    view = await portal.get(recorded.headers["location"])
    assert view.text.count('<span class="mark">Keskeneräinen</span>') == 3


def _route_around(broker: InMemoryBroker, route: Callable[[str, bytes, dict[str, object]], None], service: str,
                  routing_key: str, body: bytes, headers: dict[str, object]) -> list[Any]:
    """Routes a message to every queue but `service`'s; answers the queues of `service` it would have reached."""
    late = {name: q for name, q in broker.queues.items() if name.startswith(service)
            and any(topic_matches(p, routing_key) for p in q.spec.routing_keys)}
    for name in late:
        del broker.queues[name]
    try:
        route(routing_key, body, headers)
    finally:
        broker.queues.update(late)
    return list(late.values())


@contextmanager
def _slow_to_events(broker: InMemoryBroker, event_type: str, delay: float, service: str = "events") -> Iterator[None]:
    """The bus carries `event_type` to `service` (the events service) `delay` seconds late (to the others at once)."""
    original = broker.route

    def route(routing_key: str, body: bytes, headers: dict[str, object]) -> None:
        if routing_key != event_type:
            original(routing_key, body, headers)
            return
        for queue in _route_around(broker, original, service, routing_key, body, headers):
            broker.enqueue_later(queue, _Message(body, dict(headers)), delay)

    broker.route = route  # type: ignore[method-assign]
    try:
        yield
    finally:
        broker.route = original  # type: ignore[method-assign]


async def _voucher(services: httpx.AsyncClient, data: Seed, last_name: str, seed: int) -> dict[str, Any]:
    officer = await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD)
    tenant = f"{BASE}/vouchers/v1/tenants/{data.tenant_id}"
    service = (await services.get(f"{BASE}/applications/v1/tenants/{data.tenant_id}/services/{data.service_id}",
                                  headers=officer)).json()
    person = await services.post(f"{tenant}/clients", headers=officer, json={
        "first_name": "Hidas", "last_name": last_name, "language": "fi",
        "identity_code": random_test_identity_code(random.Random(seed))})
    assert person.status_code == 201, person.text
    month = data.voucher_month
    voucher = await services.post(f"{tenant}/vouchers", headers=officer, json={
        "client_id": person.json()["id"], "service_id": service["id"], "granted_on": str(month.first),
        "valid_from": str(month.first), "valid_until": str(month.next().last),
        "contents": [{"content_id": service["contents"][0]["id"], "granted_amount": "31", "period": "month",
                      "voucher_value": "140.00"}]})
    assert voucher.status_code == 201, voucher.text
    return dict(voucher.json())


async def _book(portal: httpx.AsyncClient, voucher: dict[str, Any], client_number: str) -> str:
    found = await portal.get("/provider/book", params={"number": voucher["number"]})
    assert found.status_code == 200, found.text[-1500:]
    booked = await portal.post("/provider/book", data={
        "csrf": csrf_of(found.text), "voucher_number": voucher["number"],
        "voucher_content_id": voucher["contents"][0]["id"], "accept_terms": "on", "client_number": client_number})
    assert booked.status_code == 303, booked.text[-1500:]
    return str(booked.headers["location"])


async def test_the_portal_waits_while_the_booking_travels_slowly_and_then_shows_the_entry(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    voucher = await _voucher(services, data, "Väylä", 2323)
    month = data.voucher_month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    with _slow_to_events(suite.broker, "vouchers.booking.made", 1.5):
        month_url = await _book(portal, voucher, "R-232")
        began = time.monotonic()
        recorded = await submit(portal, f"{month_url}?month={month}", f"{month_url}/events", {
            "month": str(month), "start": str(month.first), "end": str(month.first.replace(day=2)),
            "status": "draft"})
        waited = time.monotonic() - began
    assert recorded.status_code == 303, recorded.text[-2000:]  # one submit: the portal waited, then recorded
    assert waited >= 1.0, waited  # the booking reached the events service 1.5 s after it was made
    view = await portal.get(recorded.headers["location"])
    assert view.text.count('<span class="mark">Keskeneräinen</span>') == 2


async def test_another_session_without_the_token_is_answered_at_once_as_before(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    voucher = await _voucher(services, data, "Toinen", 2424)
    month = data.voucher_month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    async with httpx.AsyncClient(transport=portal._transport, base_url="http://portal", timeout=60) as other:
        await login(other, data.provider_email, PROVIDER_PASSWORD)  # the same person, another session
        delay = 6.0
        with _slow_to_events(suite.broker, "vouchers.booking.made", delay):
            month_url = await _book(portal, voucher, "R-242")
            began = time.monotonic()
            refused = await submit(other, f"{month_url}?month={month}", f"{month_url}/events", {
                "month": str(month), "start": str(month.first), "end": str(month.first.replace(day=2)),
                "status": "draft"})
            waited = time.monotonic() - began
        assert refused.status_code == 422, refused.text[-2000:]  # the events service has no such booking yet
        # no token, no waiting: the refusal is the answer, before the booking's news could reach events (a bound
        # by the delay, not by a speed: on a loaded machine the two requests alone took over a second)
        assert waited < delay, waited
    await suite.broker.drain()


class _Held:
    """News held on its way to a service until the test lets it go (`release`)."""

    def __init__(self, broker: InMemoryBroker) -> None:
        self.broker, self.released, self.arrives_at = broker, False, math.inf
        self.messages: list[tuple[Any, _Message]] = []

    def release(self, delay: float = 1.0) -> None:
        """The held news arrives `delay` seconds from now (the form is sent meanwhile); later news at once."""
        self.released, self.arrives_at = True, time.monotonic() + delay
        for queue, message in self.messages:
            self.broker.enqueue_later(queue, message, delay)
        self.messages.clear()

    def waited_for(self) -> None:
        """The form sent before the news was let go was answered only after it arrived: the portal waited. (A bound
        by the news, not by a speed: on a loaded machine any page in between may take seconds.)"""
        assert time.monotonic() >= self.arrives_at, "answered before the news had arrived: nothing was awaited"


@contextmanager
def _held_to(broker: InMemoryBroker, event_type: str, service: str = "events") -> Iterator[_Held]:
    """The bus holds `event_type` on its way to `service` until `release` (to the other services at once)."""
    held, original = _Held(broker), broker.route

    def route(routing_key: str, body: bytes, headers: dict[str, object]) -> None:
        if routing_key != event_type or held.released:
            original(routing_key, body, headers)
            return
        held.messages.extend((queue, _Message(body, dict(headers)))
                             for queue in _route_around(broker, original, service, routing_key, body, headers))

    broker.route = route  # type: ignore[method-assign]
    try:
        yield held
    finally:
        broker.route = original  # type: ignore[method-assign]
        if not held.released:
            held.release(0.0)


async def _new_application(portal: httpx.AsyncClient, services: httpx.AsyncClient, data: Seed) -> str:
    service = await _housing_service(services, data)
    dashboard = await portal.get("/provider")
    created = await portal.post("/provider/applications", data={"csrf": csrf_of(dashboard.text),
                                                                "service_id": service["id"]})
    assert created.status_code == 303, created.text[-1500:]
    return str(created.headers["location"])


async def test_a_site_added_a_moment_ago_is_chosen_in_an_application_after_the_portal_waits(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    url = await _new_application(portal, services, data)
    before = re.findall(r'name="site_ids" value="([^"]+)"', (await portal.get(url)).text)
    with _held_to(suite.broker, "registry.site.added", service="applications") as held:
        added = await submit(portal, "/provider/company", "/provider/company/sites", {
            "name": "Muu Hoiva Myllykoski", "notification_email": "myllykoski@muuhoiva.fi", "city": "Kouvola"})
        assert added.status_code == 303, added.text[-1500:]
        page = await portal.get(url)
        site_ids = re.findall(r'name="site_ids" value="([^"]+)"', page.text)  # the registry's list: the new one too
        held.release()
        saved = await portal.post(f"{url}/sites", data={"csrf": csrf_of(page.text), "site_ids": site_ids})
    assert saved.status_code == 303, saved.text[-2000:]  # one submit: the portal waited, then saved
    held.waited_for()
    chosen = re.findall(r'name="site_ids" value="([^"]+)" checked', (await portal.get(url)).text)
    assert len(site_ids) == len(before) + 1 and chosen == site_ids

    made_up = await portal.post(f"{url}/sites", data={"csrf": csrf_of(page.text), "site_ids": [site_ids[0], "x-1"]})
    assert made_up.status_code == 422  # a site that is not the company's: refused at once, at the field
    assert "Osa valituista toimipaikoista ei ole yrityksenne." in made_up.text
    # named as the step asks, linked to the step's choices (not "ids", to no element)
    assert 'href="#sites-ids">Valitse toimipaikat:' in made_up.text and 'id="sites-ids"' in made_up.text


async def test_care_is_recorded_for_a_site_added_a_moment_ago_after_the_portal_waits(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    voucher = await _voucher(services, data, "Myllykoski", 2525)
    month = data.voucher_month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month_url = await _book(portal, voucher, "R-252")
    with _held_to(suite.broker, "registry.site.added") as held:
        added = await submit(portal, "/provider/company", "/provider/company/sites", {
            "name": "Hoivakoti Myllykoski", "notification_email": "myllykoski@hoivakoti.fi", "city": "Kouvola"})
        assert added.status_code == 303, added.text[-1500:]
        view = await portal.get(f"{month_url}?month={month}")
        part = re.search(r'<option value="(site:[^"]+)"[^>]*>Hoivakoti Myllykoski<', view.text)
        assert part, "the new site is offered as the producer part at once (the registry's list)"
        held.release()
        recorded = await portal.post(f"{month_url}/events", data={
            "csrf": csrf_of(view.text), "month": str(month), "start": str(month.first),
            "end": str(month.first.replace(day=2)), "status": "draft", "producer_part": part.group(1)})
    assert recorded.status_code == 303, recorded.text[-2000:]  # one submit: the portal waited, then recorded
    held.waited_for()
    entries = await services.get(f"{BASE}/events/v1/tenants/{data.tenant_id}/events",
                                 headers=await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD),
                                 params={"producer_part": part.group(1)})
    assert entries.status_code == 200 and entries.json()["total"] == 1, entries.text


async def test_care_is_recorded_for_a_unit_added_a_moment_ago_after_the_portal_waits(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """A unit has no id of its own, only its name: while the registry's news of the company's new list of units
    travels to the events service, the entry for the unit named at once waits for it instead of being refused."""
    voucher = await _voucher(services, data, "Yksikkö", 2626)
    month = data.voucher_month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    month_url = await _book(portal, voucher, "R-262")
    with _held_to(suite.broker, "registry.provider.units_changed") as held:
        added = await submit(portal, "/provider/company/search", "/provider/company/units", {"name": "Ryhmäkoti Uusi"})
        assert added.status_code == 303, added.text[-1500:]
        view = await portal.get(f"{month_url}?month={month}")
        part = re.search(r'<option value="(unit:[^"]+)"[^>]*>Ryhmäkoti Uusi<', view.text)
        assert part, "the new unit is offered as the producer part at once (the registry's list)"
        held.release()
        recorded = await portal.post(f"{month_url}/events", data={
            "csrf": csrf_of(view.text), "month": str(month), "start": str(month.first.replace(day=5)),
            "end": str(month.first.replace(day=6)), "status": "draft", "producer_part": part.group(1)})
    assert recorded.status_code == 303, recorded.text[-2000:]  # one submit: the portal waited, then recorded
    held.waited_for()
    entries = await services.get(f"{BASE}/events/v1/tenants/{data.tenant_id}/events",
                                 headers=await officer_headers(services, BASE, data.officer_email, OFFICER_PASSWORD),
                                 params={"producer_part": part.group(1)})
    assert entries.status_code == 200 and entries.json()["total"] == 1, entries.text

    # a unit no company has: refused at once once the news has arrived, at the field, in the user's language
    view = await portal.get(f"{month_url}?month={month}")
    made_up = await portal.post(f"{month_url}/events", data={
        "csrf": csrf_of(view.text), "month": str(month), "start": str(month.first.replace(day=8)),
        "end": str(month.first.replace(day=8)), "status": "draft", "producer_part": "unit:Ei ole"})
    assert made_up.status_code == 422, made_up.text[-2000:]
    assert "Tuottajanosa ei ole yrityksenne toimipaikka, yksikkö tai työntekijä" in made_up.text


def _finnish_left(page: str) -> list[str]:
    return [fi for fi in FINNISH_UI if fi in _texts(page)]


async def test_a_subcontractor_added_a_moment_ago_is_chosen_at_step_6_after_the_portal_waits(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """Step 6 takes only the company's own subcontractors: one added a moment ago on the company's pages and
    chosen at once is awaited (its token goes along), never refused as another company's."""
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    url = await _new_application(portal, services, data)
    with _held_to(suite.broker, "registry.subcontractor.added", service="applications") as held:
        added = await submit(portal, "/provider/people", "/provider/people/subcontractors", {
            "name": "Pikasiivous Oy", "business_id": random_business_id(random.Random(6161))})
        assert added.status_code == 303, added.text[-1500:]
        page = await portal.get(url)
        sub_id = re.search(r'name="ids" value="([^"]+)"[^>]*>\s*<label for="subcontractors-[^"]+">Pikasiivous Oy',
                           page.text)
        assert sub_id, page.text[-3000:]
        held.release()
        saved = await portal.post(f"{url}/steps/subcontractors", data={"csrf": csrf_of(page.text),
                                                                        "ids": sub_id.group(1)})
    assert saved.status_code == 303, saved.text[-2000:]  # one submit: the portal waited, then saved
    held.waited_for()
    assert f'name="ids" value="{sub_id.group(1)}" checked' in (await portal.get(url)).text


async def test_an_operating_area_added_a_moment_ago_is_chosen_at_step_3_after_the_portal_waits(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """Step 3 takes only the company's own operating areas: one added a moment ago on the company's pages and
    chosen at once is awaited (its token goes along), never refused as not the company's."""
    await login(portal, data.other_provider_email, PROVIDER_PASSWORD)
    url = await _new_application(portal, services, data)
    with _held_to(suite.broker, "registry.provider.areas_changed", service="applications") as held:
        added = await submit(portal, "/provider/company/search", "/provider/company/areas", {"name": "Myllykoski"})
        assert added.status_code == 303, added.text[-1500:]
        page = await portal.get(url)
        assert 'name="ids" value="Myllykoski"' in page.text, page.text[-3000:]
        held.release()
        saved = await portal.post(f"{url}/operating-areas", data={"csrf": csrf_of(page.text), "ids": "Myllykoski"})
    assert saved.status_code == 303, saved.text[-2000:]  # one submit: the portal waited, then saved
    held.waited_for()
    assert 'name="ids" value="Myllykoski" checked' in (await portal.get(url)).text


async def test_in_swedish_a_site_added_a_moment_ago_is_chosen_and_recorded_for_after_the_portal_waits(
        portal: httpx.AsyncClient, services: httpx.AsyncClient, suite: Suite, data: Seed) -> None:
    """The journeys above, walked in Swedish: every page and message on the way says it in Swedish."""
    voucher = await _voucher(services, data, "Svenska", 2727)
    month = data.voucher_month
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await _swedish(portal, "/provider/company")
    month_url = await _book(portal, voucher, "R-272")
    url = await _new_application(portal, services, data)
    with _held_to(suite.broker, "registry.site.added", service="applications") as held, \
            _held_to(suite.broker, "registry.site.added") as held_too:
        added = await submit(portal, "/provider/company", "/provider/company/sites", {
            "name": "Hoivakoti Forsby", "notification_email": "forsby@hoivakoti.fi", "city": "Lovisa"})
        assert added.status_code == 303, added.text[-1500:]
        company = await portal.get(added.headers["location"])
        assert "Verksamhetsstället har lagts till." in company.text and _finnish_left(company.text) == []
        page = await portal.get(url)
        site_ids = re.findall(r'name="site_ids" value="([^"]+)"', page.text)
        held.release()
        held_too.release()
        saved = await portal.post(f"{url}/sites", data={"csrf": csrf_of(page.text), "site_ids": site_ids,
                                                        "notes": "Forsby öppnar i mars"})
    assert saved.status_code == 303, saved.text[-2000:]  # one submit: the portal waited, then saved
    held.waited_for()
    step = await portal.get(saved.headers["location"])
    assert "Uppgifterna har sparats." in step.text and _finnish_left(step.text) == []
    assert re.findall(r'name="site_ids" value="([^"]+)" checked', step.text) == site_ids

    # a site that is not the company's: refused at the field in Swedish, what was chosen and written kept
    made_up = await portal.post(f"{url}/sites", data={"csrf": csrf_of(step.text), "site_ids": [site_ids[0], "x-1"],
                                                      "notes": "Forsby öppnar i april"})
    assert made_up.status_code == 422
    assert "Några av de valda verksamhetsställena hör inte till ert företag." in made_up.text
    assert 'href="#sites-ids">Välj verksamhetsställen:' in made_up.text
    assert "Osa valituista toimipaikoista" not in made_up.text and _finnish_left(made_up.text) == []
    assert "Forsby öppnar i april" in made_up.text

    # the month view offers the new site (its news reached events meanwhile): the entry is recorded for it
    view = await portal.get(f"{month_url}?month={month}")
    assert _finnish_left(view.text) == []
    part = re.search(r'<option value="(site:[^"]+)"[^>]*>Hoivakoti Forsby<', view.text)
    assert part, view.text[-2000:]
    recorded = await portal.post(f"{month_url}/events", data={
        "csrf": csrf_of(view.text), "month": str(month), "start": str(month.first.replace(day=10)),
        "end": str(month.first.replace(day=11)), "status": "draft", "producer_part": part.group(1)})
    assert recorded.status_code == 303, recorded.text[-2000:]
    shown = await portal.get(recorded.headers["location"])
    assert _finnish_left(shown.text) == [] and "Hoivakoti Forsby" in shown.text
    made_up = await portal.post(f"{month_url}/events", data={
        "csrf": csrf_of(view.text), "month": str(month), "start": str(month.first.replace(day=12)),
        "end": str(month.first.replace(day=12)), "status": "draft", "producer_part": "site:x-1"})
    assert made_up.status_code == 422
    assert "Producentdelen är inte ert företags verksamhetsställe, enhet eller anställd" in made_up.text
    assert _finnish_left(made_up.text) == []
