"""Facts arriving out of order (the order sweep): what the registry, applications and vouchers state about a
tenant's settings, services, vouchers, bookings and client numbers reaches events in any order, and retries and
redeliveries reorder even one queue. For each scenario the provider's recorded care (its days, units and amounts,
the client's number on it), what a new recording is answered, and the read models (booking ends, voucher
validity, services, the tenant's setting, client numbers) are the same whatever order the messages arrive in, and
with one of them redelivered.

Every order runs on the same database under a tenant of its own; messages are delivered one by one, each handled
before the next is sent, and a message refused as "not known yet" comes back by the consumer's retry (short
delays here) until the bus is quiet."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from seteli_common.auth import Role, StaticKeys
from seteli_common.clock import FixedClock
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import deliver_one_by_one, delivery_orders, running_app
from seteli_events.bootstrap import build_app, build_runtime
from seteli_events.config import EventsSettings
from seteli_events.models import bookings, client_numbers, services, tenants, vouchers
from sqlalchemy import select

from .conftest import HOUSING_SERVICE, KOUVOLA_RULE, PROVIDER, Harness

STATED = datetime(2016, 3, 15, 8, 0, tzinfo=UTC)  # the first fact's time; each next one a minute later
# quick retries of what is not known yet, for as long as a slow machine may take to bring it
RETRIES = [0.01] * 20 + [0.05] * 200
Facts = list[tuple[str, dict[str, Any]]]


def _service(name: str, meals_ended_from: str | None = None) -> dict[str, Any]:
    return {"service_id": HOUSING_SERVICE, "name_fi": name, "name_sv": "Serviceboende", "kind": "voucher",
            "auto_recording": False,
            "contents": [{"content_id": "housing", "name_fi": "Asuminen", "name_sv": "Boende", "unit": "day",
                          "client_pays": False},
                         {"content_id": "meals", "name_fi": "Ateriat", "name_sv": "Måltider", "unit": "day",
                          "client_pays": True, "ended_from": meals_ended_from}],
            "interruption_rule": KOUVOLA_RULE, "calendar": None}


def known(tenant: str) -> Facts:
    """What events knows before the scenario: the tenant, the service, a price list, a voucher and its bookings."""
    return [
        ("registry.tenant.created", {"tenant_id": tenant, "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad"}),
        ("applications.service.defined", _service("Tehostettu palveluasuminen")),
        ("applications.pricelist.approved", {
            "price_list_id": "pl-2016", "service_id": HOUSING_SERVICE, "provider_id": PROVIDER, "producer_part": None,
            "name": "Hinnasto 2016", "start": "2016-01-01",
            "prices": [{"content_id": "housing", "unit_price": "155.00"},
                       {"content_id": "meals", "unit_price": "12.50"}]}),
        ("vouchers.voucher.granted", {
            "voucher_id": "v-1", "number": "PS-1001", "service_id": HOUSING_SERVICE, "client_id": "c-1",
            "valid_from": "2016-01-01", "valid_until": "2016-12-31",
            "contents": [{"voucher_content_id": "vc-housing", "content_id": "housing", "unit": "day",
                          "granted_amount": "31", "period": "month", "voucher_value": "140.00"},
                         {"voucher_content_id": "vc-meals", "content_id": "meals", "unit": "day",
                          "granted_amount": None, "period": None, "voucher_value": None}]}),
        *[("vouchers.booking.made", {
            "booking_id": f"b-{content}", "voucher_id": "v-1", "voucher_content_id": f"vc-{content}",
            "service_id": HOUSING_SERVICE, "content_id": content, "provider_id": PROVIDER, "producer_part": None,
            "client_id": "c-1", "client_ref": "A-17", "kind": "voucher"}) for content in ("housing", "meals")],
    ]


def ends_and_numbers(tenant: str) -> Facts:
    """Over the days after care was recorded: the service renamed and its meals ended from the 10th; the provider
    numbers the client and renumbers; the client is to move (the housing booking ended in advance at the month's
    end), moves sooner (ended on the 11th), then dies on the 12th (the voucher closed on the 13th, the meals'
    booking ended on it); the tenant starts approving interruptions."""
    ended = {"voucher_id": "v-1", "provider_id": PROVIDER, "service_id": HOUSING_SERVICE, "producer_part": None,
             "client_ref": "K-2"}
    return [
        ("applications.service.defined", _service("Ympärivuorokautinen palveluasuminen")),
        ("applications.service.defined", _service("Ympärivuorokautinen palveluasuminen", "2016-03-10")),
        ("vouchers.client_number.changed", {"provider_id": PROVIDER, "client_id": "c-1", "client_ref": "K-1",
                                            "previous_refs": ["A-17"]}),
        ("vouchers.client_number.changed", {"provider_id": PROVIDER, "client_id": "c-1", "client_ref": "K-2",
                                            "previous_refs": ["A-17", "K-1"]}),
        ("vouchers.booking.ended", {**ended, "booking_id": "b-housing", "ended_on": "2016-03-31",
                                    "reason": "provider_changed"}),
        ("vouchers.booking.ended", {**ended, "booking_id": "b-housing", "ended_on": "2016-03-11",
                                    "reason": "provider_changed"}),
        ("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-13", "reason": "death"}),
        ("vouchers.booking.ended", {**ended, "booking_id": "b-meals", "ended_on": "2016-03-13", "reason": "death"}),
        ("registry.tenant.changed", {"tenant_id": tenant, "languages": ["fi"], "payer_iban": "FI4950009420028730",
                                     "payer_bic": "OKOYFIHH", "interruptions_need_approval": True}),
    ]


def _price_list(list_id: str, start: str, housing: str, meals: str) -> dict[str, Any]:
    return {"price_list_id": list_id, "service_id": HOUSING_SERVICE, "provider_id": PROVIDER, "producer_part": None,
            "name": f"Hinnasto {start}", "start": start,
            "prices": [{"content_id": "housing", "unit_price": housing}, {"content_id": "meals", "unit_price": meals}]}


def late_price_lists(tenant: str) -> Facts:
    """Two price lists approved late, from the 1st and from the 10th, and the meals ended from the 12th: the care
    recorded before them is valued by the list of each of its days."""
    return [
        ("applications.pricelist.approved", _price_list("pl-march", "2016-03-01", "130.00", "13.00")),
        ("applications.pricelist.approved", _price_list("pl-mid-march", "2016-03-10", "120.00", "14.00")),
        ("applications.service.defined", _service("Ympärivuorokautinen palveluasuminen", "2016-03-12")),
    ]


def voucher_and_bookings(tenant: str) -> Facts:
    """No care recorded yet: the voucher granted, its two bookings made, the provider's number for the client,
    the voucher closed early (the client moved away on the 11th) and the bookings ended with it."""
    _tenant, _service_defined, _price_list_approved, granted, *made = known(tenant)
    ended = {"voucher_id": "v-1", "provider_id": PROVIDER, "service_id": HOUSING_SERVICE, "producer_part": None,
             "client_ref": "K-1", "ended_on": "2016-03-11", "reason": "closed"}
    return [
        granted, *made,
        ("vouchers.client_number.changed", {"provider_id": PROVIDER, "client_id": "c-1", "client_ref": "K-1",
                                            "previous_refs": ["A-17"]}),
        ("vouchers.voucher.closed", {"voucher_id": "v-1", "valid_until": "2016-03-11", "reason": "closed"}),
        ("vouchers.booking.ended", {**ended, "booking_id": "b-housing"}),
        ("vouchers.booking.ended", {**ended, "booking_id": "b-meals"}),
    ]


SCENARIOS: dict[str, Callable[[str], Facts]] = {"ends_and_numbers": ends_and_numbers,
                                                "late_price_lists": late_price_lists,
                                                "voucher_and_bookings": voucher_and_bookings}
RECORDED_BEFORE = {"ends_and_numbers", "late_price_lists"}  # care recorded before the scenario's facts


@pytest.fixture
async def sweep(pg_url: str, tmp_path: Path, static_keys: StaticKeys,
                token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Harness]:
    # one consumer per queue (the order sent is the order handled) and quick retries of what is not known yet
    settings = EventsSettings(database_url=pg_url, data_dir=tmp_path, log_json=False, auto_record_check_seconds=0,
                              consumer_prefetch=1, retry_delays_seconds=RETRIES, delivery_limit=40)
    broker = InMemoryBroker()
    clock = FixedClock(datetime(2016, 3, 15, 10, 0, tzinfo=UTC))
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=static_keys)
    async with running_app(build_app(runtime)) as client:
        yield Harness(client, broker, runtime, clock, token_for)
    await broker.close()


async def deliver(h: Harness, messages: list[Envelope]) -> None:
    await deliver_one_by_one(h.broker, messages)


def envelopes(tenant: str, facts: Facts, start: datetime) -> list[Envelope]:
    return [Envelope(type=t, tenant_id=tenant, occurred_at=start + timedelta(minutes=i),
                     payload=json.loads(json.dumps(p))) for i, (t, p) in enumerate(facts)]


def provider(h: Harness, tenant: str) -> dict[str, str]:
    return h.token_for(Role.PROVIDER_USER, subject="u-maija", provider_id=PROVIDER, name="Maija Hoitaja",
                       teams=frozenset({f"{tenant}:{HOUSING_SERVICE}"}))


async def record(h: Harness, tenant: str, booking: str, start: str, end: str) -> Any:
    return await h.client.post(f"/v1/tenants/{tenant}/events", json={"booking_id": booking, "start": start,
                                                                        "end": end}, headers=provider(h, tenant))


async def snapshot(h: Harness, tenant: str) -> dict[str, Any]:
    officer = h.token_for(Role.TENANT_OFFICER, subject="u-officer", tenant_id=tenant)
    listed = await h.client.get(f"/v1/tenants/{tenant}/events", headers=officer)
    assert listed.status_code == 200, listed.text
    keep = ("booking_id", "content_id", "status", "start", "end", "units", "amount_tenant", "amount_co_payment",
            "client_ref", "segments")
    seen: dict[str, Any] = {"events": sorted(({k: e.get(k) for k in keep} for e in listed.json()["items"]),
                                             key=lambda e: json.dumps(e, sort_keys=True))}
    later = await record(h, tenant, "b-housing", "2016-03-12", "2016-03-12")  # after the move
    seen["later"] = (later.status_code, later.json().get("code"))
    if later.status_code == 201:
        await h.client.delete(f"/v1/tenants/{tenant}/events/{later.json()['id']}", headers=provider(h, tenant))
    async with h.runtime.db.transaction(tenant_id=tenant) as session:
        for name, table, cols in (("bookings", bookings, ("id", "ended_on", "client_ref")),
                                  ("vouchers", vouchers, ("id", "valid_until")),
                                  ("services", services, ("id", "name_fi", "contents")),
                                  ("tenant", tenants, ("interruptions_need_approval",)),
                                  ("client_numbers", client_numbers, ("client_id", "client_ref"))):
            rows = (await session.execute(select(*[table.c[c] for c in cols]).where(table.c.tenant_id == tenant)
                                          if "tenant_id" in table.c else
                                          select(*[table.c[c] for c in cols]).where(table.c.id == tenant))).all()
            seen[name] = sorted(json.loads(json.dumps([list(r) for r in rows], default=str)))
    return seen


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_the_fact_stated_last_wins_whatever_the_order(sweep: Harness, name: str) -> None:
    h = sweep
    build = SCENARIOS[name]
    orders = delivery_orders(len(build("t")), cap=60)
    differing: list[tuple[list[int], Any, Any]] = []
    expected: dict[str, Any] | None = None
    for n, order in enumerate([None, *orders]):
        tenant = f"sweep-{n}"
        if name in RECORDED_BEFORE:
            await deliver(h, envelopes(tenant, known(tenant), STATED - timedelta(days=30)))
            for booking in ("b-housing", "b-meals"):
                recorded = await record(h, tenant, booking, "2016-03-01", "2016-03-12")
                assert recorded.status_code == 201, recorded.text
        else:
            await deliver(h, envelopes(tenant, known(tenant)[:3], STATED - timedelta(days=30)))
        messages = envelopes(tenant, build(tenant), STATED)
        await deliver(h, messages if order is None else [messages[i] for i in order])
        if name not in RECORDED_BEFORE:
            recorded = await record(h, tenant, "b-housing", "2016-03-01", "2016-03-11")
            assert recorded.status_code == 201, recorded.text
        seen = await snapshot(h, tenant)
        if expected is None:
            expected = seen
        elif seen != expected:
            differing.append((order or [], seen, expected))
    assert not differing, f"{len(differing)} orders differ, e.g. {differing[0][0]}: " + "; ".join(
        f"{k}: {differing[0][1][k]} != {differing[0][2][k]}" for k in differing[0][2]
        if differing[0][1][k] != differing[0][2][k])


# ---- the approval step turned on, off and on again (registry.tenant.changed) ---------------------------------


class Statements:
    """Statements of the interruption approval step, each stamped when it is made in true order among what events
    does meanwhile (`made_before`), with the clock the registry's outbox stamps its messages with (the real one:
    events orders its own doings against them by it), and heard whenever it is delivered (the same message when
    redelivered)."""

    def __init__(self, tenant: str, steps: list[tuple[int, bool]]) -> None:
        self.tenant, self.steps = tenant, steps
        self.made: dict[int, Envelope] = {}

    async def made_before(self, minute: int) -> None:
        """What events does at `minute` comes after every statement of an earlier minute was made."""
        for i, (at, _) in enumerate(self.steps):
            if at < minute:
                await self.envelope(i)

    async def envelope(self, i: int) -> Envelope:
        if i not in self.made:
            await self.made_before(self.steps[i][0])  # (in their own order)
            self.made[i] = Envelope(type="registry.tenant.changed", tenant_id=self.tenant,
                                    occurred_at=datetime.now(UTC), payload={
                                        "tenant_id": self.tenant, "languages": ["fi"],
                                        "payer_iban": "FI4950009420028730", "payer_bic": "OKOYFIHH",
                                        "interruptions_need_approval": self.steps[i][1]})
            await asyncio.sleep(0.002)  # the next instant is another one
        return self.made[i]


TOGGLED = datetime(2016, 3, 15, 10, 0, tzinfo=UTC)  # the statements at 10:01 (on), 10:03 (off), 10:05 (on)
# each absence is finalised between two statements: A under the first "on", B while off, C after the last "on"
ABSENCES = {"A": ("2016-03-01", "2016-03-03", 2), "B": ("2016-03-05", "2016-03-07", 4),
            "C": ("2016-03-09", "2016-03-11", 6)}
TOGGLES = [(1, True), (3, False), (5, True)]


async def absence(h: Harness, tenant: str, name: str, statements: Statements) -> None:
    """The provider finalises the absence at its minute (a statement made after it cannot have arrived before)."""
    start, end, minute = ABSENCES[name]
    await statements.made_before(minute)
    h.clock.set(TOGGLED + timedelta(minutes=minute))
    made = await h.client.post(f"/v1/tenants/{tenant}/interruptions", headers=provider(h, tenant), json={
        "booking_id": "b-housing", "start": start, "end": end, "reason": "hospital"})
    assert made.status_code == 201, made.text


async def settlement_holds(h: Harness, tenant: str) -> dict[str, Any]:
    """What settlement holds once it has heard every events.interruption.* told it (the lines of the last revision
    of each: a later one replaces them, a deletion drops them, a later revision still brings them back), and what
    the officer's queue shows. A revision told twice fails (settlement would keep only the first)."""
    while await h.runtime.relay.run_once():
        pass
    told = [Envelope.model_validate(json.loads(b)) for b in h.broker.unrouted]
    revisions: dict[str, list[tuple[int, Envelope]]] = {}
    for e in told:
        if e.tenant_id == tenant and e.type in ("events.interruption.finalised", "events.interruption.deleted"):
            revisions.setdefault(e.payload["interruption_id"], []).append((int(e.payload["revision"]), e))
    held = []
    for told_of in revisions.values():
        numbers = [r for r, _ in told_of]
        assert len(set(numbers)) == len(numbers), f"a revision told twice: {numbers}"
        last = max(told_of, key=lambda t: t[0])[1]
        if last.type == "events.interruption.finalised":
            held.append((last.payload["start"], last.payload["end"], last.payload["amount_tenant"],
                         last.payload["amount_co_payment"], [s["amount_tenant"] for s in last.payload["segments"]]))
    officer = h.token_for(Role.TENANT_OFFICER, subject="u-officer", tenant_id=tenant)
    queue = await h.client.get(f"/v1/tenants/{tenant}/approvals/interruptions", headers=officer)
    assert queue.status_code == 200, queue.text
    return {"held": sorted(held), "queue": sorted((q["start"], q["end"], q["amount_tenant"])
                                                  for q in queue.json()["items"])}


