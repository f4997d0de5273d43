"""Facts arriving out of order (the order sweep): the broker guarantees no order across queues, and retries and
redeliveries reorder even one queue. For each scenario (a realistic list of the messages settlement hears about
one tenant's entities, each stated at its own time), the preview of the month's payments and the reports are
the same whatever order the messages arrive in, and with one of them redelivered.

Every order runs on the same database under a tenant (and providers) of its own; messages are delivered one by
one, each handled before the next is sent, and a message refused as "not known yet" comes back by the
consumer's retry (short delays here) until the bus is quiet."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from seteli_common.auth import Role
from seteli_common.messaging.envelope import Envelope
from seteli_common.testing import deliver_one_by_one, delivery_orders
from seteli_settlement.models import providers, services, sites, tenants
from sqlalchemy import select

from .conftest import BILLING, BILLING2, HOME_CARE, SERVICE, Harness, segment

STATED = datetime(2016, 3, 14, 8, 0, tzinfo=UTC)  # the first fact's time; each next one a minute later
# quick retries of what is not known yet, for as long as a slow machine may take to bring it
RETRIES = [0.01] * 20 + [0.05] * 200


@dataclass
class World:
    """One order's own tenant and providers (the read models of companies are not per tenant)."""

    tenant: str
    p1: str
    p2: str


Build = Callable[[World], list[tuple[str, dict[str, Any], bool]]]  # (type, payload, tenant-owned)


def _event(w: World, event_id: str, start: str, end: str, *, revision: int = 1, status: str = "payable",
           share: str = "90.00", client_ref: str = "A-1001", producer_part: str | None = None,
           provider: str | None = None) -> dict[str, Any]:
    from datetime import date

    n = Decimal((date.fromisoformat(end) - date.fromisoformat(start)).days + 1)
    seg = segment(start, end, n, share)
    return {"event_id": event_id, "revision": revision, "service_id": SERVICE, "provider_id": provider or w.p1,
            "producer_part": producer_part, "booking_id": "b-1", "voucher_id": "v-1", "client_ref": client_ref,
            "content_id": "hoito", "unit": "day", "start": start, "end": end, "units": str(n), "status": status,
            "segments": [seg], "amount_tenant": seg["amount_tenant"], "amount_co_payment": seg["amount_co_payment"],
            "client_pays": False}


def _interruption(w: World, interruption_id: str, start: str, end: str, *, revision: int,
                  client_ref: str = "A-1001") -> dict[str, Any]:
    from datetime import date

    n = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    seg = segment(start, end, n, "90.00", percentage="50")
    return {"interruption_id": interruption_id, "revision": revision, "voucher_id": "v-1", "booking_id": "b-1",
            "provider_id": w.p1, "producer_part": None, "client_ref": client_ref, "content_id": "hoito",
            "service_id": SERVICE, "start": start, "end": end, "reason": "hospital", "segments": [seg],
            "amount_tenant": seg["amount_tenant"], "amount_co_payment": seg["amount_co_payment"],
            "client_pays": False}


def _credit(w: World, credit_id: str, event_id: str, amount: str, month: str) -> dict[str, Any]:
    return {"credit_id": credit_id, "event_id": event_id, "provider_id": w.p1, "producer_part": None,
            "client_ref": "A-1001", "content_id": "hoito", "service_id": SERVICE, "amount": amount,
            "reason": "wrong event", "month": month}


def _renumbered(w: World, client_ref: str, previous: list[str]) -> dict[str, Any]:
    return {"provider_id": w.p1, "client_id": "c-1", "client_ref": client_ref, "previous_refs": previous}


def _tenant(w: World, iban: str = "FI4950009420028730") -> dict[str, Any]:
    return {"tenant_id": w.tenant, "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad",
            "business_id": "0116297-6", "languages": ["fi"], "payer_iban": iban, "payer_bic": "OKOYFIHH"}


def _provider(w: World, provider_id: str, name: str, billing: dict[str, Any] | None,
              sites: list[dict[str, Any]]) -> dict[str, Any]:
    return {"provider_id": provider_id, "business_id": "7019376-8", "name": name, "language": "fi",
            "email": "info@paivansade.fi", "billing": billing, "sites": sites}


def _site(site_id: str, name: str, billing: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"site_id": site_id, "name": name, "notification_email": "koti@paivansade.fi", "billing": billing}


