"""What every service's use cases receive: one kernel type, `ServiceContext`, for the unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from .clock import Clock, today_in_helsinki
from .messaging.outbox import Outbox

__all__ = ["ServiceContext"]


@dataclass
class ServiceContext:
    """The unit of work a use case runs in: its session and its outbox (events written in the same
    transaction; the caller commits), and the clock, the only source of "now".

    A service that needs more (its adapters, settings, a tenant scope) subclasses this with
    `@dataclass(kw_only=True)`, so that these three fields stay first and positional, and adds only its
    own ports. Naming rule: the subclass is named after its package, `<Service>Context`
    (seteli_registry -> RegistryContext, seteli_notifications -> NotificationsContext)."""

    session: AsyncSession
    outbox: Outbox
    clock: Clock

    def today(self) -> date:
        """Today in Helsinki: a voucher day ends at midnight Finnish time, not UTC. A method, not a
        property, because like `clock.now()` it is read at the moment of the call."""
        return today_in_helsinki(self.clock)
