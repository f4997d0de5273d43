"""What settlement's boundaries hold for the whole process: the API handlers that open their own units
of work, the worker loop and the scheduler loop. Not a use case's context: each unit of work they open
hands its use cases the kernel's `ServiceContext` (`unit_of_work`), and only they commit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from seteli_common.clock import Clock
from seteli_common.context import ServiceContext
from seteli_common.db import Database
from seteli_common.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class SettlementDeps:
    """Process-level dependencies of settlement's runs, scheduler and workers: the Database (not one unit
    of work's session), the outbox, the clock, the job lease, and `after_commit`, signalled once a unit
    of work they opened has committed."""

    db: Database
    outbox: Outbox
    clock: Clock
    lease_seconds: float = 60.0
    max_attempts: int = 5  # a job failing this many times is parked as failed (`job_max_attempts`)
    after_commit: Callable[[], None] | None = None

    def committed(self) -> None:
        if self.after_commit is not None:
            self.after_commit()

    def context(self, session: AsyncSession) -> ServiceContext:
        """The use cases' context for a unit of work opened elsewhere (an HTTP request's session)."""
        return ServiceContext(session, self.outbox, self.clock)

    @asynccontextmanager
    async def unit_of_work(
        self, tenant_id: str | None = None, *, system: bool = False, read_only: bool = False
    ) -> AsyncIterator[ServiceContext]:
        """One transaction, in `tenant_id`'s scope or (`system=True`) across tenants: commits when the block
        ends normally, rolls back on any exception. The boundary that wrote events calls `committed()` after it."""
        if system:
            async with self.db.system_transaction(read_only=read_only) as session:
                yield self.context(session)
        else:
            async with self.db.transaction(tenant_id=tenant_id, read_only=read_only) as session:
                yield self.context(session)
