"""The walking skeleton across all six services, each in its own process with its own PostgreSQL
database, over real RabbitMQ: tenant → service with a price → voucher → booking → event →
settlement run → email to the provider."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from seteli_common.clock import Month, SystemClock, today_in_helsinki

from seteli import services
from seteli.demo import walking_skeleton

from .suite_processes import DistributedSuite, free_port, service_env, start_service, wait_ready

pytestmark = pytest.mark.integration

ADMIN_EMAIL = "admin@seteli.fi"
ADMIN_PASSWORD = "Integration-admin-1"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
async def suite(pg_database_factory, amqp_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                smtp: tuple[Inbox, int]) -> AsyncIterator[DistributedSuite]:
    _, smtp_port = smtp
    running = DistributedSuite()
    registry_env = service_env("registry", await pg_database_factory(), amqp_url, tmp_path, "", {
        "REGISTRY_BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL, "REGISTRY_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "REGISTRY_SIGNING_KEY_PATH": str(tmp_path / "signing-key.json")})
    running.processes["registry"] = start_service("registry", registry_env, tmp_path)
    registry_url = running.processes["registry"].url
    try:
        for name in services.SERVICES[1:]:
            extra = {"NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
                     "NOTIFICATIONS_SMTP_STARTTLS": "false"} if name == "notifications" else {}
            env = service_env(name, await pg_database_factory(), amqp_url, tmp_path, registry_url, extra)
            running.processes[name] = start_service(name, env, tmp_path)
        await wait_ready(running)
        yield running
    finally:
        running.stop()


async def test_payment_computed_through_all_six_services(suite: DistributedSuite, smtp: tuple[Inbox, int]) -> None:
    inbox, _ = smtp
    month = Month.of(today_in_helsinki(SystemClock())).prev()  # vouchers are valid from last month on
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            result = await walking_skeleton(client, suite.base_urls(), admin_email=ADMIN_EMAIL,
                                            admin_password=ADMIN_PASSWORD, month=month, seed=7)
        except Exception as exc:
            raise AssertionError(f"{exc}\n{suite.logs()}") from exc
    # every day at 150.00 €, voucher value 140.00 €: the tenant pays 140.00 € a day
    assert result.payment_amount == Decimal("140.00") * ((month.last - month.first).days + 1)
    for _ in range(150):  # the notifications service's sender delivers over SMTP shortly after
        if any(result.email_to in rcpts for _, rcpts, _ in inbox.messages):
            break
        await asyncio.sleep(0.2)
    assert any(result.email_to in rcpts for _, rcpts, _ in inbox.messages), suite.logs()