async def test_the_approval_step_turned_on_off_and_on_again_pays_the_same_in_any_order(sweep: Harness) -> None:
    """In true order the absence finalised under the first "on" waits, and turning the step off releases it to
    settlement; the one finalised while off goes there at once; after the step is on again, the next one waits.
    Heard in another order (an "off" older than the "on" kept here, a statement arriving after an absence it
    preceded) or with one redelivered, settlement holds the same amounts and the officer's queue is the same."""
    h = sweep
    expected: dict[str, Any] | None = None
    differing: list[tuple[list[int], Any, Any]] = []
    for n, order in enumerate([None, *delivery_orders(3, cap=60)]):
        tenant = f"toggle-{n}"
        await deliver(h, envelopes(tenant, known(tenant), STATED - timedelta(days=30)))
        statements = Statements(tenant, TOGGLES)
        made: set[str] = set()
        for i in order or [0, 1, 2]:
            # A comes before the "off" and the last "on" are stated, B before the last "on"
            for name, before in (("A", {1, 2}), ("B", {2})):
                if i in before and name not in made:
                    await absence(h, tenant, name, statements)
                    made.add(name)
            await deliver(h, [await statements.envelope(i)])
        await absence(h, tenant, "C", statements)
        seen = await settlement_holds(h, tenant)
        if expected is None:
            expected = seen
            # in true order: A released by the "off", B sent as it was finalised, C waiting for the officer
            assert seen == {"held": [("2016-03-01", "2016-03-03", "420.00", "45.00", ["420.00"]),
                                     ("2016-03-05", "2016-03-07", "420.00", "45.00", ["420.00"])],
                            "queue": [("2016-03-09", "2016-03-11", "420.00")]}, seen
        elif seen != expected:
            differing.append((order or [], seen, expected))
    assert not differing, f"{len(differing)} orders differ, e.g. {differing[0][0]}: {differing[0][1]} != " \
                          f"{differing[0][2]}"


