"""Sustained event recording (events, issue #6): HTTP API -> PostgreSQL + outbox -> RabbitMQ ->
settlement ledger, beside a minimal FastAPI app doing one INSERT per POST on the same machine.

    uv run --frozen python bench/event_recording.py [--clients 16] [--seconds 20] [--bookings 2000]

Starts the settlement service and the events service (each served by uvicorn in its own process, each
with its own new database; one new RabbitMQ vhost), seeds the events service's read models (tenant,
service, price list, vouchers, contents, bookings of one provider) by inserting into its read-model
tables, and drives POST /v1/tenants/{t}/events (one day of enhanced sheltered housing per request,
each on a distinct booking and day) with `--clients` concurrent keep-alive clients for `--seconds`.
Reports the API's requests/s and p50/p99, and events/s end to end: from the first request until the
settlement ledger holds a line for every event answered 201. Then the same load against the
baseline app (FastAPI + SQLAlchemy Core on asyncpg, one INSERT per POST, no auth, no outbox).

The default (16 clients, 20 s per phase) is the full size. Environment: SETELI_TEST_POSTGRES_URL,
SETELI_TEST_AMQP_URL (defaults: local).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
from _support import ADMIN_URL, AMQP_BASE, Served, drive, load
from pydantic import BaseModel
from seteli_common import testing
from seteli_common.auth import Principal, Role, SigningKey, TokenIssuer

T, SERVICE, PROVIDER = "kouvola", "tehostettu", "p-paivansade"
CONTENTS = [{"content_id": "housing", "name_fi": "Asuminen", "name_sv": "Boende", "unit": "day",
             "client_pays": False}]


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def provider_token(issuer: TokenIssuer) -> str:
    """Maija Hoitaja of the provider, in the housing team: whom the benches send POST /events as."""
    return issuer.issue(Principal(subject="u-maija", role=Role.PROVIDER_USER, provider_id=PROVIDER,
                                  teams=frozenset({f"{T}:{SERVICE}"}), name="Maija Hoitaja"), ttl_seconds=7200)


def event_body(n: int, bookings: int) -> dict[str, Any]:
    """The n-th POST /events: one day of housing, each booking in turn, then the next day (never the same twice)."""
    day = (date(2016, 1, 1) + timedelta(days=n // bookings)).isoformat()
    return {"booking_id": f"b-{n % bookings}", "start": day, "end": day, "text": "Läsnä"}


def build_events(database_url: str, amqp: str, exchange: str, jwks: dict[str, Any]) -> object:
    from seteli_common.auth import StaticKeys
    from seteli_events.bootstrap import build_app, build_runtime
    from seteli_events.config import EventsSettings

    settings = EventsSettings(database_url=database_url, broker_url=amqp, exchange=exchange, log_json=False,
                              log_level="WARNING", auto_record_check_seconds=0)
    return build_app(build_runtime(settings, keys=StaticKeys(lambda: jwks)))


def build_settlement(database_url: str, amqp: str, exchange: str) -> object:
    from seteli_settlement.bootstrap import build_app, build_runtime
    from seteli_settlement.config import SettlementSettings

    settings = SettlementSettings(database_url=database_url, broker_url=amqp, exchange=exchange, log_json=False,
                                  log_level="WARNING", inline_jobs=False)
    return build_app(build_runtime(settings))


class BaselineEventIn(BaseModel):
    booking_id: str
    start: date
    end: date | None = None
    text: str = ""


def build_baseline(database_url: str) -> object:
    """The floor: FastAPI, pydantic body, one INSERT per POST with SQLAlchemy Core on asyncpg."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI
    from sqlalchemy import JSON, Column, Date, DateTime, MetaData, String, Table, insert
    from sqlalchemy.ext.asyncio import create_async_engine

    metadata = MetaData()
    table = Table("events", metadata, Column("id", String(36), primary_key=True),
                  Column("tenant_id", String(64), nullable=False), Column("booking_id", String(64), nullable=False),
                  Column("start", Date, nullable=False), Column("end", Date), Column("text", String(4000)),
                  Column("body", JSON), Column("created_at", DateTime(timezone=True), nullable=False))
    engine = create_async_engine(database_url, pool_size=10, max_overflow=10)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/tenants/{tenant_id}/events", status_code=201)
    async def create(tenant_id: str, body: BaselineEventIn) -> dict[str, Any]:
        row: dict[str, Any] = {"id": str(uuid.uuid4()), "tenant_id": tenant_id,
                               "booking_id": body.booking_id,
                               "start": body.start, "end": body.end or body.start, "text": body.text,
                               "body": body.model_dump(mode="json"), "created_at": datetime.now(UTC)}
        async with engine.begin() as conn:
            await conn.execute(insert(table).values(**row))
        return {**row["body"], "id": row["id"]}

    return app