def _service(service_id: str, name: str, *, rent_paid_by_client: bool = True, deadline: int = 2) -> dict[str, Any]:
    return {"service_id": service_id, "name_fi": name, "name_sv": name,
            "contents": [{"content_id": "hoito", "name_fi": "Hoito", "name_sv": "Vård", "unit": "day",
                          "client_pays": False},
                         {"content_id": "vuokra", "name_fi": "Vuokra", "name_sv": "Hyra", "unit": "month",
                          "client_pays": rent_paid_by_client}],
            "calendar": {"provider_deadline_day": deadline, "approval_deadline_day": 3, "transfer_day": 4}}


def directory_of(w: World) -> list[tuple[str, dict[str, Any], bool]]:
    """What settlement knows before the scenario's facts: the tenant, two companies and the services."""
    return [
        ("registry.tenant.created", _tenant(w), True),
        ("registry.provider.registered",
         _provider(w, w.p1, "Hoivakoti Päivänsäde Oy", BILLING, [_site("s-1" + w.p1, "Päivänsäde")]), False),
        ("registry.provider.registered", _provider(w, w.p2, "Kotiapu Ab", BILLING2, []), False),
        ("applications.service.defined", _service(SERVICE, "Tehostettu palveluasuminen"), True),
        ("applications.service.defined", _service(HOME_CARE, "Kotihoito"), True),
    ]


# --- the scenarios: the messages of one tenant's entities, in the order they were stated ------------------


def corrections_and_decisions(w: World) -> list[tuple[str, dict[str, Any], bool]]:
    """An event corrected over the limit and approved; another over the limit rejected; a third corrected twice
    and then removed; a fourth approved at its first revision and corrected back under the limit."""
    return [
        ("events.event.recorded", _event(w, "e-1", "2016-03-01", "2016-03-05"), True),
        ("events.event.corrected", _event(w, "e-1", "2016-03-01", "2016-03-09", revision=2,
                                          status="awaiting_approval"), True),
        ("events.event.approved", {"event_id": "e-1", "revision": 2}, True),
        ("events.event.recorded", _event(w, "e-2", "2016-03-02", "2016-03-04", status="awaiting_approval",
                                         provider=w.p2), True),
        ("events.event.rejected", {"event_id": "e-2", "revision": 1, "reason": "over the limit"}, True),
        ("events.event.recorded", _event(w, "e-3", "2016-03-10", "2016-03-11"), True),
        ("events.event.corrected", _event(w, "e-3", "2016-03-10", "2016-03-12", revision=2), True),
        ("events.event.deleted", {"event_id": "e-3", "revision": 3}, True),
        ("events.event.recorded", _event(w, "e-4", "2016-03-13", "2016-03-14", status="awaiting_approval"), True),
        ("events.event.approved", {"event_id": "e-4", "revision": 1}, True),
        ("events.event.corrected", _event(w, "e-4", "2016-03-13", "2016-03-13", revision=2), True),
    ]


def interruptions_and_credits(w: World) -> list[tuple[str, dict[str, Any], bool]]:
    """A hospital stay finalised and corrected, another finalised and removed; two credits of a paid event, one
    of them withdrawn."""
    return [
        ("events.event.recorded", _event(w, "e-1", "2016-03-01", "2016-03-03"), True),
        ("events.interruption.finalised", _interruption(w, "i-1", "2016-03-04", "2016-03-08", revision=1), True),
        ("events.interruption.finalised", _interruption(w, "i-1", "2016-03-04", "2016-03-06", revision=2), True),
        ("events.interruption.finalised", _interruption(w, "i-2", "2016-03-10", "2016-03-11", revision=1), True),
        ("events.interruption.deleted", {"interruption_id": "i-2", "revision": 2}, True),
        ("events.credit.requested", _credit(w, "c-1", "e-0", "-45.00", "2016-03"), True),
        ("events.credit.requested", _credit(w, "c-2", "e-0", "-90.00", "2016-03"), True),
        ("events.credit.withdrawn", {"credit_id": "c-2", "event_id": "e-0", "kind": "event"}, True),
    ]