# ---- a content's end scheduled and cancelled (applications.service.defined) ------------------------------------


def end_scheduled_and_cancelled(tenant: str) -> Facts:
    """On the 15th the tenant admin schedules the housing content to end from the 20th, then cancels that."""
    service = _service("Ympärivuorokautinen palveluasuminen")
    ending = [{**c, "ended_from": "2016-03-20"} if c["content_id"] == "housing" else c for c in service["contents"]]
    return [("applications.service.defined", {**service, "scheduled": [{"effective_from": "2016-03-20",
                                                                       "contents": ending}]}),
            ("applications.service.defined", service)]


async def test_a_cancelled_end_leaves_the_months_draft_whole_in_any_order(sweep: Harness) -> None:
    """The month's draft of the housing (1-31 March) was cut to the 19th when the end was scheduled, and stayed cut
    once it was cancelled (12 days, 1680.00, less to confirm); heard the other way round it stayed whole. Now the
    content goes on as stated last, whatever the order: the draft stays whole (an end is clipped to once it has
    come: applications publishes the service again on its date)."""
    h = sweep
    seen: list[tuple[list[int], Any]] = []
    for n, order in enumerate([None, *delivery_orders(2, cap=60)]):
        tenant = f"cancelled-end-{n}"
        await deliver(h, envelopes(tenant, known(tenant), STATED - timedelta(days=30)))
        draft = await h.client.post(f"/v1/tenants/{tenant}/events", headers=provider(h, tenant), json={
            "booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-31", "status": "draft"})
        assert draft.status_code == 201, draft.text
        messages = envelopes(tenant, end_scheduled_and_cancelled(tenant), STATED)
        await deliver(h, messages if order is None else [messages[i] for i in order])
        listed = await h.client.get(f"/v1/tenants/{tenant}/events", headers=provider(h, tenant))
        seen.append((order or [0, 1], [(e["start"], e["end"], e["status"], e["amount_tenant"])
                                       for e in listed.json()["items"]]))
    assert all(drafts == [("2016-03-01", "2016-03-31", "draft", "4340.00")] for _, drafts in seen), seen