async def seed_events(dsn: str, bookings: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO tenants (id, name_fi, name_sv) VALUES ($1, 'Kouvolan kaupunki', "
                           "'Kouvola stad')", T)
        await conn.execute(
            "INSERT INTO services (tenant_id, id, name_fi, name_sv, kind, auto_recording, contents) "
            "VALUES ($1, $2, 'Tehostettu palveluasuminen', 'Serviceboende', 'voucher', false, $3)",
            T, SERVICE, json.dumps(CONTENTS))
        await conn.execute(
            'INSERT INTO price_lists (tenant_id, id, service_id, provider_id, name, start, prices) '
            "VALUES ($1, 'pl-2016', $2, $3, 'Hinnasto 2016', $4, $5)",
            T, SERVICE, PROVIDER, date(2016, 1, 1), json.dumps({"housing": "155.00"}))
        await conn.copy_records_to_table("vouchers", records=[
            (T, f"v-{i}", f"PS-{i}", SERVICE, f"c-{i}", date(2016, 1, 1), date(2016, 12, 31))
            for i in range(bookings)], columns=["tenant_id", "id", "number", "service_id", "client_id",
                                                "valid_from", "valid_until"])
        from decimal import Decimal
        await conn.copy_records_to_table("voucher_contents", records=[
            (T, f"vc-{i}", f"v-{i}", "housing", "day", Decimal(31), "month", Decimal("140.00"))
            for i in range(bookings)], columns=["tenant_id", "id", "voucher_id", "content_id", "unit",
                                                "granted_amount", "period", "voucher_value"])
        await conn.copy_records_to_table("bookings", records=[
            (T, f"b-{i}", f"v-{i}", f"vc-{i}", SERVICE, "housing", PROVIDER, f"c-{i}", f"A-{i}", "voucher")
            for i in range(bookings)], columns=["tenant_id", "id", "voucher_id", "voucher_content_id",
                                                "service_id", "content_id", "provider_id", "client_id",
                                                "client_ref", "kind"])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def seed_settlement(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("INSERT INTO services (tenant_id, id, name_fi, name_sv, contents) VALUES "
                           "($1, $2, 'Tehostettu palveluasuminen', 'Serviceboende', $3)",
                           T, SERVICE, json.dumps(CONTENTS))
    finally:
        await conn.close()


@dataclass
class Stage:
    """What the benches that serve events and settlement by uvicorn stand on: a new RabbitMQ vhost and exchange,
    new databases for events, settlement and the baseline, a token issuer, and the servers started on them."""

    amqp: str
    exchange: str
    events_url: str
    settlement_url: str
    baseline_url: str
    issuer: TokenIssuer
    servers: list[Served] = field(default_factory=list)

    async def serve(self, builder: str, **kwargs: Any) -> Served:
        server = await Served(builder, kwargs).start()
        self.servers.append(server)
        return server

    async def settlement(self) -> Served:
        return await self.serve("event_recording:build_settlement", database_url=self.settlement_url,
                                amqp=self.amqp, exchange=self.exchange)

    async def events(self) -> Served:
        return await self.serve("event_recording:build_events", database_url=self.events_url, amqp=self.amqp,
                                exchange=self.exchange, jwks=self.issuer.jwks())

    def stop_servers(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()


@asynccontextmanager
async def stage() -> AsyncIterator[Stage]:
    """A new Stage; after, its servers are stopped, its databases dropped and its vhost deleted."""
    amqp = testing.create_vhost(AMQP_BASE)
    exchange = f"bench.{uuid.uuid4().hex[:6]}"
    events_url, settlement_url, baseline_url = [await testing.create_database(ADMIN_URL, "seteli_bench")
                                                for _ in range(3)]
    st = Stage(amqp, exchange, events_url, settlement_url, baseline_url, TokenIssuer(SigningKey.generate()))
    try:
        yield st
    finally:
        st.stop_servers()
        for url in (events_url, settlement_url, baseline_url):
            await testing.drop_database(ADMIN_URL, url)
        testing.delete_vhost(amqp)


async def main(clients: int, seconds: float, bookings: int) -> None:
    print(f"event_recording: {clients} concurrent clients, {seconds:.0f} s per phase, {bookings} bookings; "
          f"{load()}")
    async with stage() as st:
        headers = testing.bearer(provider_token(st.issuer))
        # Settlement first: its queues are declared before anything is published.
        settlement = await st.settlement()
        events = await st.events()
        await seed_events(_dsn(st.events_url), bookings)
        await seed_settlement(_dsn(st.settlement_url))

        async def post(client, n):  # type: ignore[no-untyped-def]
            return await client.post(f"/v1/tenants/{T}/events", json=event_body(n, bookings), headers=headers)

        ledger = await asyncpg.connect(_dsn(st.settlement_url))
        t0 = time.perf_counter()
        api = await drive("events API  POST /events", events.url, post, clients, seconds)
        answered = len(api.latencies)
        while True:
            held = await ledger.fetchval("SELECT count(DISTINCT source_id) FROM ledger WHERE kind = 'event'")
            if held >= answered or time.perf_counter() - t0 > seconds + 300:
                break
            await asyncio.sleep(0.05)
        end_to_end = time.perf_counter() - t0
        total = await ledger.fetchval("SELECT sum(amount) FROM ledger WHERE kind = 'event'")
        await ledger.close()
        events_rss, settlement_rss = events.peak_rss_mib(), settlement.peak_rss_mib()
        st.stop_servers()

        baseline = await st.serve("event_recording:build_baseline", database_url=st.baseline_url)
        raw = await drive("baseline    POST (1 INSERT)", baseline.url, post, clients, seconds)
        print(api.line())
        print(f"  end to end (first POST -> every answered event in the settlement ledger): {held} events in "
              f"{end_to_end:.1f} s = {held / end_to_end:,.1f} events/s; ledger lag after the last answer "
              f"{end_to_end - api.seconds:.1f} s; ledger total {total} EUR")
        print(raw.line())
        print(f"  peak RSS: events {events_rss:.0f} MiB, settlement {settlement_rss:.0f} MiB, "
              f"baseline {baseline.peak_rss_mib():.0f} MiB; after: {load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--bookings", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.clients, args.seconds, args.bookings))
