"""Reads after writes across services (issue 22): a write's consistency token, and honouring it.

A write that published events answers `Seteli-Consistency: <token>[, <token>…]`, one token per event
(the HTTP unit of work adds it, `seteli_common.web`). A token names the event's type, its tenant, its id
and when it happened: `vouchers.booking.made;t1;3f0c…;1764939000`. A client that next asks another
service about what it wrote sends the tokens back in `Seteli-After`. The other service, when what the
request names is not there and a token of the awaited type, of this request's tenant, names an event its
inbox has not handled yet, answers 409 `not-yet-known` with `Retry-After` (`seteli_common.errors`) instead
of "not yours" or "does not exist". Without a token, or once the event is handled, the answer is the
usual one. A token of another tenant, a malformed one or an old one (`MAX_AGE_SECONDS`) is ignored: it
tells the caller nothing it did not know. A fact of no tenant (the registry's news of a company's site: a
company works with many tenants) has a token of `PLATFORM` in the tenant's place, which every tenant's
request honours: a provider adds a site and at once chooses it in one tenant's application.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from .db import PUBLISHED
from .messaging.consumer import processed_event_ids
from .messaging.envelope import Envelope

__all__ = [
    "AFTER_HEADER", "CONSISTENCY_HEADER", "MAX_AGE_SECONDS", "MAX_TOKENS", "PLATFORM", "PUBLISHED",
    "After", "Token", "header_value", "parse_tokens", "published_tokens",
]

CONSISTENCY_HEADER = "Seteli-Consistency"  # answered by a write that published events
AFTER_HEADER = "Seteli-After"  # sent back by the client on a request that depends on that write
MAX_TOKENS = 16  # per header: a write publishing more names its first ones; a request sends at most these
MAX_AGE_SECONDS = 300  # an event older than this has arrived or is stuck: waiting for it helps nobody
_NO_SEPARATORS = (";", ",", " ")
PLATFORM = "*"  # the tenant of a fact of no tenant's token: never a tenant id (seteli_common.tenancy.TENANT_ID_RE)


@dataclass(frozen=True)
class Token:
    event_type: str
    tenant_id: str
    event_id: str
    occurred_at: int  # Unix seconds

    def __str__(self) -> str:
        return f"{self.event_type};{self.tenant_id};{self.event_id};{self.occurred_at}"

    @classmethod
    def of(cls, envelope: Envelope) -> Token | None:
        """The token of a published event; one of no tenant names `PLATFORM` (a site added a moment ago is
        awaited in every tenant the company works with). None when a separator would make it read back wrong."""
        tenant = envelope.tenant_id or PLATFORM
        if any(c in tenant or c in envelope.type for c in _NO_SEPARATORS):
            return None
        return cls(envelope.type, tenant, str(envelope.event_id), int(envelope.occurred_at.timestamp()))

    @classmethod
    def parse(cls, text: str) -> Token | None:
        parts = text.strip().split(";")
        if len(parts) != 4 or not all(parts):
            return None
        event_type, tenant_id, event_id, occurred = parts
        try:
            event_id = str(uuid.UUID(event_id))
            occurred_at = int(occurred)
        except ValueError:
            return None
        if len(event_type) > 200 or len(tenant_id) > 64:
            return None
        return cls(event_type, tenant_id, event_id, occurred_at)


def header_value(tokens: Iterable[Token]) -> str:
    return ", ".join(str(t) for t in list(tokens)[:MAX_TOKENS])


def parse_tokens(header: str | None) -> tuple[Token, ...]:
    """The well-formed tokens of a `Seteli-After` header (at most `MAX_TOKENS`); the rest is ignored."""
    if not header:
        return ()
    found = (Token.parse(part) for part in header.split(",")[: MAX_TOKENS * 2])
    return tuple(t for t in found if t is not None)[:MAX_TOKENS]


def published_tokens(session_info: dict[str, Any]) -> tuple[Token, ...]:
    """The tokens of the events a unit of work wrote to its outbox (`Outbox.add` keeps them)."""
    envelopes: Sequence[Envelope] = session_info.get(PUBLISHED) or ()
    found = (Token.of(e) for e in envelopes)
    return tuple(t for t in found if t is not None)


@dataclass(frozen=True)
class After:
    """The writes a request says it follows (its `Seteli-After` tokens) and this service's inbox. A use
    case asks `await ctx.after.pending(ctx.session, tenant, "vouchers.booking.made")` before it reads what it
    looks for (a query only when the request names a token of that type: asked after the read, a fact
    committed in between would be answered as missing), and when it is missing and was pending answers
    `not_yet_known` instead of "no such thing"."""

    tokens: tuple[Token, ...] = ()
    inbox: Table | None = None

    def relevant(self, tenant_id: str, event_types: Sequence[str], *, now: float | None = None) -> list[Token]:
        moment = time.time() if now is None else now
        return [t for t in self.tokens
                if t.tenant_id in (tenant_id, PLATFORM) and t.event_type in event_types
                and -MAX_AGE_SECONDS <= moment - t.occurred_at <= MAX_AGE_SECONDS]

    async def pending(self, session: AsyncSession, tenant_id: str, *event_types: str) -> bool:
        """True when a token of this tenant (or of no tenant) names an event of these types that this service's
        inbox has not handled yet: what the request looks for may be on its way."""
        wanted = self.relevant(tenant_id, event_types)
        if not wanted or self.inbox is None:
            return False
        done = await processed_event_ids(session, self.inbox, [t.event_id for t in wanted])
        return any(t.event_id not in done for t in wanted)
