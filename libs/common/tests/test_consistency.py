"""Reads after writes across services (seteli_common.consistency, issue 22): the token a write answers,
its parsing, and the check a consuming service makes against its inbox."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from fastapi import APIRouter, Depends, Request
from seteli_common.config import ServiceSettings
from seteli_common.consistency import (
    AFTER_HEADER,
    CONSISTENCY_HEADER,
    MAX_AGE_SECONDS,
    MAX_TOKENS,
    PLATFORM,
    After,
    Token,
    header_value,
    parse_tokens,
)
from seteli_common.db import make_metadata
from seteli_common.messaging.envelope import Envelope, EventPayload
from seteli_common.messaging.memory import InMemoryBroker
from seteli_common.messaging.outbox import add_messaging_tables
from seteli_common.runtime import ServiceRuntime
from seteli_common.testing import running_app
from seteli_common.web import after_writes, create_app, db_session
from sqlalchemy.ext.asyncio import AsyncSession

metadata = make_metadata()
_, inbox = add_messaging_tables(metadata)


class Booked(EventPayload):
    event_type: ClassVar[str] = "test.booking.made"
    booking_id: str


def _envelope(tenant: str | None = "t1", event_type: str = "test.booking.made") -> Envelope:
    return Envelope(type=event_type, tenant_id=tenant, occurred_at=datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
                    payload={})


def test_a_token_names_type_tenant_event_and_time_and_reads_back() -> None:
    envelope = _envelope()
    token = Token.of(envelope)
    assert token is not None
    assert str(token) == f"test.booking.made;t1;{envelope.event_id};{int(envelope.occurred_at.timestamp())}"
    assert Token.parse(str(token)) == token
    assert parse_tokens(header_value([token, token])) == (token, token)


def test_an_event_of_no_tenant_has_a_token_every_tenant_honours() -> None:
    # the registry's news of a company's site has no tenant: a provider adds a site, then uses it in a tenant
    envelope = _envelope(tenant=None, event_type="registry.site.added")
    token = Token.of(envelope)
    assert token is not None and token.tenant_id == PLATFORM and Token.parse(str(token)) == token
    now = float(token.occurred_at)
    after = After((token,))
    assert after.relevant("t1", ["registry.site.added"], now=now) == [token]
    assert after.relevant("t2", ["registry.site.added"], now=now) == [token]
    assert after.relevant("t1", ["test.booking.made"], now=now) == []  # still only the awaited types
    assert Token.of(_envelope(tenant="a;b")) is None  # never a token that reads back as something else


def test_malformed_tokens_are_ignored_and_the_count_is_bounded() -> None:
    good = Token.of(_envelope())
    assert good is not None
    header = ", ".join(["nonsense", "a;b;c", f"x;t1;{uuid.uuid4()};soon", "x;t1;not-a-uuid;1", "", str(good)])
    assert parse_tokens(header) == (good,)
    assert parse_tokens(None) == () and parse_tokens("") == ()
    many = ", ".join(str(Token.of(_envelope())) for _ in range(MAX_TOKENS + 5))
    assert len(parse_tokens(many)) == MAX_TOKENS


def test_only_recent_tokens_of_the_tenant_and_the_awaited_types_count() -> None:
    now = time.time()
    mine = Token("test.booking.made", "t1", str(uuid.uuid4()), int(now))
    other_tenant = Token("test.booking.made", "t2", str(uuid.uuid4()), int(now))
    other_type = Token("test.voucher.granted", "t1", str(uuid.uuid4()), int(now))
    old = Token("test.booking.made", "t1", str(uuid.uuid4()), int(now) - MAX_AGE_SECONDS - 10)
    after = After((mine, other_tenant, other_type, old))
    assert after.relevant("t1", ["test.booking.made"], now=now) == [mine]
    assert after.relevant("t3", ["test.booking.made"], now=now) == []


async def test_a_write_answers_its_tokens_and_a_read_waits_only_for_what_its_inbox_has_not_handled(
        tmp_path: Path) -> None:
    router = APIRouter()

    @router.post("/bookings", status_code=201)
    async def book(request: Request, session: AsyncSession = Depends(db_session, scope="function")) -> dict[str, str]:
        await request.app.state.runtime.outbox.add(session, Booked(booking_id="b1"), tenant_id="t1")
        return {"id": "b1"}

    @router.post("/nothing", status_code=201)
    async def nothing(session: AsyncSession = Depends(db_session, scope="function")) -> dict[str, str]:
        return {"id": "none"}

    @router.get("/pending")
    async def pending(request: Request,
                      session: AsyncSession = Depends(db_session, scope="function")) -> dict[str, bool]:
        return {"pending": await after_writes(request).pending(session, "t1", "test.booking.made")}

    runtime = ServiceRuntime(settings=ServiceSettings(service_name="rw", data_dir=tmp_path, log_json=False),
                             metadata=metadata, migrations=tmp_path, broker=InMemoryBroker())
    app = create_app("rw", lifespan=runtime.lifespan(migrate=False), routers=[router])
    runtime.attach(app)
    async with running_app(app, raise_app_exceptions=False) as client:
        async with runtime.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        written = await client.post("/bookings")
        plain = await client.post("/nothing")
        assert written.status_code == 201 and CONSISTENCY_HEADER.lower() in written.headers
        assert CONSISTENCY_HEADER.lower() not in plain.headers  # nothing published, nothing to wait for
        [token] = parse_tokens(written.headers[CONSISTENCY_HEADER])
        assert (token.event_type, token.tenant_id) == ("test.booking.made", "t1")

        header = {AFTER_HEADER: written.headers[CONSISTENCY_HEADER]}
        assert (await client.get("/pending", headers=header)).json() == {"pending": True}
        assert (await client.get("/pending")).json() == {"pending": False}  # no token: as without this feature
        async with runtime.db.engine.begin() as conn:  # this service's consumer handles the event
            await conn.execute(inbox.insert().values(consumer="rw.bookings", event_id=token.event_id,
                                                     event_type=token.event_type,
                                                     processed_at=datetime.now(UTC)))
        assert (await client.get("/pending", headers=header)).json() == {"pending": False}