def client_numbers(w: World) -> list[tuple[str, dict[str, Any], bool]]:
    """The provider gives the client a number and changes it; care recorded before, between and after, under the
    name the events service knew the client by when it stated the fact."""
    return [
        ("events.event.recorded", _event(w, "e-1", "2016-03-01", "2016-03-02", client_ref="1234561"), True),
        ("events.interruption.finalised",
         _interruption(w, "i-1", "2016-03-03", "2016-03-04", revision=1, client_ref="1234561"), True),
        ("vouchers.client_number.changed", _renumbered(w, "K-1", ["1234561"]), True),
        ("events.event.recorded", _event(w, "e-2", "2016-03-05", "2016-03-06", client_ref="K-1"), True),
        ("vouchers.client_number.changed", _renumbered(w, "K-2", ["1234561", "K-1"]), True),
        ("events.event.corrected", _event(w, "e-1", "2016-03-01", "2016-03-03", revision=2, client_ref="K-2"), True),
        ("events.event.recorded", _event(w, "e-3", "2016-03-07", "2016-03-07", client_ref="K-2"), True),
    ]


def directory_changes(w: World) -> list[tuple[str, dict[str, Any], bool]]:
    """The tenant, a company and its sites as the registry states them over a day: registered, billing changed,
    renamed twice, a site added with its own account, the account changed and the site renamed; the service
    defined and renamed; care recorded at the company and at the site."""
    site = "s-2" + w.p1
    new_billing = {**BILLING, "iban": "FI0815723500045328", "reference": "RF18539007547034"}
    site_billing = {**BILLING2, "iban": "FI3715903000000776", "reference": "1232"}
    site_billing2 = {**BILLING2, "iban": "FI0740548450000180", "reference": "1245"}
    return [
        ("registry.tenant.created", _tenant(w), True),
        ("registry.tenant.changed", {"tenant_id": w.tenant, "languages": ["fi", "sv"],
                                     "payer_iban": "FI9355500010000045", "payer_bic": "OKOYFIHH"}, True),
        ("registry.provider.registered",
         _provider(w, w.p1, "Hoivakoti Päivänsäde Oy", BILLING, [_site("s-1" + w.p1, "Päivänsäde")]), False),
        ("registry.provider.billing_changed", {"provider_id": w.p1, "site_id": None, "billing": new_billing}, False),
        ("registry.provider.renamed", {"provider_id": w.p1, "name": "Päivänsäde Hoiva Oy"}, False),
        ("registry.site.added", {"provider_id": w.p1, **_site(site, "Kuusela", site_billing)}, False),
        ("registry.provider.billing_changed", {"provider_id": w.p1, "site_id": site, "billing": site_billing2},
         False),
        ("registry.site.changed", {"provider_id": w.p1, **_site(site, "Kuuselan koti", site_billing2)}, False),
        ("registry.provider.renamed", {"provider_id": w.p1, "name": "Päivänsäde Oy"}, False),
        ("applications.service.defined", _service(SERVICE, "Tehostettu palveluasuminen"), True),
        ("applications.service.defined", _service(SERVICE, "Ympärivuorokautinen palveluasuminen", deadline=5),
         True),
        ("events.event.recorded", _event(w, "e-1", "2016-03-01", "2016-03-04"), True),
        ("events.event.recorded", _event(w, "e-2", "2016-03-01", "2016-03-02", producer_part=f"site:{site}"),
         True),
    ]


SCENARIOS: dict[str, tuple[Build, bool]] = {  # name: (messages, with the directory known before)
    "corrections_and_decisions": (corrections_and_decisions, True),
    "interruptions_and_credits": (interruptions_and_credits, True),
    "client_numbers": (client_numbers, True),
    "directory_changes": (directory_changes, False),
}


# --- delivering and looking ----------------------------------------------------------------------------------


def envelopes(w: World, facts: list[tuple[str, dict[str, Any], bool]], start: datetime) -> list[Envelope]:
    return [Envelope(type=type_, tenant_id=w.tenant if owned else None, occurred_at=start + timedelta(minutes=i),
                     payload=json.loads(json.dumps(payload, default=str)))
            for i, (type_, payload, owned) in enumerate(facts)]


async def deliver(h: Harness, messages: list[Envelope]) -> None:
    await deliver_one_by_one(h.broker, messages)


