"""What every use case gets: the unit of work's session, the outbox, the clock and the adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from seteli_common.clock import Clock, today_in_helsinki
from seteli_common.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from .signing import Signer


@dataclass
class AppContext:
    session: AsyncSession
    outbox: Outbox
    clock: Clock
    signer: Signer

    def today(self) -> date:
        return today_in_helsinki(self.clock)