async def test_a_scheduled_end_cuts_the_draft_once_it_has_come(sweep: Harness) -> None:
    h = sweep
    tenant = "end-comes"
    await deliver(h, envelopes(tenant, known(tenant), STATED - timedelta(days=30)))
    draft = await h.client.post(f"/v1/tenants/{tenant}/events", headers=provider(h, tenant), json={
        "booking_id": "b-housing", "start": "2016-03-01", "end": "2016-03-31", "status": "draft"})
    assert draft.status_code == 201, draft.text
    scheduled, _cancelled = end_scheduled_and_cancelled(tenant)
    await deliver(h, envelopes(tenant, [scheduled], STATED))

    async def drafts() -> list[tuple[str, str, str]]:
        listed = await h.client.get(f"/v1/tenants/{tenant}/events", headers=provider(h, tenant))
        return [(e["start"], e["end"], e["amount_tenant"]) for e in listed.json()["items"]]

    assert await drafts() == [("2016-03-01", "2016-03-31", "4340.00")]
    # on the 20th applications publishes the service as it is then: the housing ended from that day
    h.clock.set(datetime(2016, 3, 20, 6, 0, tzinfo=UTC))
    service = _service("Ympärivuorokautinen palveluasuminen")
    ended = [{**c, "ended_from": "2016-03-20"} if c["content_id"] == "housing" else c for c in service["contents"]]
    await deliver(h, envelopes(tenant, [("applications.service.defined", {**service, "contents": ended})],
                               STATED + timedelta(days=5)))
    assert await drafts() == [("2016-03-01", "2016-03-19", "2660.00")]