def _strip(value: Any, w: World) -> Any:
    """Without what only says when or under which surrogate a row was kept; the order's own names made common
    (a preview's digest hashes each order's own provider ids: what it covers, the payees and accounts, is compared)."""
    if isinstance(value, dict):
        return {k: _strip(v, w) for k, v in value.items()
                if k not in {"line_id", "reverses", "created_at", "completed_at", "id", "changes", "payment_id",
                             "preview_digest"}}
    if isinstance(value, list):
        items = [_strip(v, w) for v in value]
        return sorted(items, key=lambda x: json.dumps(x, sort_keys=True))
    if isinstance(value, str):
        return value.replace(w.p1, "P1").replace(w.p2, "P2").replace(w.tenant, "T")
    return value


async def snapshot(h: Harness, w: World) -> dict[str, Any]:
    headers = h.token_for(Role.TENANT_ADMIN, tenant_id=w.tenant)
    preview = await h.client.post(f"/v1/tenants/{w.tenant}/runs", json={"month": "2016-03", "dry_run": True},
                                  headers=headers)
    assert preview.status_code == 200, preview.text
    seen: dict[str, Any] = {"preview": preview.json()}
    for report in ("realisation", "interruptions"):
        response = await h.client.get(f"/v1/tenants/{w.tenant}/reports/{report}",
                                      params={"from": "2016-03", "to": "2016-03"}, headers=headers)
        assert response.status_code == 200, response.text
        seen[report] = response.json()["items"]
    async with h.runtime.db.transaction(tenant_id=w.tenant) as session:
        def rows(table: Any, *where: Any) -> Any:
            return select(*[table.c[k] for k in table.c.keys() if not k.endswith("_at")]).where(*where)

        seen["tenant"] = [dict(r) for r in (await session.execute(rows(tenants, tenants.c.id == w.tenant))).mappings()]
        seen["services"] = [dict(r) for r in (await session.execute(
            rows(services, services.c.tenant_id == w.tenant))).mappings()]
        seen["providers"] = [dict(r) for r in (await session.execute(
            rows(providers, providers.c.id.in_([w.p1, w.p2])))).mappings()]
        seen["sites"] = [dict(r) for r in (await session.execute(
            rows(sites, sites.c.provider_id.in_([w.p1, w.p2])))).mappings()]
    return dict(_strip(json.loads(json.dumps(seen, default=str)), w))


@pytest.fixture
async def sweep(harness_factory: Callable[..., Any]) -> AsyncIterator[Harness]:
    # one consumer per queue (the order sent is the order handled) and quick retries of what is not known yet
    async with harness_factory(consumer_prefetch=1, retry_delays_seconds=RETRIES, delivery_limit=40) as h:
        yield h


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_the_fact_stated_last_wins_whatever_the_order(sweep: Harness, name: str) -> None:
    h = sweep
    build, with_directory = SCENARIOS[name]
    orders = delivery_orders(len(build(World("t", "p", "q"))), cap=60)
    differing: list[tuple[list[int], Any, Any]] = []
    expected: dict[str, Any] | None = None
    for n, order in enumerate([None, *orders]):
        tag = name.replace("_", "-")[:10]
        if with_directory:  # the companies are the first order's (the ledger is the tenant's)
            w = World(f"{tag}-{n}", f"p1-{tag}", f"p2-{tag}")
            known = [f for f in directory_of(w) if n == 0 or f[0] != "registry.provider.registered"]
            await deliver(h, envelopes(w, known, STATED - timedelta(days=30)))
        else:
            w = World(f"{tag}-{n}", f"p1-{tag}-{n}", f"p2-{tag}-{n}")
        messages = envelopes(w, build(w), STATED)
        await deliver(h, messages if order is None else [messages[i] for i in order])
        seen = await snapshot(h, w)
        if expected is None:
            expected = seen
            assert expected["preview"]["payments"], json.dumps(expected, indent=1)
        elif seen != expected:
            differing.append((order or [], seen, expected))
    assert not differing, _difference(differing)


def _difference(differing: list[tuple[list[int], Any, Any]]) -> str:
    order, seen, expected = differing[0]
    keys = [k for k in expected if seen.get(k) != expected[k]]
    return (f"{len(differing)} orders differ, e.g. {order}: " +
            "; ".join(f"{k}: {json.dumps(seen.get(k), sort_keys=True)} != {json.dumps(expected[k], sort_keys=True)}"
                      for k in keys))
