"""Facts arriving out of order (the order sweep): what the registry and applications state about a tenant, a
company, its site, employees and users reaches notifications in any order, and retries and redeliveries reorder
even one queue. For each order, where the notices go (the tenant's languages and admins, the company's name,
notice and billing addresses or its main user's, the site's and the employee's addresses, the service's names)
is the same as in the order the facts were stated in, also with one of them redelivered.

Every order runs on the same database under ids of its own (tenant, company, site, users); messages are delivered
one by one, each handled before the next is sent, and a message refused as "not known yet" comes back by the
consumer's retry (short delays here) until the bus is quiet."""

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
from seteli_notifications import repository as repo
from seteli_notifications.bootstrap import build_app, build_runtime
from seteli_notifications.models import employees, services, tenants

from .conftest import Harness, SmtpInbox, make_settings

STATED = datetime(2016, 3, 14, 8, 0, tzinfo=UTC)  # the first fact's time; each next one a minute later
# quick retries of what is not known yet, for as long as a slow machine may take to bring it
RETRIES = [0.01] * 20 + [0.05] * 200
Facts = list[tuple[str, dict[str, Any], str | None]]  # (type, payload, the envelope's tenant)


def directory(n: int) -> Facts:
    t, p, s, e = f"t-{n}", f"p-{n}", f"s-{n}", f"e-{n}"
    site = {"provider_id": p, "site_id": s, "name": "Päivänsäde Kouvola", "notification_email": "koti@ps.fi"}
    employee = {"provider_id": p, "employee_id": e, "name": "Maija Hoitaja", "site_id": s}
    return [
        ("registry.tenant.created", {"tenant_id": t, "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad",
                                     "languages": ["fi"]}, t),
        ("registry.tenant.changed", {"tenant_id": t, "languages": ["fi", "sv"], "payer_iban": "FI2112345600000785",
                                     "payer_bic": "NDEAFIHH"}, t),
        ("registry.provider.registered", {
            "provider_id": p, "business_id": "7019376-8", "name": "Hoivakoti Päivänsäde Oy", "language": "fi",
            "email": "", "sites": [{**site, "billing": None}],
            "billing": {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "email": "laskut@ps.fi",
                        "pdf_by_email": True}}, None),
        ("registry.user.created", {"user_id": f"u-main-{n}", "email": "paakayttaja@ps.fi", "role": "provider_admin",
                                   "provider_id": p, "language": "fi"}, None),
        ("registry.provider.renamed", {"provider_id": p, "name": "Päivänsäde Oy"}, None),
        ("registry.provider.email_changed", {"provider_id": p, "email": "info@ps.fi"}, None),
        ("registry.provider.billing_changed", {"provider_id": p, "billing": {
            "iban": "FI2112345600000785", "bic": "NDEAFIHH", "email": "talous@ps.fi", "pdf_by_email": False}}, None),
        ("registry.site.changed", {**site, "notification_email": "kouvola@ps.fi"}, None),
        ("registry.provider.billing_changed", {"provider_id": p, "site_id": s, "billing": {
            "iban": "FI5810171000000122", "bic": "NDEAFIHH", "email": "kouvola.laskut@ps.fi",
            "pdf_by_email": True}}, None),
        ("registry.site.changed", {**site, "notification_email": "kouvola@ps.fi", "billing": {
            "iban": "FI5810171000000122", "bic": "NDEAFIHH", "email": "kouvola.laskut@ps.fi",
            "pdf_by_email": True}}, None),
        ("registry.provider.email_changed", {"provider_id": p, "email": ""}, None),  # to its main user again
        ("registry.user.created", {"user_id": f"u-admin-{n}", "email": "admin@kouvola.fi", "role": "tenant_admin",
                                   "tenant_id": t, "language": "fi"}, t),
        ("registry.user.created", {"user_id": f"u-other-{n}", "email": "toinen@kouvola.fi",
                                   "role": "tenant_officer", "tenant_id": t, "language": "sv"}, t),
        ("registry.user.role_changed", {"user_id": f"u-admin-{n}", "email": "admin@kouvola.fi",
                                        "role": "tenant_officer", "tenant_id": t, "language": "fi"}, t),
        ("registry.user.role_changed", {"user_id": f"u-other-{n}", "email": "toinen@kouvola.fi",
                                        "role": "tenant_admin", "tenant_id": t, "language": "sv"}, t),
        ("registry.user.passivated", {"user_id": f"u-main-{n}"}, None),
        ("registry.user.activated", {"user_id": f"u-main-{n}", "email": "paakayttaja@ps.fi",
                                     "role": "provider_admin", "provider_id": p, "language": "fi"}, None),
        ("registry.employee.added", {**employee, "email": ""}, None),
        ("registry.employee.changed", {**employee, "email": "maija@ps.fi"}, None),
        ("registry.employee.removed", {**employee, "email": "maija@ps.fi", "removed_at": "2016-03-14T09:00:00Z"},
         None),
        ("applications.service.defined", {"service_id": "tehostettu", "name_fi": "Tehostettu palveluasuminen",
                                          "name_sv": "Serviceboende"}, t),
        ("applications.service.defined", {"service_id": "tehostettu", "name_fi": "Ympärivuorokautinen hoiva",
                                          "name_sv": "Heldygnsomsorg"}, t),
    ]


