"""What every events use case gets: the kernel's unit of work (seteli_common.context), the tenant, and
publishing with an envelope id derived from the fact."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from seteli_common.consistency import After
from seteli_common.context import ServiceContext
from seteli_common.messaging.envelope import EventPayload

_ENVELOPE_NS = uuid.UUID("6f1d7a52-3c1e-4d8e-9a57-5b2f4c0e8d11")


@dataclass(kw_only=True)
class EventsContext(ServiceContext):
    """Every events use case works inside one tenant."""

    tenant_id: str
    # The writes of other services the request says it follows (`Seteli-After`, seteli_common.consistency):
    # a use case that does not find what the request names asks `after.pending(...)` before saying so.
    after: After = field(default_factory=After)

    async def publish(self, payload: EventPayload, key: str,
                      write: Callable[[dict[str, Any]], Awaitable[None]] | None = None) -> None:
        """Through the outbox, with an envelope id derived from the fact (type + key, e.g. event id and
        revision): the same fact published twice carries the same id, so consumers' inboxes drop it.
        `write`: inserts the outbox row itself, with the state change (`Outbox.add`)."""
        envelope_id = uuid.uuid5(_ENVELOPE_NS, f"{self.tenant_id}:{payload.event_type}:{key}")
        await self.outbox.add(self.session, payload, tenant_id=self.tenant_id, event_id=envelope_id, write=write)
