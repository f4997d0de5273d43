"""Facts arriving out of order (the order sweep): what the events service states about a voucher's charges
(recordings, corrections, decisions, deletions, credits) reaches vouchers in any order, and retries and
redeliveries reorder even one queue. For each scenario the voucher the officer and the client see (its state, why
it closed, the amount left) and its booking are the same whatever order the messages arrive in, and with one of
them redelivered.

Every order charges a voucher of its own (a new client's, with its own event ids) on the same database; messages
are delivered one by one, each handled before the next is sent, and a message refused as "not known yet" comes
back by the consumer's retry (short delays here) until the bus is quiet."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from seteli_common.auth import StaticKeys
from seteli_common.clock import FixedClock
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.testing import deliver_one_by_one, delivery_orders, running_app
from seteli_vouchers.bootstrap import build_app, build_runtime
from seteli_vouchers.config import VouchersSettings

from .conftest import P1, PSEUDONYM_KEY, Harness, hetu, new_client, new_voucher, price_list, seed

STATED = datetime(2016, 3, 14, 8, 0, tzinfo=UTC)  # the first fact's time; each next one a minute later
# quick retries of what is not known yet, for as long as a slow machine may take to bring it
RETRIES = [0.01] * 20 + [0.05] * 200
Facts = list[tuple[str, dict[str, Any]]]


def _charge(voucher: dict[str, Any], event_id: str, units: int, *, revision: int = 1,
            status: str = "recorded") -> dict[str, Any]:
    """Cleaning at 25.00 an hour."""
    return {"event_id": event_id, "revision": revision, "service_id": voucher["service_id"], "provider_id": P1,
            "producer_part": None, "booking_id": None, "voucher_id": voucher["id"], "client_ref": "A1",
            "content_id": "siivous", "unit": "hour", "start": "2016-03-10", "end": "2016-03-10",
            "units": str(units), "status": status, "segments": [], "amount_tenant": f"{units * 25}.00",
            "amount_co_payment": "0.00"}


def _credit(voucher: dict[str, Any], credit_id: str, event_id: str, amount: str) -> dict[str, Any]:
    return {"credit_id": credit_id, "event_id": event_id, "provider_id": P1, "producer_part": None,
            "client_ref": "A1", "content_id": "siivous", "service_id": voucher["service_id"], "amount": amount,
            "reason": "wrong client", "month": "2016-04"}


def charges(v: dict[str, Any], tag: str) -> Facts:
    """A balance of 500.00: a charge shortened; an over-limit one corrected and approved at its correction;
    one corrected and deleted; one credited; one credited, the credit withdrawn; one over the limit rejected."""
    e = [f"{tag}-e{i}" for i in range(7)]
    return [
        ("events.event.recorded", _charge(v, e[1], 10)),
        ("events.event.corrected", _charge(v, e[1], 4, revision=2)),  # 100.00
        ("events.event.recorded", _charge(v, e[2], 12, status="awaiting_approval")),
        ("events.event.corrected", _charge(v, e[2], 8, revision=2, status="awaiting_approval")),
        ("events.event.approved", {"event_id": e[2], "revision": 2}),  # 200.00
        ("events.event.recorded", _charge(v, e[3], 4)),
        ("events.event.corrected", _charge(v, e[3], 5, revision=2)),
        ("events.event.deleted", {"event_id": e[3], "revision": 3}),  # nothing
        ("events.event.recorded", _charge(v, e[4], 6)),
        ("events.credit.requested", _credit(v, f"{tag}-c1", e[4], "-150.00")),  # nothing
        ("events.event.recorded", _charge(v, e[5], 2)),
        ("events.credit.requested", _credit(v, f"{tag}-c2", e[5], "-50.00")),
        ("events.credit.withdrawn", {"credit_id": f"{tag}-c2", "event_id": e[5], "reason": "removed"}),  # 50.00
        ("events.event.recorded", _charge(v, e[6], 2, status="awaiting_approval")),
        ("events.event.rejected", {"event_id": e[6], "revision": 1, "reason": "Yli myönnetyn"}),  # nothing
    ]


def used_up(v: dict[str, Any], tag: str) -> Facts:
    """The balance used up by a charge later deleted, then used up again by a correction of another."""
    e = [f"{tag}-e{i}" for i in range(3)]
    return [
        ("events.event.recorded", _charge(v, e[1], 12)),
        ("events.event.recorded", _charge(v, e[2], 8)),  # 500.00: used up
        ("events.event.deleted", {"event_id": e[2], "revision": 2}),  # open again
        ("events.event.corrected", _charge(v, e[1], 20, revision=2)),  # used up again
    ]


def decisions(v: dict[str, Any], tag: str) -> Facts:
    """An over-limit charge rejected, corrected within the balance, and over it again and approved."""
    e = f"{tag}-e1"
    return [
        ("events.event.recorded", _charge(v, e, 24, status="awaiting_approval")),
        ("events.event.rejected", {"event_id": e, "revision": 1, "reason": "Yli myönnetyn"}),
        ("events.event.corrected", _charge(v, e, 6, revision=2)),
        ("events.event.corrected", _charge(v, e, 22, revision=3, status="awaiting_approval")),
        ("events.event.approved", {"event_id": e, "revision": 3}),
    ]


SCENARIOS: dict[str, Callable[[dict[str, Any], str], Facts]] = {
    "charges": charges, "used_up": used_up, "decisions": decisions}


@pytest.fixture
async def sweep(pg_url: str, tmp_path: Path, static_keys: StaticKeys, clock: FixedClock,
                token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Harness]:
    # one consumer per queue (the order sent is the order handled) and quick retries of what is not known yet
    settings = VouchersSettings(database_url=pg_url, data_dir=tmp_path, log_json=False,
                                person_pseudonym_key=PSEUDONYM_KEY, consumer_prefetch=1,
                                retry_delays_seconds=RETRIES, delivery_limit=40)
    broker = InMemoryBroker()
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=static_keys)
    async with running_app(build_app(runtime)) as http:
        harness = Harness(http, broker, runtime, clock, token_for)
        await seed(harness)
        await price_list(harness, "pl-cleaning", P1, "tehostettu", None, "2016-02-01", ["asuminen", "siivous"])
        yield harness
    await broker.close()


async def deliver(h: Harness, messages: list[Envelope]) -> None:
    await deliver_one_by_one(h.broker, messages)


async def snapshot(h: Harness, voucher: dict[str, Any], booking_id: str) -> dict[str, Any]:
    view = await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher['id']}", headers=h.officer())
    assert view.status_code == 200, view.text
    booking = await h.http.get(f"/v1/tenants/kouvola/bookings/{booking_id}", headers=h.provider())
    assert booking.status_code == 200, booking.text
    body = view.json()
    return {"state": body["state"], "closed_reason": body["closed_reason"],
            "left": [c["amount_left"] for c in body["contents"]], "booking": booking.json()["state"]}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_the_fact_stated_last_wins_whatever_the_order(sweep: Harness, name: str) -> None:
    h = sweep
    build = SCENARIOS[name]
    orders = delivery_orders(len(build({"id": "", "service_id": ""}, "")), cap=60)
    differing: list[tuple[list[int], Any, Any]] = []
    expected: dict[str, Any] | None = None
    for n, order in enumerate([None, *orders]):
        individual = f"{100 + n + 100 * list(SCENARIOS).index(name):03d}"
        client = await new_client(h, identity_code=hetu("010180", "-", individual))
        voucher = await new_voucher(h, client["id"], contents=[
            {"content_id": "siivous", "granted_amount": "500.00", "period": "balance", "voucher_value": "25.00"}])
        booked = await h.http.post("/v1/tenants/kouvola/bookings", headers=h.provider(), json={
            "voucher_number": voucher["number"], "voucher_content_id": voucher["contents"][0]["id"],
            "accept_terms": True})
        assert booked.status_code == 201, booked.text
        messages = [Envelope(type=t, tenant_id="kouvola", occurred_at=STATED + timedelta(minutes=i),
                             payload=json.loads(json.dumps(p)))
                    for i, (t, p) in enumerate(build(voucher, f"{name}-{n}"))]
        await deliver(h, messages if order is None else [messages[i] for i in order])
        seen = await snapshot(h, voucher, booked.json()["id"])
        if expected is None:
            expected = seen
        elif seen != expected:
            differing.append((order or [], seen, expected))
    assert not differing, f"{len(differing)} orders differ, e.g. {differing[0][0]}: {differing[0][1]} != " \
                          f"{differing[0][2]}; all: {[(o, s) for o, s, _ in differing]}"


def directory(n: int) -> list[tuple[str, dict[str, Any], str | None]]:
    """What the registry and applications state over a day about a company (its sites, units, employees, name)
    and a tenant's service and the company's approval in it: (type, payload, the envelope's tenant)."""
    t, p, s1, s2, e = (f"dir{n}-{x}" for x in ("t", "p", "s1", "s2", "e"))
    site = {"provider_id": p, "site_id": s2, "name": "Kuusela", "notification_email": "kuusela@ps.fi"}
    employee = {"provider_id": p, "employee_id": e, "name": "Maija Hoitaja", "site_id": s1}
    contents = [{"content_id": "asuminen", "name_fi": "Hoiva", "name_sv": "Vård", "unit": "day",
                 "client_pays": False},
                {"content_id": "siivous", "name_fi": "Siivous", "name_sv": "Städning", "unit": "hour",
                 "client_pays": False}]
    service = {"service_id": "tehostettu", "name_sv": "Serviceboende", "kind": "voucher", "auto_recording": True}
    return [
        ("registry.tenant.created", {"tenant_id": t, "name_fi": "Kouvola", "name_sv": "Kouvola"}, t),
        ("registry.provider.registered", {
            "provider_id": p, "business_id": "7019376-8", "name": "Päivänsäde Oy", "language": "fi",
            "email": "info@ps.fi", "sites": [{"site_id": s1, "name": "Päivänsäde", "notification_email": "k@ps.fi"}]},
         None),
        ("registry.provider.renamed", {"provider_id": p, "name": "Hoivakoti Päivänsäde Oy"}, None),
        ("registry.site.added", site, None),
        ("registry.site.changed", {**site, "name": "Kuuselan koti"}, None),
        ("registry.provider.units_changed", {"provider_id": p, "units": ["Ruusu", "Lilja"],
                                             "changed_at": "2016-03-14T08:05:00+00:00"}, None),
        ("registry.provider.units_changed", {"provider_id": p, "units": ["Ruusu", "Orvokki"],
                                             "changed_at": "2016-03-14T08:06:00+00:00"}, None),
        ("registry.employee.added", {**employee, "email": ""}, None),
        ("registry.employee.changed", {**employee, "email": "maija@ps.fi"}, None),
        ("registry.employee.removed", {**employee, "email": "maija@ps.fi", "removed_at": "2016-03-14T09:00:00Z"},
         None),
        ("applications.service.defined", {**service, "name_fi": "Tehostettu", "contents": contents}, t),
        ("applications.service.defined", {**service, "name_fi": "Tehostettu palveluasuminen", "contents": [
            contents[0], {**contents[1], "ended_from": "2016-04-01"}]}, t),
        ("applications.application.approved", {"application_id": f"dir{n}-a", "service_id": "tehostettu",
                                               "provider_id": p, "site_ids": [s1]}, t),
        ("applications.application.approved", {"application_id": f"dir{n}-a2", "service_id": "tehostettu",
                                               "provider_id": p, "site_ids": [s1, s2]}, t),
    ]


async def directory_snapshot(h: Harness, n: int) -> dict[str, Any]:
    from seteli_vouchers.models import approvals, provider_employees, provider_units, providers, service_contents
    from seteli_vouchers.models import services as services_t
    from seteli_vouchers.models import sites as sites_t
    from sqlalchemy import select

    t, p = f"dir{n}-t", f"dir{n}-p"
    seen: dict[str, Any] = {}
    async with h.runtime.db.system_transaction() as session:
        for name, table, where in (("providers", providers, providers.c.id == p),
                                   ("sites", sites_t, sites_t.c.provider_id == p),
                                   ("units", provider_units, provider_units.c.provider_id == p),
                                   ("employees", provider_employees, provider_employees.c.provider_id == p),
                                   ("services", services_t, services_t.c.tenant_id == t),
                                   ("contents", service_contents, service_contents.c.tenant_id == t),
                                   ("approvals", approvals, approvals.c.tenant_id == t)):
            columns = [c for c in table.c if not c.name.endswith("_at") or c.name == "removed_at"]
            rows = (await session.execute(select(*columns).where(where))).mappings().all()
            # every unit name ever listed is a set (a booking of a removed unit is still named): its order is not
            seen[name] = sorted(json.dumps([str(sorted(v) if k == "ever" else v).replace(f"dir{n}-", "dir-")
                                            for k, v in r.items()]) for r in rows)
    return seen


async def test_the_directory_stated_last_wins_whatever_the_order(sweep: Harness) -> None:
    h = sweep
    orders = delivery_orders(len(directory(0)), cap=60)
    differing: list[tuple[list[int], Any, Any]] = []
    expected: dict[str, Any] | None = None
    for n, order in enumerate([None, *orders]):
        messages = [Envelope(type=type_, tenant_id=tenant, occurred_at=STATED + timedelta(minutes=i),
                             payload=json.loads(json.dumps(payload)))
                    for i, (type_, payload, tenant) in enumerate(directory(n))]
        await deliver(h, messages if order is None else [messages[i] for i in order])
        seen = await directory_snapshot(h, n)
        if expected is None:
            expected = seen
        elif seen != expected:
            differing.append((order or [], seen, expected))
    assert not differing, f"{len(differing)} orders differ, e.g. {differing[0][0]}: " + "; ".join(
        f"{k}: {differing[0][1][k]} != {differing[0][2][k]}" for k in differing[0][2]
        if differing[0][1][k] != differing[0][2][k])