@pytest.fixture
async def sweep(pg_url: str, tmp_path: Path, clock: FixedClock, static_keys: StaticKeys,
                token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Harness]:
    # one consumer per queue (the order sent is the order handled) and quick retries of what is not known yet
    settings = make_settings(pg_url, tmp_path, None, consumer_prefetch=1, retry_delays_seconds=RETRIES,
                             delivery_limit=40)
    broker = InMemoryBroker()
    runtime = build_runtime(settings, broker=broker, clock=clock, keys=static_keys)
    async with running_app(build_app(runtime)) as client:
        yield Harness(client, broker, runtime, clock, SmtpInbox(), token_for)
    await broker.close()


async def deliver(h: Harness, messages: list[Envelope]) -> None:
    await deliver_one_by_one(h.broker, messages)


async def snapshot(h: Harness, n: int) -> dict[str, Any]:
    from sqlalchemy import select

    t, p, s, e = f"t-{n}", f"p-{n}", f"s-{n}", f"e-{n}"
    async with h.runtime.db.system_transaction() as session:
        provider = await repo.get_provider(session, p) or {}
        site = await repo.get_site(session, s) or {}
        employee = (await session.execute(select(employees.c.name, employees.c.email, employees.c.site_id,
                                                 employees.c.removed_at).where(employees.c.id == e))).first()
        seen = {
            "languages": (await session.execute(select(tenants.c.languages).where(tenants.c.id == t))).scalar(),
            "admins": await repo.tenant_admin_emails(session, t),
            "provider": {k: provider.get(k) for k in ("name", "language", "email", "billing_email", "pdf_by_email")},
            "site": {k: site.get(k) for k in ("name", "notification_email", "billing_email", "pdf_by_email")},
            "main_user": await repo.main_user_address(session, p),
            "passive_main_user": await repo.passivated_address(session, "paakayttaja@ps.fi"),
            "employee": [str(v).replace(s, "s") for v in employee] if employee else None,
            "services": [list(r) for r in (await session.execute(
                select(services.c.service_id, services.c.name_fi, services.c.name_sv)
                .where(services.c.tenant_id == t))).all()],
        }
    return dict(json.loads(json.dumps(seen, default=str)))


async def test_the_fact_stated_last_wins_whatever_the_order(sweep: Harness) -> None:
    h = sweep
    orders = delivery_orders(len(directory(0)), cap=60)
    differing: list[tuple[list[int], Any, Any]] = []
    expected: dict[str, Any] | None = None
    for n, order in enumerate([None, *orders]):
        messages = [Envelope(type=type_, tenant_id=tenant, occurred_at=STATED + timedelta(minutes=i),
                             payload=json.loads(json.dumps(payload)))
                    for i, (type_, payload, tenant) in enumerate(directory(n))]
        await deliver(h, messages if order is None else [messages[i] for i in order])
        seen = await snapshot(h, n)
        if expected is None:
            expected = seen
        elif seen != expected:
            differing.append((order or [], seen, expected))
    assert not differing, f"{len(differing)} orders differ, e.g. {differing[0][0]}: " + "; ".join(
        f"{k}: {differing[0][1][k]} != {differing[0][2][k]}" for k in differing[0][2]
        if differing[0][1][k] != differing[0][2][k])
