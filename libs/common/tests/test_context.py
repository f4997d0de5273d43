"""The kernel's use-case context (seteli_common.context)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import cast

from seteli_common.clock import FixedClock
from seteli_common.context import ServiceContext
from seteli_common.messaging.outbox import Outbox, outbox_table
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(kw_only=True)
class DemoContext(ServiceContext):
    port: str


def _context(now: datetime, port: str = "adapter") -> DemoContext:
    session = cast(AsyncSession, object())  # never touched: nothing here runs a query
    return DemoContext(session, Outbox(outbox_table(MetaData())), FixedClock(now), port=port)


def test_today_is_the_date_in_helsinki_not_utc() -> None:
    # 22:30 UTC on 31 January is already 1 February in Helsinki (UTC+2).
    ctx = _context(datetime(2016, 1, 31, 22, 30, tzinfo=UTC))
    assert ctx.today() == date(2016, 2, 1)


def test_a_service_subclass_keeps_the_kernel_fields_first_and_adds_its_own_by_keyword() -> None:
    ctx = _context(datetime(2016, 1, 1, tzinfo=UTC), port="smtp")
    assert [f.name for f in fields(ctx)] == ["session", "outbox", "clock", "port"]
    assert ctx.port == "smtp"
