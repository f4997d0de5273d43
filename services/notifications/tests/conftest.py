"""Notifications test harness: the service on PostgreSQL with an in-memory bus and an in-process SMTP
server (aiosmtpd) that can be told to refuse for a while or forever."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from aiosmtpd.controller import Controller
from seteli_common.auth import StaticKeys
from seteli_common.clock import FixedClock
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryBroker, InMemoryTransport
from seteli_common.testing import running_app
from seteli_notifications.bootstrap import MIGRATIONS as _MIGRATIONS
from seteli_notifications.bootstrap import NotificationsRuntime, build_app, build_runtime
from seteli_notifications.config import NotificationsSettings

TENANT = {"tenant_id": "kouvola", "name_fi": "Kouvolan kaupunki", "name_sv": "Kouvola stad",
          "business_id": "0116297-6", "languages": ["fi"], "payer_iban": "FI2112345600000785",
          "payer_bic": "NDEAFIHH"}
BILINGUAL_TENANT = {**TENANT, "tenant_id": "porvoo", "name_fi": "Porvoon kaupunki", "name_sv": "Borgå stad",
                    "business_id": "2077474-0", "languages": ["sv", "fi"]}
PROVIDER_FI = {
    "provider_id": "p-fi", "business_id": "7019376-8", "name": "Hoivakoti Päivänsäde Oy", "language": "fi",
    "email": "info@paivansade.fi",
    "sites": [{"site_id": "s-fi", "name": "Päivänsäde Kouvola", "notification_email": "kouvola@paivansade.fi",
               "billing": None}],
    "billing": {"iban": "FI2112345600000785", "bic": "NDEAFIHH", "email": "laskutus@paivansade.fi",
                "pdf_by_email": True},
}
PROVIDER_SV = {
    "provider_id": "p-sv", "business_id": "0116297-6", "name": "Vårdhem Solsidan Ab", "language": "sv",
    "email": "info@solsidan.fi",
    "sites": [{"site_id": "s-sv", "name": "Solsidan Borgå", "notification_email": "borga@solsidan.fi"}],
    "billing": None,
}


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    """Every database of these tests starts at the notifications schema's head (root conftest.py: migrated once)."""
    return _MIGRATIONS


@dataclass
class SmtpInbox:
    """aiosmtpd handler: records what it accepts; refuses RCPT while told to."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refuse_next: int = 0
    refuse_forever: bool = False
    refusal: str = "451 4.3.0 Mailbox busy, try again later"
    attempts: int = 0

    refuse_sender_next: int = 0  # MAIL FROM refused this many times (the relay refusing us, not a recipient)
    sender_refusal: str = "530 5.7.0 Authentication required"

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self.refuse_sender_next > 0:
            self.refuse_sender_next -= 1
            return self.sender_refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        self.attempts += 1
        if self.refuse_forever or self.refuse_next > 0:
            self.refuse_next -= 1
            return self.refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Any:
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


@dataclass
class Harness:
    client: httpx.AsyncClient
    broker: InMemoryBroker
    runtime: NotificationsRuntime
    clock: FixedClock
    smtp: SmtpInbox
    token_for: Callable[..., dict[str, str]]
    tenant: ClassVar[dict[str, Any]] = TENANT
    bilingual_tenant: ClassVar[dict[str, Any]] = BILINGUAL_TENANT
    provider_fi: ClassVar[dict[str, Any]] = PROVIDER_FI
    provider_sv: ClassVar[dict[str, Any]] = PROVIDER_SV

    async def publish(self, event_type: str, payload: dict[str, Any], *, tenant_id: str | None = None,
                      event_id: uuid.UUID | None = None, occurred_at: datetime | None = None) -> Envelope:
        """Deliver an event over the bus, let the consumers finish, and let the sender send."""
        envelope = Envelope(event_id=event_id or uuid.uuid4(), type=event_type, tenant_id=tenant_id,
                            payload=payload, **({"occurred_at": occurred_at} if occurred_at else {}))
        await InMemoryTransport(self.broker).publish(envelope, {}, timeout=1)
        await self.settle()
        return envelope

    async def settle(self) -> None:
        await self.broker.drain()
        await self.runtime.sender.flush()

    async def directory(self) -> None:
        """The read models most tests need: two tenants and two providers."""
        for tenant in (TENANT, BILINGUAL_TENANT):
            await self.publish("registry.tenant.created", tenant)
        for provider in (PROVIDER_FI, PROVIDER_SV):
            await self.publish("registry.provider.registered", provider)

    async def db_message(self, **where: Any) -> list[dict[str, Any]]:
        from seteli_notifications.models import messages
        from sqlalchemy import select
        query = select(messages).where(*(messages.c[k] == v for k, v in where.items())) \
            .order_by(messages.c.id)
        async with self.runtime.db.system_transaction() as session:  # the test reads every tenant's rows
            return [dict(r) for r in (await session.execute(query)).mappings()]


def make_settings(pg_url: str, tmp_path: Path, smtp_port: int | None,
                  **overrides: Any) -> NotificationsSettings:
    values: dict[str, Any] = {
        "database_url": pg_url, "data_dir": tmp_path, "log_json": False,
        "smtp_host": "127.0.0.1" if smtp_port else "", "smtp_port": smtp_port or 25,
        "send_retry_delays": [60.0, 300.0], "send_interval_seconds": 3600.0,
        "retry_delays_seconds": [0.05, 0.1, 0.2], "adapters": "fake",
    }
    return NotificationsSettings(**{**values, **overrides})


@pytest.fixture
async def harness(pg_url: str, tmp_path: Path, smtp: SmtpInbox, clock: FixedClock, static_keys: StaticKeys,
                  token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Harness]:
    broker = InMemoryBroker()
    runtime = build_runtime(make_settings(pg_url, tmp_path, smtp.port),  # type: ignore[attr-defined]
                            broker=broker, clock=clock, keys=static_keys)
    app = build_app(runtime)
    async with running_app(app) as client:
        yield Harness(client, broker, runtime, clock, smtp, token_for)
    await broker.close()


async def _embedded(database_url: str, tmp_path: Path, clock: FixedClock, static_keys: StaticKeys,
                    token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Harness]:
    broker = InMemoryBroker()
    runtime = build_runtime(make_settings(database_url, tmp_path, None), broker=broker, clock=clock,
                            keys=static_keys)
    app = build_app(runtime)
    async with running_app(app) as client:
        yield Harness(client, broker, runtime, clock, SmtpInbox(), token_for)
    await broker.close()


@pytest.fixture
async def embedded(pg_url: str, tmp_path: Path, clock: FixedClock, static_keys: StaticKeys,
                   token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Harness]:
    """Embedded mode: no SMTP host, messages become .eml files under <data_dir>/mail."""
    async for h in _embedded(pg_url, tmp_path, clock, static_keys, token_for):
        yield h


@pytest.fixture
async def embedded_sqlite(tmp_path: Path, clock: FixedClock, static_keys: StaticKeys,
                          token_for: Callable[..., dict[str, str]]) -> AsyncIterator[Harness]:
    """The embedded suite's setting: an SQLite file and .eml files."""
    async for h in _embedded("", tmp_path, clock, static_keys, token_for):
        yield h
